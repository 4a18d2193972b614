// Keras' layers that change a sequence's, an image's or a volume's size without weights:
// UpSampling1D/2D/3D (each step, pixel or voxel repeated; UpSampling2D's bilinear interpolation
// as TensorFlow 2's tf.image.resize, half-pixel centers) and Cropping1D/2D/3D (entries cut off
// each side).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { makeTensor } from '../../tensor';
import { checkedSize } from '../../ops/sources';
import { PyBuiltin, PyList, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, callOp, toGraphValue } from './tensor';
import { channelsLastOnly, expectRank, intTuple, keyword, nodeArg, positional } from './layerArgs';
import { layerClass } from './statelessLayers';

function inputOf(rt: Interpreter, x: PyValue, span: Span, rank: number, layer: string): Node {
  const node = rt.rt.b.toTensor(toGraphValue(rt, x, span), span);
  expectRank(node, rank, layer, span);
  return node;
}

/** The [out, in] matrix of bilinear weights along one axis scaled by an integer `factor`:
 *  output i samples the input at (i + ½)/factor − ½, clamped to the first and last rows. */
function bilinearWeights(size: number, factor: number, dtype: Node['type']['dtype']): ReturnType<typeof makeTensor> {
  const out = size * factor;
  const data = new (dtype === 'float64' ? Float64Array : Float32Array)(out * size);
  for (let i = 0; i < out; i++) {
    const at = (i + 0.5) / factor - 0.5;
    const below = Math.floor(at);
    const fraction = at - below;
    data[i * size + Math.min(Math.max(below, 0), size - 1)] += 1 - fraction;
    data[i * size + Math.min(Math.max(below + 1, 0), size - 1)] += fraction;
  }
  return makeTensor(dtype, [out, size], data);
}

type Spatial = 1 | 2 | 3;

function upSampling(spatial: Spatial): PyBuiltin {
  const layer = `UpSampling${spatial}D`;
  return layerClass(
    layer,
    spatial === 1 ? ['size'] : spatial === 2 ? ['size', 'data_format', 'interpolation'] : ['size', 'data_format'],
    (p: BoundPyArgs) => (rt, x, xSpan, site) => {
      const input = inputOf(rt, x, xSpan, spatial + 2, `up_sampling${spatial}d`);
      const factors = intTuple(rt, p.get('size', 2n), spatial, p.span('size'));
      const interpolation = p.get('interpolation', 'nearest');
      if (interpolation === 'nearest')
        return factors.reduce<PyValue>(
          (y, factor, k) =>
            callOp(
              rt,
              'repeat',
              [
                positional(rt, y, xSpan),
                keyword(rt, 'repeats', BigInt(factor), p.span('size')),
                keyword(rt, 'axis', BigInt(k + 1), site.span),
              ],
              site.span,
            ),
          new GraphTensor(input, rt.rt),
        );
      if (interpolation !== 'bilinear')
        throw new OutsideSubset(
          `UpSampling2D(interpolation=${JSON.stringify(interpolation)}) is not modelled by tgraph (nearest and bilinear)`,
          p.span('interpolation'),
        );
      const shape = input.type.shape;
      if (shape === null || shape[1] === null || shape[2] === null)
        throw new OutsideSubset('bilinear UpSampling2D of an image whose size is known only at run time is not modelled by tgraph', xSpan);
      // Each axis is a fixed linear map of its rows: a product with the weights' matrix, made
      // here as a constant, so its size is checked before it is (a factor of 2**32).
      for (const [axis, factor] of factors.entries())
        checkedSize(rt.rt.b, [shape[axis + 1]! * factor, shape[axis + 1]!], p.span('size'), `${layer}: the bilinear weights`);
      const rows = rt.rt.b.constant(bilinearWeights(shape[1], factors[0], input.type.dtype));
      const columns = rt.rt.b.constant(bilinearWeights(shape[2], factors[1], input.type.dtype));
      const tall = callOp(
        rt,
        'einsum',
        [positional(rt, 'oh,bhwc->bowc', site.span), nodeArg(rows, site.span), nodeArg(input, xSpan)],
        site.span,
      );
      return callOp(
        rt,
        'einsum',
        [positional(rt, 'pw,bowc->bopc', site.span), nodeArg(columns, site.span), positional(rt, tall, site.span)],
        site.span,
      );
    },
    (p) => channelsLastOnly(p, layer),
  );
}

/** Cropping's (before, after) per spatial axis: an int (every side), one int per axis (both
 *  sides), or per axis a pair. */
function croppedSides(rt: Interpreter, p: BoundPyArgs, spatial: Spatial): number[][] {
  // Keras' defaults: one entry off each end of a sequence or volume, nothing off an image.
  const given = p.get('cropping', spatial === 1 ? new PyList([1n, 1n]) : spatial === 2 ? 0n : 1n);
  const span = p.span('cropping');
  const pair = (v: PyValue) => (typeof v === 'bigint' ? [v, v] : rt.iterate(v, span)).map((d) => rt.rt.indexValue(d, span));
  const sides =
    typeof given === 'bigint'
      ? Array.from({ length: spatial }, () => pair(given))
      : spatial === 1
        ? [pair(given)]
        : rt.iterate(given, span).map(pair);
  if (sides.length !== spatial || sides.some((s) => s.length !== 2))
    throw pyError('ValueError', `\`cropping\` should have ${spatial} elements of 1 or 2 ints`, span);
  return sides;
}

function cropping(spatial: Spatial): PyBuiltin {
  const layer = `Cropping${spatial}D`;
  return layerClass(
    layer,
    spatial === 1 ? ['cropping'] : ['cropping', 'data_format'],
    (p: BoundPyArgs) => (rt, x, xSpan, site) => {
      const input = inputOf(rt, x, xSpan, spatial + 2, `cropping${spatial}d`);
      const sides = croppedSides(rt, p, spatial);
      const shape = input.type.shape;
      const sizes = sides.map(([before, after], k) => {
        const n = shape?.[k + 1];
        if (n === null || n === undefined)
          throw new OutsideSubset(`${layer} of an input whose size is known only at run time is not modelled by tgraph`, xSpan);
        if (before + after >= n)
          throw pyError(
            'ValueError',
            `${layer}: cropping ${before + after} of axis ${k + 1} leaves nothing of its ${n} entries`,
            p.span('cropping'),
          );
        return n - before - after;
      });
      const begin = [0, ...sides.map(([before]) => before), 0];
      const size = [-1, ...sizes, -1];
      return callOp(
        rt,
        'slice',
        [
          nodeArg(input, xSpan),
          positional(rt, new PyList(begin.map(BigInt)), p.span('cropping')),
          positional(rt, new PyList(size.map(BigInt)), p.span('cropping')),
        ],
        site.span,
      );
    },
    (p) => channelsLastOnly(p, layer),
  );
}

export function resizingLayers(): Record<string, () => PyBuiltin> {
  return {
    UpSampling1D: () => upSampling(1),
    UpSampling2D: () => upSampling(2),
    Cropping1D: () => cropping(1),
    Cropping2D: () => cropping(2),
    UpSampling3D: () => upSampling(3),
    Cropping3D: () => cropping(3),
  };
}
