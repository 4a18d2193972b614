// Editor scenarios (issue 15): two generated files — the shallow blocks of editor.ts and a
// 1,000-layer chain with a gradient every 50 layers — each edited at its end, in its middle,
// at its feed, right after opening, and in a 100-edit typing burst. After every edit a few
// hovers are sent at once, while the analysis of that edit runs: their round trips are the
// "hovers while busy". Each scenario is printed against the goals.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { generatedModelFile, percentile, startServer, type ServerSession } from './editor';
import type { ProbeLine } from './serverProbe';
import type { TimedResponse } from './editorStdio';

export const SCENARIO_GOALS = { hoverP99Ms: 5, nearEndP95Ms: 30, chainFeedMs: 300, rssMb: 200 } as const;

/** The deep model: each line `h_i = tanh(h_{i-1} @ w0) + 0.01 * h_{i-1}` on a 16×8
 *  feed, with a gradient every `gradientEvery` layers. */
export function generatedChainFile(layers = 1000, gradientEvery = 50): string {
  const lines = [
    'x = placeholder(float32, [None, 8])',
    'feed x = uniform([16, 8], seed=1)',
    'w0 = variable(uniform([8, 8], seed=2))',
    'h0 = x',
  ];
  for (let i = 1; i <= layers; i++) {
    lines.push(`h${i} = tanh(h${i - 1} @ w0) + 0.01 * h${i - 1}`);
    if (i % gradientEvery === 0) lines.push(`g${i} = gradients(reduce_sum(h${i}), w0)`);
  }
  lines.push('loss = reduce_sum(h1000 * 1.5)'.replace('h1000', `h${layers}`));
  return lines.join('\n') + '\n';
}

export type ScenarioName = 'end' | 'middle' | 'feed' | 'open' | 'burst';

export interface ScenarioResult {
  file: 'blocks' | 'chain';
  scenario: ScenarioName;
  edits: number;
  /** Edit → complete diagnostics of that version (`tgraph/analysed`), ms. For the burst, only
   *  the last edit is waited for. */
  diagnostics: { p50: number; p95: number; max: number };
  /** Of that, the worker's analysis alone (`tgraph/analysed`'s milliseconds): the rest is
   *  around it (the protocol thread, the transfer, waiting for the worker). */
  analysis: { p50: number; p95: number };
  hovers: number;
  /** Hover request written → its response's bytes arrived (the goal's measurement). */
  hover: { p50: number; p99: number; max: number };
  /** The same hovers timed by the client's loop (the old measurement), which also waits for
   *  the client to parse the big messages the edit brought. */
  hoverClient: { p50: number; p99: number; max: number };
  /** The goal on the diagnostics, where the issue sets one. */
  diagnosticsGoalMs: number | null;
  met: { diagnostics: boolean | null; hover: boolean };
  /** The longest event-loop delay of the server's protocol thread during the scenario (the
   *  longest task that ran there), ms; null without the probe. */
  protocolDelayMaxMs: number | null;
  /** Of the protocol thread's event-loop checks during the scenario, how many found it held
   *  past LONG_TASK_MS (about the number of tasks a hover could wait behind); null without
   *  the probe. */
  protocolLongTasks: number | null;
  /** Time the protocol thread spent collecting garbage during the scenario, ms. */
  protocolGcMs: number | null;
  /** Of those collections, the full ones (their count), which pause the thread longest. */
  protocolMajorGcs: number | null;
  /** CPU time the protocol thread used during the scenario, ms (null without /proc). */
  protocolCpuMs: number | null;
  /** Time the protocol thread waited for a core during the scenario, ms (null without
   *  /proc): with the longest task and the CPU, tells work from waiting on a loaded machine. */
  protocolWaitMs: number | null;
}

/** Memory of the server once a file's scenarios are done: the process, and each thread's
 *  V8 heap (used / reserved) and the buffers outside it. */
export interface ServerMemory {
  rssMb: number;
  protocol: { heapUsedMb: number; heapTotalMb: number; externalMb: number } | null;
  worker: { heapUsedMb: number; heapTotalMb: number; externalMb: number } | null;
}

export interface ScenarioReport {
  results: ScenarioResult[];
  rssMb: { blocks: number | null; chain: number | null };
  memory: { blocks: ServerMemory | null; chain: ServerMemory | null };
  goals: typeof SCENARIO_GOALS;
}

function memoryOf(lines: readonly ProbeLine[], rssMb: number | null): ServerMemory | null {
  if (rssMb === null) return null;
  const last = (thread: ProbeLine['thread']) => {
    const line = lines.filter((l) => l.thread === thread).at(-1);
    return line ? { heapUsedMb: line.heapUsedMb, heapTotalMb: line.heapTotalMb, externalMb: line.externalMb } : null;
  };
  return { rssMb, protocol: last('protocol'), worker: last('worker') };
}

