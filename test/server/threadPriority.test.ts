// The server's analysis worker runs below its protocol thread's priority (server/
// threadPriority.ts), so that a hover's thread takes a core from a busy worker; the CLI's
// worker keeps the process's priority. The server's other threads (V8's helpers, which
// collect the worker's heap too) run below the protocol thread and above the worker. Counted from the threads' niceness as Linux reports
// it (/proc/<pid>/task/<tid>/stat), for the real server process and for the channel alone.

import { spawn } from 'child_process';
import * as fs from 'fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeWorkerChannel } from '../../server/workerChannel';
import { HELPER_NICE_INCREMENT, WORKER_NICE_INCREMENT } from '../../server/threadPriority';
import type { Channel, FromWorker } from '../../engine/api/worker/messages';
import { SERVER, ensureServerBuilt } from './helpers';

const linux = process.platform === 'linux';

/** Each thread's niceness by thread id (field 19 of its stat; the command name before it is
 *  in parentheses and may hold spaces). */
function niceByThread(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Threads whose niceness is not the process's main thread's, with the difference. */
function nicerThanMain(pid: number): number[] {
  const nice = niceByThread(pid);
  const main = nice.get(pid)!;
  return [...nice.values()].filter((n) => n !== main).map((n) => n - main);
}

/** Waits (at most 60 s: a worker starts in well under one) for a condition. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let channel: Channel | undefined;
afterEach(() => {
  channel?.terminate();
  channel = undefined;
});

beforeAll(() => ensureServerBuilt(), 120_000);

/** A worker on its own channel, once it has answered its first message. */
async function readyWorker(data?: Parameters<typeof nodeWorkerChannel>[1]): Promise<void> {
  channel = nodeWorkerChannel(256, data);
  let ready = false;
  channel.onMessage((m: FromWorker) => {
    if (m.type === 'ready') ready = true;
  });
  channel.onExit(() => undefined);
  channel.post({ type: 'init', control: null, epoch: Date.now() });
  await until(() => ready);
}

describe.runIf(linux)("the analysis worker's priority", () => {
  it('a worker asked for it runs that many steps of niceness below its host thread, one thread only', async () => {
    await readyWorker({ niceIncrement: 3 });
    expect(nicerThanMain(process.pid)).toEqual([Math.min(3, 19 - niceByThread(process.pid).get(process.pid)!)]);
  }, 120_000);

  it("the CLI's worker (no increment) keeps the process's priority", async () => {
    await readyWorker();
    expect(nicerThanMain(process.pid)).toEqual([]);
  }, 120_000);

  /** The server's threads' niceness below its protocol thread, once its worker has lowered
   *  its own, and the differences a helper and the worker are expected at. */
  async function serverThreads(pid: number) {
    const mainNice = () => niceByThread(pid).get(pid)!;
    const worker = () => Math.min(WORKER_NICE_INCREMENT, 19 - mainNice());
    // The worker is made as the server starts; its first act lowers its own priority.
    await until(() => nicerThanMain(pid).includes(worker()));
    const nice = niceByThread(pid);
    const main = nice.get(pid)!;
    const below = [...nice.entries()].filter(([tid]) => tid !== pid).map(([, n]) => n - main);
    return { below, helper: Math.min(HELPER_NICE_INCREMENT, 19 - main), worker: Math.min(WORKER_NICE_INCREMENT, 19 - main) };
  }

  it("the language server's worker yields to its protocol thread: WORKER_NICE_INCREMENT steps below it", async () => {
    const server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    try {
      const { below, helper, worker } = await serverThreads(server.pid!);
      if (worker !== helper) expect(below.filter((d) => d === worker)).toEqual([worker]);
      expect(WORKER_NICE_INCREMENT).toBeGreaterThan(HELPER_NICE_INCREMENT);
      expect(HELPER_NICE_INCREMENT).toBeGreaterThan(0);
    } finally {
      server.kill();
    }
  }, 120_000);

  it("the language server's other threads (V8's helpers) run HELPER_NICE_INCREMENT steps below its protocol thread, above the worker", async () => {
    const server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    try {
      const { below, helper, worker } = await serverThreads(server.pid!);
      // Every thread but the protocol thread runs below it: V8's pool (4 threads by default)
      // and its task scheduler at the helpers' niceness, the worker at its own.
      expect(below.filter((d) => d === helper).length).toBeGreaterThanOrEqual(4);
      expect(below.filter((d) => d !== helper && d !== worker)).toEqual([]);
    } finally {
      server.kill();
    }
  }, 120_000);
});
