// tf.image.resize (TensorFlow 2): bilinear and nearest-neighbour resizing with half-pixel
// centres, written as gathers of the input's rows and columns, so the gradient is gathers'
// (each output's weight added back to the pixels it read) and the explanation is an index map.
// The kernel methods (bicubic, area, lanczos, gaussian, mitchellcubic, and antialiased
// bilinear) are a weight matrix per axis (resizeKernels.ts), applied as a matmul.

import { type BoundArgs, type Builder, BuildError } from '../../builder';
import type { Node } from '../../graph';
import { allocData, isFloat, makeTensor } from '../../tensor';
import { showShape } from '../../types';
import { composite } from '../compose';
import { defineOps } from '../registry';
import { checkedSize } from '../sources';
import { type KernelMethod, areaWeights, bicubicWeights, kernelWeights } from './resizeKernels';

/** Where output position `i` of `outSize` reads along an axis of `inSize` (the half-pixel
 *  rule of TensorFlow 2): bilinear's two neighbours and the weight of the second; nearest's
 *  one index. */
function sampling(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  const nearest = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const at = (i + 0.5) * scale - 0.5;
    const below = Math.floor(at);
    lower[i] = Math.max(below, 0);
    upper[i] = Math.min(Math.ceil(at), inSize - 1);
    weight[i] = at - below;
    nearest[i] = Math.max(0, Math.min(Math.floor((i + 0.5) * scale), inSize - 1));
  }
  return { lower, upper, weight, nearest };
}

function indices(b: Builder, data: Int32Array): Node {
  return b.constant(makeTensor('int32', [data.length], data));
}

/** `x` resized along `axis` (1: rows, 2: columns of NHWC) to `outSize`. */
function resizeAxis(b: Builder, x: Node, axis: number, inSize: number, outSize: number, method: 'bilinear' | 'nearest'): Node {
  const at = sampling(inSize, outSize);
  const gather = (ix: Int32Array) => b.op('gather', [x, indices(b, ix)], { axis, batch_dims: 0 });
  if (method === 'nearest') return gather(at.nearest);
  const dtype = x.type.dtype;
  const weight = allocData(dtype, outSize);
  at.weight.forEach((w, i) => (weight[i] = w));
  const shape = [1, 1, 1, 1].map((d, k) => (k === axis ? outSize : d));
  const lerp = b.constant(makeTensor(dtype, shape, weight));
  // TensorFlow's order of operations: a + (b - a) · lerp.
  const a = gather(at.lower);
  return b.add(a, b.mul(b.sub(gather(at.upper), a), lerp));
}

const KERNEL_METHODS = new Set(['lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic']);
const METHODS = ['bilinear', 'nearest', 'bicubic', 'area', ...KERNEL_METHODS];

/** The weight matrix [outSize, inSize] of a method that is not a gather (resizeKernels.ts),
 *  chosen as tf.image.resize chooses TensorFlow's kernel. */
function weightsFor(method: string, antialias: boolean, inSize: number, outSize: number): Float64Array {
  if (method === 'area') return areaWeights(inSize, outSize);
  if (method === 'bicubic') return antialias ? kernelWeights('keyscubic', inSize, outSize, true) : bicubicWeights(inSize, outSize);
  if (method === 'bilinear') return kernelWeights('triangle', inSize, outSize, true);
  return kernelWeights(method as KernelMethod, inSize, outSize, antialias);
}

/** `x` (NHWC, float32) resized along `axis` (1: rows, 2: columns) by a weight matrix: a
 *  matmul with the axis moved next to the batch, so the gradient is the matrix's transpose. */
function weightedAxis(b: Builder, x: Node, axis: number, weights: Float64Array, outSize: number): Node {
  const moved = axis === 1 ? x : b.op('transpose', [x], { perm: [0, 2, 1, 3] });
  const [inSize, other, channels] = (moved.type.shape as number[]).slice(1);
  const flat = b.op('reshape', [moved], { shape: [-1, inSize, other * channels] });
  const matrix = b.constant(makeTensor('float32', [1, outSize, inSize], Float32Array.from(weights)));
  const resized = b.op('reshape', [b.op('matmul', [matrix, flat])], { shape: [-1, outSize, other, channels] });
  return axis === 1 ? resized : b.op('transpose', [resized], { perm: [0, 2, 1, 3] });
}

