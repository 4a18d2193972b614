// Editor latency: the language server (dist/server.js) started over stdio, as an editor
// starts it, on a generated 1,000-statement model file. Measures what a user feels: an
// edit near the end of the file until its diagnostics arrive, hovers across the file, and
// the server's resident memory. The goals are the server issue's; there is no TF.js peer
// for an editor, so the numbers are printed against the goals instead of as ratios.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { ProbeLine } from './serverProbe';
import { spawnWithStdioThread, type TimedResponse } from './editorStdio';
import { SERVER_ENVIRONMENT } from '../protocol/serverEnvironment';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export const EDITOR_GOALS = { editToDiagnosticsP95Ms: 30, hoverP99Ms: 5, rssMb: 200 } as const;

/** 1,000 statements in blocks of ten, as a model file grows: a layer, its activations, a
 *  loss, the gradients of the loss, a stack and a reduction. The last line,
 *  `loss = reduce_sum(x * 1.5)`, is the one the benchmark edits (the `1.5`). */
export function generatedModelFile(statements = 1000): string {
  const lines = ['x = placeholder(float32, [None, 3])', 'feed x = uniform([4, 3], seed=1)', 'w = variable(ones([3, 3]))'];
  for (let b = 0; lines.length < statements - 1; b++) {
    lines.push(
      `a${b} = tanh(x @ w) + 0.${(b % 9) + 1}`,
      `b${b} = a${b} * 2. - sigmoid(a${b})`,
      `c${b} = b${b} / (1. + reduce_sum(b${b}, axis=1, keepdims=True) ** 2)`,
      `d${b} = softmax(c${b}) + a${b}`,
      `e${b} = reduce_mean(d${b} * x)`,
      `g${b} = gradients(e${b}, [x, w])`,
      `dx${b} = g${b}[0]`,
      `s${b} = stack([d${b}, c${b}])`,
      `m${b} = reduce_max(s${b}, axis=0)`,
      `n${b} = concat([m${b}, x], axis=1)`,
    );
  }
  return [...lines.slice(0, statements - 1), 'loss = reduce_sum(x * 1.5)'].join('\n') + '\n';
}

export interface EditorLatency {
  statements: number;
  edits: number;
  hovers: number;
  /** didOpen until the first diagnostics: the analysis's, or for a file whose build takes
   *  100 ms or more, the build's (the evaluation's follow; server/documents.ts). */
  openMs: number;
  editToDiagnostics: { p50: number; p95: number; max: number };
  /** Hover request written → its response's bytes arrived (the goal's measurement). */
  hover: { p50: number; p99: number; max: number };
  /** The same hovers timed by the client's loop (the old measurement): it also waits for
   *  the client to parse whatever the server sent before. */
  hoverClient: { p50: number; p99: number; max: number };
  /** Resident memory of the server process after opening the file, and after the edits and
   *  hovers (null where /proc is not available). */
  rssMbAfterOpen: number | null;
  rssMbAfterEdits: number | null;
  /** The slowest samples, to see what bounds the tail (edit number, hovered line). */
  slowest: { edits: { edit: number; ms: number }[]; hovers: { line: number; ms: number }[] };
  samples?: { edits: number[]; hovers: { line: number; ms: number; clientMs: number }[] };
  goals: typeof EDITOR_GOALS;
  met: { editToDiagnosticsP95: boolean; hoverP99: boolean; rss: boolean };
}

export function percentile(xs: readonly number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function rssMb(pid: number | undefined): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } catch {
    return null;
  }
}

export interface EditorBenchOptions {
  /** The bundled server (dist/server.js). */
  server: string;
  statements?: number;
  /** Edits near the end, each waiting for its diagnostics (a user typing and looking). */
  edits?: number;
  /** Hovers spread over the file, each waiting for its answer. */
  hovers?: number;
  /** Pause after opening before the first edit, and after the edits before the hovers, as a
   *  user reads a file before typing and stops typing before pointing at names. The server
   *  uses such pauses to explain gradients ahead of hovers; without them the first hovers on
   *  gradients explain on demand (see `slowest`). */
  pauseMs?: number;
  /** Keep every sample in the result (for looking into the tail). */
  keepSamples?: boolean;
}

/** The language server started over stdio and initialised, as an editor starts it, with
 *  `dir` as its workspace folder. */
