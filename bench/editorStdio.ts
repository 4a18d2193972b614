// The server's stdio, owned by a worker thread of the bench client. The client's own thread
// parses every message the server sends (megabytes of diagnostics, tokens and hints after an
// edit); a hover answered while it is busy with one reached the client long before the
// client's loop gets to it. This thread does nothing but move bytes, so it sees each response
// arrive when it does: a timed request (`timedRequest`) is timed here, from the write of its
// bytes to the arrival of its response's last byte, and the client's own delay is measured
// apart (old and new measurement side by side).
//
// The thread's code is `stdioThread` below, run from its source text (`eval`): it needs only
// Node's built-ins, and works the same from the bundled bench and from the TypeScript the
// tests load.

import { PassThrough, Writable } from 'stream';
import { Worker } from 'worker_threads';

/** What the stdio thread posts to the client. */
type FromStdio =
  | { type: 'spawned'; pid: number | undefined }
  | { type: 'frame'; body: string }
  | { type: 'timed'; body: string; ms: number }
  | { type: 'stderr'; text: string }
  | { type: 'exit'; code: number | null };

/** What the client posts to the stdio thread. */
type ToStdio = { type: 'raw'; chunk: Uint8Array } | { type: 'timed'; id: string; body: string } | { type: 'kill' };

interface StdioData {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Runs in the stdio thread. Self-contained: it is started from its source text. */
function stdioThread(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { spawn } = require('child_process') as typeof import('child_process');
  const { parentPort, workerData } = require('worker_threads') as typeof import('worker_threads');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const port = parentPort!;
  const data = workerData as StdioData;
  const child = spawn(data.command, data.args, { stdio: 'pipe', env: data.env });
  port.postMessage({ type: 'spawned', pid: child.pid });

  /** Splits a byte stream into LSP messages' bodies (`Content-Length` framing). */
  const framer = (onBody: (body: Buffer) => void) => {
    let pending: Buffer = Buffer.alloc(0);
    return (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const headerEnd = pending.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/Content-Length:\s*(\d+)/i.exec(pending.subarray(0, headerEnd).toString('ascii'))?.[1]);
        const start = headerEnd + 4;
        if (pending.length < start + length) return;
        onBody(pending.subarray(start, start + length));
        pending = pending.subarray(start + length);
      }
    };
  };
  const frame = (body: string) => {
    const bytes = Buffer.from(body, 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
  };

  const sentAt = new Map<string, number>();
  child.stdout.on(
    'data',
    framer((bytes) => {
      const arrived = performance.now();
      const body = bytes.toString('utf8');
      // Timed requests' ids are strings the client made: `"id":"timed-…"` leads the response.
      const id = /^\{"jsonrpc":"2\.0","id":"(timed-\d+)"/.exec(body.slice(0, 64))?.[1];
      const sent = id === undefined ? undefined : sentAt.get(id);
      if (id !== undefined && sent !== undefined) {
        sentAt.delete(id);
        port.postMessage({ type: 'timed', body, ms: arrived - sent });
      } else port.postMessage({ type: 'frame', body });
    }),
  );
  child.stderr.on('data', (d: Buffer) => port.postMessage({ type: 'stderr', text: d.toString() }));
  child.on('exit', (code) => {
    port.postMessage({ type: 'exit', code });
    port.close();
  });
  // The client's connection writes a message's header and body apart: whole messages are
  // written, so that a timed request never lands inside another.
  const fromClient = framer((body) => child.stdin.write(frame(body.toString('utf8'))));
  port.on('message', (m: ToStdio) => {
    if (m.type === 'raw') fromClient(Buffer.from(m.chunk));
    else if (m.type === 'timed') {
      child.stdin.write(frame(m.body));
      sentAt.set(m.id, performance.now());
    } else child.kill();
  });
}

/** A request timed two ways: by the stdio thread (write to response bytes) and by the
 *  client's thread (call to the promise's resolution, which waits for its busy loop). */
export interface TimedResponse<T> {
  result: T | null;
  /** Bytes written → response's bytes arrived, ms. */
  arrivalMs: number;
  /** sendRequest → the client's loop handled the response, ms (the old measurement). */
  clientMs: number;
}

export interface ServerStdio {
  /** The server's stdout, re-framed, for the client's connection. */
  readable: PassThrough;
  /** For the client's connection to write to the server's stdin. */
  writable: Writable;
  pid: Promise<number | undefined>;
  stderr(): string;
  timedRequest<T>(method: string, params: unknown): Promise<TimedResponse<T>>;
  exited(): boolean;
  kill(): void;
}

/** Starts `command args` with its stdio owned by a worker thread. */
export function spawnWithStdioThread(command: string, args: string[], env: NodeJS.ProcessEnv): ServerStdio {
  const worker = new Worker(`(${stdioThread.toString()})()`, { eval: true, workerData: { command, args, env } satisfies StdioData });
  worker.unref();
  const readable = new PassThrough();
  let stderr = '';
  let exited = false;
  let timedCount = 0;
  const timed = new Map<string, { start: number; resolve: (r: TimedResponse<unknown>) => void }>();
  let spawned: (pid: number | undefined) => void = () => undefined;
  const pid = new Promise<number | undefined>((resolve) => (spawned = resolve));
  worker.on('message', (m: FromStdio) => {
    if (m.type === 'spawned') spawned(m.pid);
    else if (m.type === 'frame') readable.write(`Content-Length: ${Buffer.byteLength(m.body, 'utf8')}\r\n\r\n${m.body}`);
    else if (m.type === 'timed') {
      const response = JSON.parse(m.body) as { id: string; result?: unknown; error?: { message: string } };
      const waiting = timed.get(response.id);
      timed.delete(response.id);
      waiting?.resolve({ result: response.result ?? null, arrivalMs: m.ms, clientMs: performance.now() - waiting.start });
    } else if (m.type === 'stderr') stderr += m.text;
    else {
      exited = true;
      readable.end();
    }
  });
  const post = (m: ToStdio) => worker.postMessage(m);
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      post({ type: 'raw', chunk: new Uint8Array(chunk) });
      done();
    },
  });
  return {
    readable,
    writable,
    pid,
    stderr: () => stderr,
    exited: () => exited,
    kill: () => post({ type: 'kill' }),
    timedRequest<T>(method: string, params: unknown) {
      const id = `timed-${timedCount++}`;
      const start = performance.now();
      return new Promise<TimedResponse<T>>((resolve) => {
        timed.set(id, { start, resolve: resolve as (r: TimedResponse<unknown>) => void });
        post({ type: 'timed', id, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
      });
    },
  };
}