function rssMb(pid: number | undefined): number | null {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return null;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Doc {
  uri: string;
  text: string;
  version: number;
  lines: string[];
}

/** The range of `needle` on the first line that has it at or after `fromLine`. */
function rangeOf(doc: Doc, needle: string, fromLine = 0) {
  for (let line = fromLine; line < doc.lines.length; line++) {
    const at = doc.lines[line].indexOf(needle);
    if (at >= 0) return { start: { line, character: at }, end: { line, character: at + needle.length } };
  }
  throw new Error(`${needle} not found`);
}

/** A hover's round trip by the arrival of its response's bytes, and by the client's loop. */
type HoverTime = Pick<TimedResponse<unknown>, 'arrivalMs' | 'clientMs'>;

async function hoverTimes(session: ServerSession, doc: Doc, count: number, into: HoverTime[]): Promise<void> {
  const asked: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const line = 3 + Math.floor(Math.random() * (doc.lines.length - 5));
    asked.push(
      session
        .timedRequest('textDocument/hover', { textDocument: { uri: doc.uri }, position: { line, character: 1 } })
        .then(({ arrivalMs, clientMs }) => {
          into.push({ arrivalMs, clientMs });
        }),
    );
  }
  await Promise.all(asked);
}

/** One edit, its hovers sent at once (while it is analysed), and the time to its complete
 *  diagnostics. */
async function editAndHover(
  session: ServerSession,
  doc: Doc,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  text: string,
  hovers: HoverTime[],
  wait = true,
  analysisTimes?: number[],
): Promise<number> {
  doc.version++;
  const version = doc.version;
  const analysed = wait ? session.analysedOf(doc.uri, version) : null;
  const start = performance.now();
  await session.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: doc.uri, version },
    contentChanges: [{ range, text }],
  });
  const lineText = doc.lines[range.start.line];
  doc.lines[range.start.line] = lineText.slice(0, range.start.character) + text + lineText.slice(range.end.character);
  const hovered = hoverTimes(session, doc, 3, hovers);
  if (analysed) analysisTimes?.push(await analysed);
  const ms = performance.now() - start;
  await hovered;
  return ms;
}

