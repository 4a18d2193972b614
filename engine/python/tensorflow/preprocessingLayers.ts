// Keras' preprocessing layers that users put inside models: Resizing (tf.image.resize to a
// size, or Keras' smart_resize with crop_to_aspect_ratio), CenterCrop (the centre cut out, or
// smart_resize when the image is smaller) and CategoryEncoding (ids to one-hot, multi-hot or
// count vectors). Each is composed of registry ops; the image layers give float32, as Keras'
// compute dtype, whatever the input.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { PyBuiltin, PyList, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, callOp, toGraphValue } from './tensor';
import { keyword, nodeArg, positional } from './layerArgs';
import { Ops } from './losses';
import { layerClass } from './statelessLayers';

/** An image [height, width, channels] or a batch of them, cast to float32 (Keras' compute
 *  dtype), with its known height and width. */
function imageOf(rt: Interpreter, x: PyValue, span: Span, layer: string): { image: Node; height: number; width: number } {
  let image = rt.rt.b.toTensor(toGraphValue(rt, x, span), span);
  const shape = image.type.shape;
  if (shape === null || (shape.length !== 3 && shape.length !== 4))
    throw pyError('ValueError', `${layer} expects an image [height, width, channels] or a batch of them, got rank ${shape?.length}`, span);
  const [height, width] = shape.slice(-3, -1);
  if (height === null || width === null)
    throw new OutsideSubset(`${layer} of an image whose height or width is known only at run time is not modelled by tgraph`, span);
  if (image.type.dtype !== 'float32') image = rt.rt.b.cast(image, 'float32');
  return { image, height, width };
}

/** A positive int argument. */
function sizeArg(rt: Interpreter, p: BoundPyArgs, name: string): number {
  const n = rt.rt.indexValue(p.get(name), p.span(name));
  if (n <= 0) throw pyError('ValueError', `\`${name}\` must be a positive int, got ${n}`, p.span(name));
  return n;
}

function resized(rt: Interpreter, image: Node, height: number, width: number, method: PyValue, span: Span): Node {
  const r = callOp(
    rt,
    'resize',
    [nodeArg(image, span), positional(rt, new PyList([BigInt(height), BigInt(width)]), span), keyword(rt, 'method', method, span)],
    span,
  );
  return rt.rt.b.toTensor(toGraphValue(rt, r, span), span);
}

/** Rows [top, top + height) and columns [left, left + width) of the image (or of each image). */
function cropped(rt: Interpreter, image: Node, top: number, left: number, height: number, width: number, span: Span): Node {
  const batched = image.type.shape!.length === 4;
  const begin = [...(batched ? [0] : []), top, left, 0].map(BigInt);
  const size = [...(batched ? [-1] : []), height, width, -1].map(BigInt);
  const r = callOp(
    rt,
    'slice',
    [nodeArg(image, span), positional(rt, new PyList(begin), span), positional(rt, new PyList(size), span)],
    span,
  );
  return rt.rt.b.toTensor(toGraphValue(rt, r, span), span);
}

/** Keras' smart_resize: the largest centred box of the target's aspect ratio (its sides
 *  computed in float32 and truncated, as Keras' graph computes them), resized to the target. */
function smartResize(
  rt: Interpreter,
  x: { image: Node; height: number; width: number },
  height: number,
  width: number,
  method: PyValue,
  span: Span,
): Node {
  const truncated = (v: number) => Math.trunc(Math.fround(v));
  const cropHeight = Math.min(x.height, truncated(Math.fround(x.width * height) / width));
  const cropWidth = Math.min(x.width, truncated(Math.fround(x.height * width) / height));
  const top = truncated((x.height - cropHeight) / 2);
  const left = truncated((x.width - cropWidth) / 2);
  return resized(rt, cropped(rt, x.image, top, left, cropHeight, cropWidth, span), height, width, method, span);
}

const ENCODINGS = ['one_hot', 'multi_hot', 'count'];

/** CategoryEncoding: ids [batch, k] (or [batch] / [batch, 1] one id each, for one_hot) to
 *  [batch, num_tokens] float32 vectors: 1 at each id present (one_hot, multi_hot), or how often
 *  it occurs (count; summing `count_weights` instead when given). Composed as one_hot of the
 *  ids reduced over them, so count_weights' gradient is each token's upstream gradient. */
