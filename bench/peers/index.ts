// Peers beside TF.js's CPU backend (`npm run bench -- --peers=torch,tfjs-wasm`): each runs a
// workload's computation on its own engine, is verified against tgraph's outputs before any
// of its timings count, and is timed in the same alternation as the others.

import type { OutputComparison, Prepared, Workload } from '../workloads';

export interface Sample {
  wall: number;
  cpu: number;
}

/** One workload prepared on a peer. */
export interface PeerRun {
  /** Runs it once and compares every output with tgraph's. */
  verify(): Promise<OutputComparison[]>;
  /** One timed repetition (CPU time of the peer's own process). */
  time(): Promise<Sample>;
  dispose(): Promise<void>;
}

export interface Peer {
  /** The option's name (`--peers=torch`). */
  name: string;
  /** The column's name. */
  label: string;
  /** What it is, for the report's header (version, backend, threads). */
  describe(): string;
  /** Why workloads were left out (printed under the tables). */
  readonly notes: string[];
  /** The workload on this peer; null when it has none (the table shows a dash). */
  prepare(workload: Workload, prepared: Prepared, scale: number, quick: boolean): Promise<PeerRun | null>;
  close(): Promise<void>;
}

/** Times a synchronous function's CPU (user + system, this process) and wall clock. */
export function timeSync(fn: () => void): Sample {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}
