// TF.js's WebAssembly backend (@tensorflow/tfjs-backend-wasm: XNNPACK, SIMD, one thread in
// Node) as a peer: each workload is prepared a second time while that backend is active, so
// its tensors live there, and the backend is switched for each of its repetitions (outside
// the timed part).

import * as tf from '@tensorflow/tfjs';
import { type Peer, type PeerRun, timeSync } from './index';
import type { Workload } from '../workloads';

export async function tfjsWasmPeer(): Promise<Peer> {
  await import('@tensorflow/tfjs-backend-wasm');
  const silenced = [console.warn, console.log] as const;
  console.warn = () => {};
  console.log = () => {};
  try {
    await tf.setBackend('wasm');
    await tf.ready();
  } finally {
    [console.warn, console.log] = silenced;
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  await tf.setBackend('cpu');
  const on = async <T>(fn: () => T): Promise<T> => {
    await tf.setBackend('wasm');
    try {
      return fn();
    } finally {
      await tf.setBackend('cpu');
    }
  };
  const notes: string[] = [];
  return {
    name: 'tfjs-wasm',
    label: 'TF.js-WASM',
    describe: () => `TF.js ${tf.version.tfjs} WASM backend (XNNPACK${simd ? ', SIMD' : ''}${threads ? ', threads' : ', one thread'})`,
    notes,
    async prepare(workload: Workload, _prepared, scale, quick): Promise<PeerRun | null> {
      const own = await on(() => workload.prepare(scale, quick));
      try {
        await on(() => own.tfjs());
      } catch (e) {
        // The backend lacks a kernel the workload needs (Conv2DBackpropFilter, in 4.22).
        await on(() => own.dispose());
        notes.push(`${workload.name}: ${(e as Error).message}`);
        return null;
      }
      return {
        verify: () => on(() => own.verify()),
        time: () => on(() => timeSync(own.tfjs)),
        dispose: () => on(() => own.dispose()),
      };
    },
    close: async () => {},
  };
}