function resize(b: Builder, args: BoundArgs): Node {
  const images = args.tensor('images');
  const shape = images.type.shape;
  if (shape === null || (shape.length !== 3 && shape.length !== 4) || shape[shape.length - 3] === null || shape[shape.length - 2] === null)
    throw new BuildError(
      `resize(): images must be [batch, height, width, channels] or [height, width, channels] with known height and width, got ${showShape(shape)}`,
      args.span('images'),
      'shape-mismatch',
    );
  const size = args.ints('size');
  if (size.length !== 2 || size.some((d) => d < 1))
    throw new BuildError(
      `resize(): size must be [new_height, new_width], both positive, got ${JSON.stringify(size)}`,
      args.span('size'),
      'bad-argument',
    );
  // The sampling tables are as long as the output's sides: a size past the element budget is
  // refused before any is made (batch and channels counted where known).
  const channels = shape[shape.length - 1] ?? 1;
  const batch = shape.length === 4 ? (shape[0] ?? 1) : 1;
  checkedSize(b, [batch, size[0], size[1], channels], args.span('size'), 'resize(): the output');
  // An image of no channels (or no batch) has an empty output at any size, but its tables are
  // still as long as the output's sides.
  checkedSize(b, [Math.max(size[0], size[1])], args.span('size'), 'resize(): a sampling table');
  const method = args.string('method').toLowerCase();
  if (!METHODS.includes(method))
    throw new BuildError(
      `resize(): method '${method}' is not one of TensorFlow's: ${METHODS.join(', ')}`,
      args.span('method'),
      'bad-argument',
    );
  if (args.bool('preserve_aspect_ratio'))
    throw new BuildError(
      'resize(): preserve_aspect_ratio=True is not modelled by tgraph',
      args.span('preserve_aspect_ratio'),
      'unsupported',
    );
  // Antialiasing changes only what downscales (and area ignores it, as TensorFlow does).
  const antialias = args.bool('antialias') && method !== 'nearest' && method !== 'area';
  const batched = shape.length === 4;
  let x = batched ? images : b.op('expand_dims', [images], { axis: 0 });
  const [h, w] = shape.slice(-3, -1) as number[];
  if (method === 'nearest' || (method === 'bilinear' && !antialias)) {
    // Bilinear resizing gives floats whatever the input; nearest keeps the dtype (TensorFlow).
    if (method === 'bilinear' && !isFloat(x.type.dtype)) x = b.cast(x, 'float32');
    const rows = resizeAxis(b, x, 2, w, size[1], method);
    const out = resizeAxis(b, rows, 1, h, size[0], method);
    return batched ? out : b.op('squeeze', [out], { axis: [0] });
  }
  if (shape[shape.length - 1] === null)
    throw new BuildError(
      `resize(): method '${method}' needs images of known channels, got ${showShape(shape)}`,
      args.span('images'),
      'shape-mismatch',
    );
  // The weight matrices are [new, old] per axis: counted against the element budget.
  checkedSize(b, [size[0], h], args.span('size'), 'resize(): a weight matrix');
  checkedSize(b, [size[1], w], args.span('size'), 'resize(): a weight matrix');
  // TensorFlow computes these in float32 (the result is float32 whatever the input).
  if (x.type.dtype !== 'float32') x = b.cast(x, 'float32');
  const rows = weightedAxis(b, x, 2, weightsFor(method, antialias, w, size[1]), size[1]);
  const out = weightedAxis(b, rows, 1, weightsFor(method, antialias, h, size[0]), size[0]);
  return batched ? out : b.op('squeeze', [out], { axis: [0] });
}

defineOps([
  composite({
    name: 'resize',
    doc: "Resizes NHWC (or HWC) images to `size` [height, width] as tf.image.resize (TensorFlow 2's half-pixel centres): 'bilinear', 'nearest' (keeps the dtype), 'bicubic', 'area', 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic' (float32), with `antialias` widening the kernel when downscaling.",
    params: [
      { name: 'images', kind: 'tensor', dtypes: 'numeric' },
      { name: 'size', kind: 'ints' },
      { name: 'method', kind: 'string', default: 'bilinear' },
      { name: 'preserve_aspect_ratio', kind: 'bool', default: false },
      { name: 'antialias', kind: 'bool', default: false },
    ],
    compose: resize,
  }),
]);
