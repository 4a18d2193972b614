// What an edit near the end waits for in the analysis worker: the server is started with
// TGRAPH_WORKER_TURNS=1 (the worker logs each turn and each text's arrival), the editor
// scenarios' end edits are replayed (the chain and blocks files: open, a pause, end edits
// each sent when the previous one's diagnostics arrived, hovers after each; the classic
// file: open, a pause, end edits), and every edit is matched with the turn that was running
// when it was sent. Prints, per file, each edit's time to diagnostics, how long its text
// waited before the worker read it, and the turn it waited for.
//
// And where each edit's time went, stage by stage, from the client's didChange to its
// receipt of the complete diagnostics (`tgraph/analysed`): the probe (serverProbe.ts, with
// TGRAPH_BENCH_TIMELINE) times the protocol thread's side and both threads' garbage
// collections, the worker logs its own stages (`stages:`). `--stages` prints each edit's
// stages; the summary gives each stage's p50 / p95 / max per file.
//
//   node dist/bench-turn-waits.js [--server=dist/server.js] [--edits=8] [--rounds=3] [--stages]

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { generatedModelFile, percentile, startServer } from './editor';
import { generatedChainFile } from './editorScenarios';
import type { TimelineEvent } from './serverProbe';

interface Turn {
  kind: string;
  start: number;
  end: number;
}

interface EditWait {
  file: string;
  edit: number;
  diagnosticsMs: number;
  /** Stage name → ms, in the order of the edit's path (STAGES); NaN where not seen. */
  stages: Record<string, number>;
  /** Collections during the edit, ms by thread, and what the worker did (its log's counts). */
  gc: { protocol: number; worker: number };
  work: string;
  /** From sending the edit to the worker reading its text. */
  arrivalMs: number;
  /** The turns that ran between sending the edit and the worker reading its text (kinds),
   *  and how much of that time they took. */
  waitedFor: string;
  waitedMs: number;
}

const wallClock = () => performance.timeOrigin + performance.now();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stages of an edit's path, each from the previous mark to its own (ms). */
const STAGES = [
  ['to protocol', 'stdin'], // the client's write until the bytes reach the protocol thread
  ['protocol: to worker', 'post'], // JSON-RPC dispatch, the text's update, the post
  ['worker: read', 'arrived'], // in transit, or waiting behind the worker's turn
  ['worker: turn', 'start'], // the next turn's scheduling
  ['worker: table', 'tableMade'], // the previous analysis's value table, if made now
  ['worker: parse+build', 'built'],
  ['worker: evaluate', 'evaluated'],
  ['worker: diagnostics', 'diagnosticsPosted'],
  ['worker: snapshot', 'described'],
  ['worker: delta', 'delta'],
  ['worker: wire', 'wire'],
  ['worker: post', 'posted'],
  ['transfer', 'received'], // until the protocol thread runs the delta's handler
  ['protocol: apply+publish', 'published'], // until `tgraph/analysed` is written
  ['to client', 'client'],
] as const;