function categoryEncoding(
  rt: Interpreter,
  p: BoundPyArgs,
  x: PyValue,
  xSpan: Span,
  weights: PyValue,
  weightsSpan: Span,
  site: Span,
): PyValue {
  const mode = p.get('output_mode', 'multi_hot');
  if (mode === 'int') return callOp(rt, 'cast', [positional(rt, x, xSpan), keyword(rt, 'dtype', 'float32', site)], site);
  if (typeof mode !== 'string' || !ENCODINGS.includes(mode))
    throw pyError(
      'ValueError',
      `Unknown arg for output_mode: ${JSON.stringify(mode)}. Allowed values are: ('count', 'one_hot', 'multi_hot', 'int')`,
      p.span('output_mode'),
    );
  if (p.get('sparse', false) === true) throw new OutsideSubset('CategoryEncoding(sparse=True) is not modelled by tgraph', p.span('sparse'));
  if (p.get('num_tokens', null) === null)
    throw pyError(
      'ValueError',
      'num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use the IntegerLookup layer instead.',
      p.span('num_tokens'),
    );
  const depth = sizeArg(rt, p, 'num_tokens');
  if (weights !== null && mode !== 'count')
    throw pyError('ValueError', "`count_weights` is not used when `output_mode` is not `'count'`.", weightsSpan);
  const o = new Ops(rt, site);
  let ids = o.tensor(x, xSpan);
  if (ids.type.dtype !== 'int32' && ids.type.dtype !== 'int64') ids = rt.rt.b.cast(ids, 'int64');
  // Keras asserts the range at run time: here when the values are known (eager, not symbolic).
  const values = rt.rt.constants.valueOf(ids)?.data;
  if (values)
    for (let i = 0; i < values.length; i++)
      if (!(Number(values[i]) >= 0 && Number(values[i]) < depth))
        throw pyError('InvalidArgumentError', `Input values must be in the range 0 <= values < num_tokens with num_tokens=${depth}`, xSpan);
  const shape = ids.type.shape;
  if (shape === null) throw new OutsideSubset('CategoryEncoding of ids of unknown rank is not modelled by tgraph', xSpan);
  // A scalar is one sample; one_hot's ids gain an axis unless their last one is already 1.
  if (shape.length === 0 || (mode === 'one_hot' && shape[shape.length - 1] !== 1)) ids = o.call('expand_dims', [ids], { axis: -1 });
  const rank = ids.type.shape!.length;
  if (rank > 2)
    throw pyError(
      'ValueError',
      `When output_mode is not \`'int'\`, maximum supported output rank is 2. Received output_mode ${mode} and input shape ${JSON.stringify(shape)}, which would result in output rank ${rank}.`,
      xSpan,
    );
  const hot = rt.rt.b.toTensor(
    toGraphValue(
      rt,
      callOp(rt, 'one_hot', [nodeArg(ids, site), positional(rt, BigInt(depth), site), keyword(rt, 'dtype', 'float32', site)], site),
      site,
    ),
    site,
  );
  if (mode !== 'count') return new GraphTensor(o.call('reduce_max', [hot], { axis: -2 }), rt.rt);
  const counted =
    weights === null ? hot : o.call('multiply', [hot, o.call('expand_dims', [o.tensor(weights, weightsSpan, 'float32')], { axis: -1 })]);
  return new GraphTensor(o.call('reduce_sum', [counted], { axis: -2 }), rt.rt);
}

export function preprocessingLayers(): Record<string, () => PyBuiltin> {
  return {
    Resizing: () =>
      layerClass('Resizing', ['height', 'width', 'interpolation', 'crop_to_aspect_ratio'], (p) => (rt, x, xSpan, site) => {
        const [height, width] = [sizeArg(rt, p, 'height'), sizeArg(rt, p, 'width')];
        const method = p.get('interpolation', 'bilinear');
        const input = imageOf(rt, x, xSpan, 'Resizing');
        const out =
          p.get('crop_to_aspect_ratio', false) === true
            ? smartResize(rt, input, height, width, method, site.span)
            : resized(rt, input.image, height, width, method, site.span);
        return new GraphTensor(out, rt.rt);
      }),
    CenterCrop: () =>
      layerClass('CenterCrop', ['height', 'width'], (p) => (rt, x, xSpan, site) => {
        const [height, width] = [sizeArg(rt, p, 'height'), sizeArg(rt, p, 'width')];
        const input = imageOf(rt, x, xSpan, 'CenterCrop');
        // An image smaller than the crop either way is smart-resized (bilinear) instead.
        if (input.height < height || input.width < width)
          return new GraphTensor(smartResize(rt, input, height, width, 'bilinear', site.span), rt.rt);
        const top = Math.trunc((input.height - height) / 2);
        const left = Math.trunc((input.width - width) / 2);
        return new GraphTensor(cropped(rt, input.image, top, left, height, width, site.span), rt.rt);
      }),
    CategoryEncoding: () =>
      layerClass(
        'CategoryEncoding',
        ['num_tokens', 'output_mode', 'sparse'],
        (p) => (rt, x, xSpan, site, _training, _mask, call) =>
          categoryEncoding(rt, p, x, xSpan, call?.get('count_weights', null) ?? null, call?.span('count_weights') ?? xSpan, site.span),
        undefined,
        false,
        'drop',
        ['count_weights'],
      ),
  };
}
