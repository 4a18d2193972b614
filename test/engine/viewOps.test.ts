// An op's record may say from the types alone that its value is an input's data (`viewOf`): a
// prepared evaluation (engine/plan.ts) then makes the value without the kernel. The record
// must agree with its kernel: whenever it names an input, the kernel hands back that input's
// data, and whenever it does not, the kernel makes data of its own.
import { describe, expect, it } from 'vitest';
import '../../engine/ops';
import { type ConcreteType, type KernelContext, allOps, lookupOp } from '../../engine/ops/registry';
import { type Tensor, allocData, sizeOf } from '../../engine/tensor';

const ctx: KernelContext = {
  precision: 'float32',
  alloc: (dtype, size) => allocData(dtype, size),
  evaluateWith: () => undefined,
  deadline: Infinity,
};

function tensor(shape: number[]): Tensor {
  return { dtype: 'float32', shape, data: Float32Array.from({ length: sizeOf(shape) }, (_, i) => i + 0.5) };
}

/** Calls of every op that declares views: inputs, attributes, and whether the value is a view. */
const cases: [string, number[][], Record<string, unknown>, boolean][] = [
  [
    'sum_to_like',
    [
      [4, 3],
      [4, 3],
    ],
    {},
    true,
  ],
  [
    'sum_to_like',
    [
      [4, 3],
      [1, 3],
    ],
    {},
    false,
  ],
  ['sum_to_like', [[4, 3], [3]], {}, false],
  [
    'broadcast_like',
    [
      [4, 3],
      [4, 3],
    ],
    {},
    true,
  ],
  [
    'broadcast_like',
    [
      [1, 3],
      [4, 3],
    ],
    {},
    false,
  ],
  [
    'reshape_like',
    [
      [4, 3],
      [2, 6],
    ],
    {},
    true,
  ],
  ['reshape', [[4, 3]], { shape: [3, 4] }, true],
  ['expand_dims', [[4, 3]], { axis: 1 }, true],
  ['squeeze', [[4, 1, 3]], { axis: null }, true],
];

describe('ops whose value is a view of an input', () => {
  it('every op declaring views is covered here', () => {
    const declaring = allOps()
      .filter((op) => op.viewOf !== undefined)
      .map((op) => op.name);
    expect(new Set([...cases.map(([name]) => name), 'reshape_fed'])).toEqual(new Set(declaring));
  });

  it('reshape_fed (its sizes an int32 input, read while evaluating): the record and the kernel agree', () => {
    const op = lookupOp('reshape_fed')!;
    const inputs: Tensor[] = [tensor([4, 3]), { dtype: 'int32', shape: [2], data: Int32Array.from([2, -1]) }];
    const attrs = { known: [null, -1] };
    const out = op.infer!(inputs, attrs) as ConcreteType;
    expect(out.shape).toEqual([2, 6]);
    expect(op.viewOf!(inputs, attrs, out)).toBe(0);
    expect(op.kernel!(inputs, attrs, out, ctx)).toBe(inputs[0].data);
  });

  it.each(cases)('%s %j %j: the record and the kernel agree', (name, shapes, attrs, isView) => {
    const op = lookupOp(name)!;
    const inputs = shapes.map(tensor);
    const out = op.infer!(inputs, attrs) as ConcreteType;
    const of = op.viewOf!(inputs, attrs, out);
    const data = op.kernel!(inputs, attrs, out, ctx);
    expect(of >= 0).toBe(isView);
    if (of >= 0) expect(data).toBe(inputs[of].data);
    else for (const t of inputs) expect(data.buffer).not.toBe(t.data.buffer);
  });
});