async function endEdits(
  server: string,
  probe: string,
  file: 'chain' | 'blocks' | 'classic',
  edits: number,
  pauseMs: number,
  hoversPerEdit: number,
): Promise<EditWait[]> {
  const text = file === 'chain' ? generatedChainFile(1000, 50) : generatedModelFile(1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-turn-waits-'));
  const filePath = path.join(dir, `${file}.tgraph`);
  fs.writeFileSync(filePath, text);
  const uri = pathToFileURL(filePath).href;
  const timelineFile = path.join(dir, 'timeline.jsonl');
  process.env.TGRAPH_WORKER_TURNS = '1';
  process.env.TGRAPH_BENCH_TIMELINE = timelineFile;
  const session = await startServer(server, dir, probe);
  const turns: Turn[] = [];
  const arrivals = new Map<number, number>();
  const stageLogs = new Map<number, Record<string, number | string | boolean>>();
  session.connection.onNotification('window/logMessage', (p: { message: string }) => {
    const m = /^turns: (\S+) ([\d.]+) ([\d.]+)$/.exec(p.message);
    if (m) turns.push({ kind: m[1], start: Number(m[2]), end: Number(m[3]) });
    const a = /^turns: text \d+ (\d+) arrived ([\d.]+)$/.exec(p.message);
    if (a) arrivals.set(Number(a[1]), Number(a[2]));
    const s = /^stages: (.*)$/.exec(p.message);
    if (s) {
      const marks = JSON.parse(s[1]) as Record<string, number | string | boolean>;
      stageLogs.set(Number(marks.version), marks);
    }
  });
  const out: EditWait[] = [];
  try {
    const lines = text.split('\n');
    const lastLine = lines.length - 2;
    const opened = session.analysedOf(uri, 1);
    await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
    await opened;
    await pause(pauseMs);
    const sent = new Map<number, { at: number; ms: number }>();
    for (let i = 0; i < edits; i++) {
      const version = i + 2;
      const found = lines[lastLine].match(/\d+\.\d/)!;
      const character = lines[lastLine].indexOf(found[0]);
      const replacement = `${(i % 9) + 1}.${i % 10}`;
      const arrived = session.analysedOf(uri, version);
      const at = wallClock();
      await session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [
          {
            range: { start: { line: lastLine, character }, end: { line: lastLine, character: character + found[0].length } },
            text: replacement,
          },
        ],
      });
      lines[lastLine] = lines[lastLine].slice(0, character) + replacement + lines[lastLine].slice(character + found[0].length);
      const hovers: Promise<unknown>[] = [];
      for (let k = 0; k < hoversPerEdit; k++) {
        const line = 3 + Math.floor(Math.random() * (lines.length - 5));
        hovers.push(session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } }));
      }
      await arrived;
      sent.set(version, { at, ms: wallClock() - at });
      await Promise.all(hovers);
    }
    await pause(600); // the probe writes its events every 250 ms
    const events: TimelineEvent[] = fs.existsSync(timelineFile)
      ? fs
          .readFileSync(timelineFile, 'utf8')
          .split('\n')
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as TimelineEvent];
            } catch {
              return [];
            }
          })
      : [];
    for (const [version, { at, ms }] of sent) {
      const arrival = arrivals.get(version) ?? NaN;
      const running = turns.filter((t) => t.end > at && t.start < arrival);
      const worker = stageLogs.get(version) ?? {};
      const first = (kind: TimelineEvent['kind'], what?: string) =>
        events.find((e) => e.kind === kind && e.version === version && (what === undefined || e.what === what));
      const received = first('recv', 'snapshotDelta') ?? first('recv', 'snapshot');
      const marks: Record<string, number> = {
        sent: at,
        stdin: first('stdin')?.t ?? NaN,
        post: first('post')?.t ?? NaN,
        received: received?.t ?? NaN,
        published: first('out', 'tgraph/analysed')?.t ?? NaN,
        client: at + ms,
      };
      for (const [key, value] of Object.entries(worker))
        if (typeof value === 'number' && key !== 'version' && key !== 'doc') marks[key] = value;
      const stages: Record<string, number> = {};
      let previous = marks.sent;
      for (const [name, mark] of STAGES) {
        const t = marks[mark] ?? NaN;
        stages[name] = t - previous;
        if (!Number.isNaN(t)) previous = t;
      }
      const gcMs = (thread: TimelineEvent['thread']) =>
        events
          .filter((e) => e.kind === 'gc' && e.thread === thread && e.end! > at && e.t < at + ms)
          .reduce((sum, e) => sum + Math.min(e.end!, at + ms) - Math.max(e.t, at), 0);
      out.push({
        file,
        edit: version - 1,
        diagnosticsMs: ms,
        stages,
        gc: { protocol: gcMs('protocol'), worker: gcMs('worker') },
        work: ['table', 'keptStatements', 'describedFrom', 'statements', 'reused', 'computed', 'planned', 'deltaItems', 'deltaOccurrences']
          .map((k) => `${k} ${worker[k] ?? '?'}`)
          .join(', '),
        arrivalMs: arrival - at,
        waitedFor: running.map((t) => t.kind).join('+') || '-',
        waitedMs: running.reduce((sum, t) => sum + Math.min(t.end, arrival) - Math.max(t.start, at), 0),
      });
    }
  } finally {
    await session.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const server = path.resolve(arg('server', path.join(__dirname, 'server.js')));
  const probe = path.resolve(arg('probe', path.join(__dirname, 'bench-server-probe.js')));
  const edits = Number(arg('edits', '8'));
  const rounds = Number(arg('rounds', '3'));
  const each = process.argv.includes('--stages');
  const all: EditWait[] = [];
  for (let r = 0; r < rounds; r++) {
    // As the editor scenarios (a 500 ms pause after opening, 3 hovers per edit) and the
    // classic section (300 ms, no hovers between edits).
    all.push(...(await endEdits(server, probe, 'chain', edits, 500, 3)));
    all.push(...(await endEdits(server, probe, 'blocks', edits, 500, 3)));
    all.push(...(await endEdits(server, probe, 'classic', edits, 300, 0)));
  }
  const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));
  for (const w of all) {
    console.log(
      `${w.file.padEnd(8)} edit ${String(w.edit).padStart(2)}  diagnostics ${w.diagnosticsMs.toFixed(1).padStart(7)} ms  text read after ${w.arrivalMs.toFixed(1).padStart(7)} ms  waited for ${w.waitedFor} ${w.waitedMs.toFixed(1)} ms`,
    );
    if (each)
      console.log(
        `    ${Object.entries(w.stages)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(' | ')} || gc protocol ${fmt(w.gc.protocol)} worker ${fmt(w.gc.worker)} || ${w.work}`,
      );
  }
  for (const file of ['chain', 'blocks', 'classic']) {
    const mine = all.filter((w) => w.file === file);
    const d = mine.map((w) => w.diagnosticsMs);
    const a = mine.map((w) => w.arrivalMs).filter((x) => !Number.isNaN(x));
    const kinds = new Map<string, number[]>();
    for (const w of mine) if (w.waitedMs > 0) kinds.set(w.waitedFor, [...(kinds.get(w.waitedFor) ?? []), w.waitedMs]);
    console.log(
      `${file}: ${mine.length} edits; diagnostics p50 ${percentile(d, 50).toFixed(1)} p95 ${percentile(d, 95).toFixed(1)} max ${Math.max(...d).toFixed(1)} ms; ` +
        `text read after p50 ${percentile(a, 50).toFixed(1)} p95 ${percentile(a, 95).toFixed(1)} max ${Math.max(...a).toFixed(1)} ms; waited for: ` +
        ([...kinds].map(([k, ms]) => `${k} ×${ms.length} (max ${Math.max(...ms).toFixed(1)} ms)`).join(', ') || 'nothing'),
    );
    const stat = (xs: number[]) => {
      const seen = xs.filter((x) => !Number.isNaN(x));
      return seen.length ? `${fmt(percentile(seen, 50))} / ${fmt(percentile(seen, 95))} / ${fmt(Math.max(...seen))}` : '-';
    };
    for (const [name] of STAGES) console.log(`    ${name.padEnd(26)} p50 / p95 / max ${stat(mine.map((w) => w.stages[name]))} ms`);
    console.log(`    ${'gc, protocol thread'.padEnd(26)} p50 / p95 / max ${stat(mine.map((w) => w.gc.protocol))} ms`);
    console.log(`    ${'gc, worker'.padEnd(26)} p50 / p95 / max ${stat(mine.map((w) => w.gc.worker))} ms`);
  }
  console.log(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