export interface ServerSession {
  connection: ProtocolConnection;
  pid: number | undefined;
  /** A request timed by when its response's bytes reach the client (a thread that only reads
   *  the server's stdout), and by when the client's loop handles it. */
  timedRequest<T>(method: string, params: unknown): Promise<TimedResponse<T>>;
  /** Resolves when the diagnostics of `version` of `uri` are published. */
  diagnosticsOf(uri: string, version: number): Promise<unknown>;
  /** Resolves when the analysis of `version` of `uri` is complete (`tgraph/analysed`), with
   *  the time the worker's analysis took (the rest of the wait is around it). */
  analysedOf(uri: string, version: number): Promise<number>;
  /** What the probe wrote so far (empty without one). */
  probeLines(): ProbeLine[];
  /** CPU time the server's protocol thread (the process's main thread) has used so far, ms
   *  (in steps of the kernel's clock tick; null where /proc is not available). Counted by the
   *  kernel, so unlike latencies it does not grow when other processes load the machine. */
  protocolCpuMs(): number | null;
  /** Time the protocol thread has spent runnable but waiting for a core so far, ms (the
   *  kernel's run-queue delay; null where /proc is not available): what a hover's wall time
   *  holds beyond the thread's own work when the machine is loaded. */
  protocolWaitMs(): number | null;
  stop(): Promise<void>;
}

