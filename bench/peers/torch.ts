// PyTorch as a peer: bench/peers/torch_peer.py in one Python process for the whole run, one
// thread, driven by one JSON line per command. Inputs are tgraph's feeds, written as raw
// little-endian files; outputs come back the same way and are compared with tgraph's.
//
// BLAS: Debian's python3-torch calls the system's libblas.so.3, the reference BLAS unless
// the machine switched it. bench/setup-peers.sh unpacks OpenBLAS (OpenMP build) into
// bench/.peers/, and this process alone gets it first on LD_LIBRARY_PATH. OPENBLAS_CORETYPE
// and OPENBLAS_L2_SIZE are removed from its environment so that OpenBLAS picks its kernel for
// this processor (the machine sets them for old builds; the outputs are checked first).

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import type { Tensor } from '../../engine/tensor';
import { type Peer, type PeerRun } from './index';
import { compare, type OutputComparison, type Prepared, type Workload } from '../workloads';

const ROOT = path.join(__dirname, '..');
const SCRIPT = path.join(ROOT, 'bench', 'peers', 'torch_peer.py');
const OPENBLAS = path.join(ROOT, 'bench', '.peers', 'usr', 'lib', 'x86_64-linux-gnu', 'openblas-openmp');

/** The first Python that imports torch: `python3`, else Debian's own (a pyenv python3 may shadow it). */
export function findTorchPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  return null;
}

interface Info {
  torch: string;
  threads: number;
  blas: string;
}

export interface Peak {
  float32: number;
  float64: number;
}

export class TorchPeer implements Peer {
  readonly name = 'torch';
  readonly label = 'PyTorch';
  readonly notes: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: ((line: string) => void)[] = [];
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'tgraph-bench-torch-'));
  private info: Info | null = null;
  private files = 0;
  readonly openblas = existsSync(path.join(OPENBLAS, 'libblas.so.3'));

  constructor(python: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    if (this.openblas) env.LD_LIBRARY_PATH = [OPENBLAS, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    this.child = spawn(python, [SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.replies.shift()?.(line));
    let stderr = '';
    this.child.stderr.on('data', (d) => (stderr += String(d)));
    this.child.on('exit', (code) => {
      for (const reply of this.replies.splice(0))
        reply(JSON.stringify({ error: `the PyTorch process exited (${code}): ${stderr.slice(-2000)}` }));
    });
  }

  private ask<T>(command: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.replies.push((line) => {
        const answer = JSON.parse(line) as T & { error?: string };
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer);
      });
      this.child.stdin.write(JSON.stringify(command) + '\n');
    });
  }

  async start(): Promise<void> {
    this.info = await this.ask<Info>({ cmd: 'info' });
  }

  describe(): string {
    const i = this.info;
    return i
      ? `PyTorch ${i.torch}, ${i.threads} thread, ${i.blas}${this.openblas ? '' : ' (run bench/setup-peers.sh for OpenBLAS)'}`
      : 'PyTorch';
  }

  /** GFLOP/s of a 2048² matmul in float32 and float64: this machine's single-thread peak. */
  peak(): Promise<Peak> {
    return this.ask<Peak>({ cmd: 'peak' });
  }

  private write(t: Tensor): { file: string; dtype: string; shape: readonly number[] } {
    const file = path.join(this.dir, `in_${this.files++}.bin`);
    const data = t.data;
    const dtype = data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : 'float32';
    const typed =
      data instanceof Float64Array || data instanceof Int32Array || data instanceof Float32Array ? data : Float32Array.from(data);
    writeFileSync(file, new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    return { file, dtype, shape: t.shape };
  }

  async prepare(workload: Workload, prepared: Prepared): Promise<PeerRun | null> {
    if (!prepared.torch) return null;
    const inputs: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(prepared.torch.inputs)) inputs[name] = this.write(t);
    await this.ask({ cmd: 'prepare', workload: { name: workload.name, dir: this.dir, inputs, ...prepared.torch.settings } });
    return {
      verify: async (): Promise<OutputComparison[]> => {
        const { files } = await this.ask<{ files: string[] }>({ cmd: 'verify' });
        const ours = prepared.outputs();
        if (files.length !== ours.length)
          return [
            {
              name: `PyTorch gave ${files.length} outputs, tgraph ${ours.length}`,
              elements: 0,
              maxAbsError: NaN,
              maxRelError: NaN,
              ok: false,
            },
          ];
        return ours.map((o, i) => {
          const bytes = readFileSync(files[i]);
          const theirs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
          return compare(o.name, o.data, theirs);
        });
      },
      time: () => this.ask<{ cpu: number; wall: number }>({ cmd: 'time' }),
      dispose: async () => {},
    };
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => (this.child.exitCode !== null ? resolve(null) : this.child.on('exit', resolve)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