export async function measureEditorScenarios(o: {
  server: string;
  edits: number;
  burst: number;
  /** dist/bench-server-probe.js: the protocol thread's delays and each thread's heap. */
  probe?: string;
  log?: (s: string) => void;
}): Promise<ScenarioReport> {
  const results: ScenarioResult[] = [];
  const rss: ScenarioReport['rssMb'] = { blocks: null, chain: null };
  const memory: ScenarioReport['memory'] = { blocks: null, chain: null };
  const files = { blocks: generatedModelFile(1000), chain: generatedChainFile(1000, 50) };
  for (const [name, text] of Object.entries(files) as ['blocks' | 'chain', string][]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-scenarios-'));
    const file = path.join(dir, `${name}.tgraph`);
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).href;
    const session = await startServer(o.server, dir, o.probe);
    try {
      const doc: Doc = { uri, text, version: 1, lines: text.split('\n') };
      const open = async () => {
        doc.version = 1;
        doc.lines = text.split('\n');
        const analysed = session.analysedOf(uri, 1);
        await session.connection.sendNotification('textDocument/didOpen', {
          textDocument: { uri, languageId: 'tgraph', version: 1, text },
        });
        await analysed;
      };
      await open();
      await pause(500);
      let scenarioStart = Date.now();
      let cpuAtStart = session.protocolCpuMs();
      let waitAtStart = session.protocolWaitMs();
      let analysisTimes: number[] = [];
      const record = (scenario: ScenarioName, times: number[], hoverTimes: HoverTime[], goal: number | null) => {
        // The probe writes every 100 ms: wait for the line that covers the scenario's end.
        const end = Date.now();
        const cpuAtEnd = session.protocolCpuMs();
        const waitAtEnd = session.protocolWaitMs();
        const lines = session.probeLines().filter((l) => l.thread === 'protocol' && l.t > scenarioStart && l.t <= end + 100);
        const delays = lines.map((l) => l.delayMaxMs ?? 0);
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        const diagnostics = { p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
        const spread = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });
        const hover = spread(hoverTimes.map((h) => h.arrivalMs));
        const hoverClient = spread(hoverTimes.map((h) => h.clientMs));
        const measured = scenario === 'feed' ? diagnostics.p95 : diagnostics.p95;
        results.push({
          file: name,
          scenario,
          edits: times.length,
          diagnostics,
          analysis: { p50: percentile(analysisTimes, 50), p95: percentile(analysisTimes, 95) },
          hovers: hoverTimes.length,
          hover,
          hoverClient,
          diagnosticsGoalMs: goal,
          met: { diagnostics: goal === null ? null : measured <= goal, hover: hover.p99 <= SCENARIO_GOALS.hoverP99Ms },
          protocolDelayMaxMs: delays.length ? Math.max(...delays) : null,
          protocolLongTasks: lines.length ? sum(lines.map((l) => l.longTasks ?? 0)) : null,
          protocolGcMs: lines.length ? sum(lines.map((l) => l.gcMs ?? 0)) : null,
          protocolMajorGcs: lines.length ? sum(lines.map((l) => l.majorGcs ?? 0)) : null,
          protocolCpuMs: cpuAtEnd === null || cpuAtStart === null ? null : cpuAtEnd - cpuAtStart,
          protocolWaitMs: waitAtEnd === null || waitAtStart === null ? null : waitAtEnd - waitAtStart,
        });
        o.log?.(` ${name}/${scenario}`);
        scenarioStart = Date.now();
        cpuAtStart = session.protocolCpuMs();
        waitAtStart = session.protocolWaitMs();
        analysisTimes = [];
      };
      const lastLine = doc.lines.length - 2;
      // Edits at the end: the number in the last line.
      {
        const times: number[] = [];
        const hovers: HoverTime[] = [];
        for (let i = 0; i < o.edits; i++)
          times.push(
            await editAndHover(
              session,
              doc,
              rangeOf(doc, doc.lines[lastLine].match(/\d+\.\d/)![0], lastLine),
              `${(i % 9) + 1}.${i % 10}`,
              hovers,
              true,
              analysisTimes,
            ),
          );
        record('end', times, hovers, SCENARIO_GOALS.nearEndP95Ms);
      }
      // Edits in the middle: a constant of the middle statement.
      {
        const times: number[] = [];
        const hovers: HoverTime[] = [];
        const middle = Math.floor(doc.lines.length / 2);
        for (let i = 0; i < o.edits; i++) {
          const line = doc.lines.findIndex((l, k) => k >= middle && /\d\.\d+/.test(l));
          const found = doc.lines[line].match(/\d\.\d+/)!;
          times.push(await editAndHover(session, doc, rangeOf(doc, found[0], line), `0.0${(i % 8) + 1}`, hovers, true, analysisTimes));
        }
        record('middle', times, hovers, null);
      }
      // Edits of the feed: every value changes, the graph stays.
      {
        const times: number[] = [];
        const hovers: HoverTime[] = [];
        for (let i = 0; i < o.edits; i++) {
          const seed = doc.lines[1].match(/seed=\d+/)![0];
          times.push(await editAndHover(session, doc, rangeOf(doc, seed, 1), `seed=${i + 3}`, hovers, true, analysisTimes));
        }
        record('feed', times, hovers, name === 'chain' ? SCENARIO_GOALS.chainFeedMs : null);
      }
      // An edit right after opening: the first analysis is still running.
      {
        const times: number[] = [];
        const hovers: HoverTime[] = [];
        for (let i = 0; i < Math.max(3, Math.floor(o.edits / 4)); i++) {
          await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
          doc.version = 1;
          doc.lines = text.split('\n');
          await session.connection.sendNotification('textDocument/didOpen', {
            textDocument: { uri, languageId: 'tgraph', version: 1, text },
          });
          times.push(
            await editAndHover(
              session,
              doc,
              rangeOf(doc, doc.lines[lastLine].match(/\d+\.\d/)![0], lastLine),
              `${i + 2}.5`,
              hovers,
              true,
              analysisTimes,
            ),
          );
          await pause(200);
        }
        record('open', times, hovers, null);
      }
      // A typing burst: `burst` edits 15 ms apart at the end, hovers after each; only the last
      // edit is waited for.
      {
        const hovers: HoverTime[] = [];
        let last = 0;
        for (let i = 0; i < o.burst; i++) {
          const isLast = i === o.burst - 1;
          const t = editAndHover(
            session,
            doc,
            rangeOf(doc, doc.lines[lastLine].match(/\d+\.\d/)![0], lastLine),
            `${(i % 9) + 1}.${i % 10}`,
            hovers,
            isLast,
            analysisTimes,
          );
          if (isLast) last = await t;
          else await pause(15);
        }
        await pause(200);
        record('burst', [last], hovers, SCENARIO_GOALS.nearEndP95Ms);
      }
      await pause(150);
      rss[name] = rssMb(session.pid);
      memory[name] = memoryOf(session.probeLines(), rss[name]);
    } finally {
      await session.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { results, rssMb: rss, memory, goals: SCENARIO_GOALS };
}
