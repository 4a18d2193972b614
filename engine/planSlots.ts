// Where each step of a feed plan (engine/plan.ts) keeps its value, decided once per plan.
//
// A feed edit computes the same steps in the same order every time, and the values nobody
// reads after the evaluation (the intermediate values of a deep model and of its gradients,
// most of the steps) die at the same step every time. So each of them is given a buffer slot
// when the plan is laid out, shared by liveness with values whose lives do not overlap, and
// the slots are kept with the plan: running it again for a new feed allocates nothing for
// them, makes no value object for them (each step's is made once, over its slot) and keeps no
// record of who holds which buffer. Only the values that outlive the evaluation (the
// bindings', and those read by nodes outside the plan) are made fresh, as the evaluator makes
// any value.

import type { EvaluationPlan } from './plan';
import type { Node } from './graph';
import { type DType, type Precision, type Tensor, type TypedData, allocData, sizeOf } from './tensor';

/** A step whose value outlives the evaluation: computed as any node is, and kept. */
export const KEPT = 0;
/** A step whose value lives in a slot until its last reader in the plan has run. */
export const SLOT = 1;
/** A view (a reshape, an unbroadcast that sums nothing) of a kept value or of a value held
 *  outside the plan, that no one reads after its readers in the plan: a value object per run
 *  over that data, and nothing else. */
export const TRANSIENT = 2;

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

export interface SlotLayout {
  readonly precision: Precision;
  /** Each step's KEPT, SLOT or TRANSIENT. */
  readonly kinds: Uint8Array;
  /** Each SLOT step's value, made once over its slot (a view's is its input's slot). */
  readonly tensors: readonly (Tensor | undefined)[];
  /** Each step's arguments, one array per step filled again every run. */
  readonly args: readonly Tensor[][];
  /** Whether a KEPT step reads a SLOT value (a kernel that returned its input's data would
   *  otherwise keep a slot that later steps overwrite). */
  readonly readsSlot: Uint8Array;
  /** Bytes of the slots, for tests. */
  readonly slotBytes: number;
}

/**
 * The slots of `plan`'s steps. `releasable(node, reads)` says whether a step's value may die
 * once its `reads` readers in the plan have run (nothing after the evaluation keeps it and no
 * node outside the plan reads it). Null when a step cannot be run from the layout (a step
 * without its value type or without a kernel): the plan then runs node by node.
 */
export function layoutSlots(
  plan: EvaluationPlan,
  releasable: (node: Node, reads: number) => boolean,
  precision: Precision,
): SlotLayout | null {
  const { steps, inputs, inputsAt, views, types } = plan;
  const n = steps.length;
  if (!plan.runnable) return null;
  // Readers in the plan, and the last one.
  const reads = new Int32Array(n);
  const lastRead = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++)
    for (let i = inputsAt[k]; i < inputsAt[k + 1]; i++) {
      const at = inputs[i];
      if (at >= 0) {
        reads[at]++;
        lastRead[at] = k;
      }
    }
  // A view shares its input's data: a computed step and its views make one group, which lives
  // until the last read of any of them, and has a slot only when each of them may die.
  const root = new Int32Array(n);
  const mayDie = new Uint8Array(n);
  const groupMayDie = new Uint8Array(n);
  const groupEnd = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    mayDie[k] = releasable(steps[k], reads[k]) ? 1 : 0;
    const of = views[k];
    if (of < 0) {
      root[k] = k;
      groupMayDie[k] = mayDie[k];
    } else {
      const at = inputs[inputsAt[k] + of];
      root[k] = at >= 0 ? root[at] : -1;
      if (root[k] >= 0 && mayDie[k] === 0) groupMayDie[root[k]] = 0;
    }
    if (root[k] >= 0 && lastRead[k] > groupEnd[root[k]]) groupEnd[root[k]] = lastRead[k];
  }
  const kinds = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const r = root[k];
    if (r >= 0 && groupMayDie[r] === 1) kinds[k] = SLOT;
    else kinds[k] = views[k] >= 0 && mayDie[k] === 1 ? TRANSIENT : KEPT;
  }
  // Slots by liveness: a group's slot is free again after its last read, for the steps after
  // it (never for the step that reads it last: its result must not overwrite its input).
  // (the groups ending at step k: endingFirst[k], then endingNext[r] from each)
  const endingFirst = new Int32Array(n).fill(-1);
  const endingNext = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++)
    if (kinds[k] === SLOT && root[k] === k) {
      endingNext[k] = endingFirst[groupEnd[k]];
      endingFirst[groupEnd[k]] = k;
    }
  const slotOf = new Int32Array(n).fill(-1);
  const slots: TypedData[] = [];
  const slotKeys: number[] = [];
  const free = new Map<number, number[]>();
  let slotBytes = 0;
  for (let k = 0; k < n; k++) {
    if (kinds[k] === SLOT) {
      if (root[k] === k) {
        const type = types[k]!;
        const size = sizeOf(type.shape);
        const key = size * DTYPES.length + DTYPES.indexOf(type.dtype);
        let s = free.get(key)?.pop();
        if (s === undefined) {
          s = slots.length;
          const data = allocData(type.dtype, size, precision);
          slots.push(data);
          slotKeys.push(key);
          slotBytes += data.byteLength;
        }
        slotOf[k] = s;
      } else slotOf[k] = slotOf[root[k]];
    }
    for (let r = endingFirst[k]; r >= 0; r = endingNext[r]) {
      const s = slotOf[r];
      const list = free.get(slotKeys[s]);
      if (list) list.push(s);
      else free.set(slotKeys[s], [s]);
    }
  }
  const tensors = new Array<Tensor | undefined>(n);
  const args = new Array<Tensor[]>(n);
  const readsSlot = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const type = types[k]!;
    if (kinds[k] === SLOT) tensors[k] = { dtype: type.dtype, shape: type.shape, data: slots[slotOf[k]] };
    args[k] = new Array<Tensor>(inputsAt[k + 1] - inputsAt[k]);
    if (kinds[k] === KEPT)
      for (let i = inputsAt[k]; i < inputsAt[k + 1]; i++) if (inputs[i] >= 0 && kinds[inputs[i]] === SLOT) readsSlot[k] = 1;
  }
  return { precision, kinds, tensors, args, readsSlot, slotBytes };
}