/** `probe`: dist/bench-server-probe.js, loaded into the server's threads (bench/serverProbe.ts). */
export async function startServer(server: string, dir: string, probe?: string): Promise<ServerSession> {
  const probeFile = probe ? path.join(dir, '.probe.jsonl') : undefined;
  // For profiling the server as the bench drives it, e.g. TGRAPH_BENCH_SERVER_NODE_ARGS='--cpu-prof
  // --cpu-prof-interval 100 --cpu-prof-dir=/tmp/prof' (Node refuses these in NODE_OPTIONS).
  const nodeArgs = (process.env.TGRAPH_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const stdio = spawnWithStdioThread(
    process.execPath,
    [...nodeArgs, ...(probe ? ['--require', probe] : []), server, '--stdio'],
    // As the VS Code client starts it.
    { ...process.env, ...SERVER_ENVIRONMENT, ...(probeFile ? { TGRAPH_BENCH_PROBE: probeFile } : {}) },
  );
  const pid = await stdio.pid;
  const connection = createProtocolConnection(new StreamMessageReader(stdio.readable), new StreamMessageWriter(stdio.writable));
  // Waiters by notification, uri and version: each waits for its own version.
  const waiters = new Map<string, (milliseconds: number) => void>();
  const arrived = (kind: string, p: { uri: string; version?: number | null; milliseconds?: number }) => {
    const key = `${kind} ${p.uri} ${p.version}`;
    waiters.get(key)?.(p.milliseconds ?? 0);
    waiters.delete(key);
  };
  const waitFor = (kind: string, uri: string, version: number) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${kind} for version ${version} within 60 s\n${stdio.stderr()}`)), 60_000);
      waiters.set(`${kind} ${uri} ${version}`, (milliseconds) => {
        clearTimeout(timer);
        resolve(milliseconds);
      });
    });
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => arrived('diagnostics', p));
  connection.onNotification('tgraph/analysed', (p: { uri: string; version: number; milliseconds: number }) => arrived('analysed', p));
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  connection.onRequest('client/registerCapability', () => null);
  for (const refresh of ['workspace/inlayHint/refresh', 'workspace/codeLens/refresh', 'workspace/semanticTokens/refresh'])
    connection.onRequest(refresh, () => null);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }],
    capabilities: {
      workspace: { configuration: true, inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: { versionSupport: true } },
    },
  });
  await connection.sendNotification('initialized', {});
  return {
    connection,
    pid,
    timedRequest: (method, params) => stdio.timedRequest(method, params),
    diagnosticsOf: (uri, version) => waitFor('diagnostics', uri, version),
    analysedOf: (uri, version) => waitFor('analysed', uri, version),
    probeLines: () => {
      if (!probeFile || !fs.existsSync(probeFile)) return [];
      return fs
        .readFileSync(probeFile, 'utf8')
        .split('\n')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as ProbeLine]; // (the last line may be half written)
          } catch {
            return [];
          }
        });
    },
    protocolCpuMs: () => threadCpuMs(pid, pid),
    protocolWaitMs: () => threadRunQueueMs(pid, pid),
    async stop() {
      await Promise.race([connection.sendRequest('shutdown').catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      await connection.sendNotification('exit').catch(() => undefined);
      // A profiled server writes its profile as it exits: give it the time.
      for (let waited = 0; nodeArgs.length > 0 && !stdio.exited() && waited < 10_000; waited += 50) await pause(50);
      connection.dispose();
      if (!stdio.exited()) stdio.kill();
    },
  };
}

/** User + system CPU time of one thread of a process, ms (from /proc/PID/task/TID/stat). */
function threadCpuMs(pid: number | undefined, tid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * CLOCK_TICK_MS : null;
  } catch {
    return null;
  }
}
/** How long one thread of a process has waited on a run queue (runnable, no core free), ms:
 *  the second field of /proc/PID/task/TID/schedstat, in ns, added as each wait ends. */
function threadRunQueueMs(pid: number | undefined, tid: number | undefined): number | null {
  try {
    const waitedNs = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e6 : null;
  } catch {
    return null;
  }
}
/** The kernel's clock tick (USER_HZ), 100 per second on Linux. */
const CLOCK_TICK_MS = 10;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the server, opens the generated file, edits its last line `edits` times and hovers
 *  `hovers` names, and stops the server. */
export async function measureEditorLatency(o: EditorBenchOptions): Promise<EditorLatency> {
  const statements = o.statements ?? 1000;
  const edits = o.edits ?? 100;
  const hovers = o.hovers ?? 1000;
  const text = generatedModelFile(statements);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-editor-bench-'));
  const file = path.join(dir, 'model.tgraph');
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;

  const session = await startServer(o.server, dir);
  const { connection } = session;
  const diagnosticsOf = (version: number) => session.diagnosticsOf(uri, version);

  try {
    const opened = diagnosticsOf(1);
    const openStart = performance.now();
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
    await opened;
    const openMs = performance.now() - openStart;
    await pause(o.pauseMs ?? 1000);
    const rssMbAfterOpen = rssMb(session.pid); // (after the pause: the analysis is complete)

    const lastLine = statements - 1;
    const valueAt = text.split('\n')[lastLine].indexOf('1.5');
    const editTimes: number[] = [];
    for (let i = 0; i < edits; i++) {
      const version = i + 2;
      const arrived = diagnosticsOf(version);
      const start = performance.now();
      await connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [
          {
            range: { start: { line: lastLine, character: valueAt }, end: { line: lastLine, character: valueAt + 3 } },
            text: `${(i % 9) + 1}.${i % 10}`,
          },
        ],
      });
      await arrived;
      editTimes.push(performance.now() - start);
    }

    await pause(Math.min(o.pauseMs ?? 1000, 200));
    const hoverTimes: number[] = [];
    const hoverClientTimes: number[] = [];
    const hoverLines: number[] = [];
    for (let i = 0; i < hovers; i++) {
      // Lines across the whole file, at the start of the name each statement binds.
      const line = 3 + ((i * 37) % (statements - 4));
      const timed = await session.timedRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } });
      hoverTimes.push(timed.arrivalMs);
      hoverClientTimes.push(timed.clientMs);
      hoverLines.push(line);
    }
    const rssMbAfterEdits = rssMb(session.pid);

    const editToDiagnostics = { p50: percentile(editTimes, 50), p95: percentile(editTimes, 95), max: Math.max(...editTimes) };
    const hover = { p50: percentile(hoverTimes, 50), p99: percentile(hoverTimes, 99), max: Math.max(...hoverTimes) };
    const hoverClient = {
      p50: percentile(hoverClientTimes, 50),
      p99: percentile(hoverClientTimes, 99),
      max: Math.max(...hoverClientTimes),
    };
    const slowestFirst = (times: number[]) =>
      times
        .map((ms, i) => ({ i, ms }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5);
    const slowest = {
      edits: slowestFirst(editTimes).map(({ i, ms }) => ({ edit: i + 1, ms })),
      hovers: slowestFirst(hoverTimes).map(({ i, ms }) => ({ line: hoverLines[i] + 1, ms })),
    };
    return {
      statements,
      edits,
      hovers,
      openMs,
      editToDiagnostics,
      hover,
      hoverClient,
      rssMbAfterOpen,
      rssMbAfterEdits,
      slowest,
      samples: o.keepSamples
        ? { edits: editTimes, hovers: hoverTimes.map((ms, i) => ({ line: hoverLines[i] + 1, ms, clientMs: hoverClientTimes[i] })) }
        : undefined,
      goals: EDITOR_GOALS,
      met: {
        editToDiagnosticsP95: editToDiagnostics.p95 <= EDITOR_GOALS.editToDiagnosticsP95Ms,
        hoverP99: hover.p99 <= EDITOR_GOALS.hoverP99Ms,
        rss: rssMbAfterOpen === null || Math.max(rssMbAfterOpen, rssMbAfterEdits ?? 0) <= EDITOR_GOALS.rssMb,
      },
    };
  } finally {
    await session.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
