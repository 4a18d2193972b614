// Keras' attention layers, composed of registry ops: MultiHeadAttention (its four projections
// as Keras' EinsumDense weights — query/key/value kernels [features, heads, size] with biases
// [heads, size], the output kernel [heads, value size, features] — in Keras' get_weights
// order), and the dot-product (Luong) and additive (Bahdanau) Attention / AdditiveAttention.
// A masked position gets Keras' −1e9 added to its score before the softmax.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { makeTensor } from '../../tensor';
import { checkedSize } from '../../ops/sources';
import { type CallSite, PyList, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, callOp, toGraphValue } from './tensor';
import { Ops } from './losses';
import { WEIGHT_PENALTIES, nodeArg, noWeightPenalties, positional } from './layerArgs';
import { inputMasks, nodeMask } from './kerasMasks';
import type { LayerKind, MakeInitializer } from './weightedLayers';

/** Keras' score for a masked position (what its Softmax layer and dense attention add). */
const MASKED_SCORE = -1e9;

function tensorOf(rt: Interpreter, v: PyValue, call: BoundPyArgs, param: string): Node {
  return rt.rt.b.toTensor(toGraphValue(rt, v, call.span(param)), call.span(param));
}

function staticShape(x: Node, rank: number, layer: string, what: string, site: CallSite): number[] {
  const shape = x.type.shape;
  if (shape === null || shape.length !== rank)
    throw new OutsideSubset(`${layer} on a ${what} of rank other than ${rank} is not modelled by tgraph`, site.span);
  if (shape.slice(1).some((d) => d === null))
    throw new OutsideSubset(
      `${layer} on a ${what} whose length or features are known only at run time is not modelled by tgraph`,
      site.span,
    );
  return shape as number[];
}

/** A [rows, columns] mask of 1 where a query may see a key: row i sees columns 0..i. */
function causalMask(rt: Interpreter, rows: number, columns: number, dtype: Node['type']['dtype'], span: Span): Node {
  // (made here as a constant, before the scores it masks are checked)
  checkedSize(rt.rt.b, [rows, columns], span, 'the causal mask');
  const data = new (dtype === 'float64' ? Float64Array : Float32Array)(rows * columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j <= Math.min(i, columns - 1); j++) data[i * columns + j] = 1;
  return rt.rt.b.constant(makeTensor(dtype, [rows, columns], data));
}

/** softmax(scores + (1 − keep)·(−1e9)) over `axis` (`keep` broadcast to scores): Keras'
 *  Softmax layer given a mask, and its dense attention. */
export function maskedSoftmax(o: Ops, scores: Node, keep: Node | null, axis = -1): Node {
  if (!keep) return o.call('softmax', [scores], { axis });
  return o.call('softmax', [o.call('add', [scores, o.call('multiply', [o.call('subtract', [1, keep]), MASKED_SCORE])])], { axis });
}

/** The mask of positions kept, as scores' dtype and of rank `rank` (axes added at `axis`), the
 *  causal mask [queries, keys] multiplied in when asked. */
function keptPositions(
  rt: Interpreter,
  o: Ops,
  given: Node | null,
  causal: { queries: number; keys: number } | null,
  rank: number,
  axis: number,
  dtype: Node['type']['dtype'],
): Node | null {
  let keep = given ? (given.type.dtype === dtype ? given : rt.rt.b.cast(given, dtype)) : null;
  if (keep) while (keep.type.shape !== null && keep.type.shape.length < rank) keep = o.call('expand_dims', [keep], { axis });
  if (!causal) return keep;
  const lower = causalMask(rt, causal.queries, causal.keys, dtype, o.span);
  return keep ? o.call('multiply', [keep, lower]) : lower;
}

function noDropoutInTraining(p: BoundPyArgs, training: boolean, layer: string, site: CallSite): void {
  if (training && Number(p.get('dropout', 0) ?? 0) !== 0)
    throw new OutsideSubset(`${layer} dropout in training is not modelled by tgraph`, site.span);
}

function withScores(rt: Interpreter, call: BoundPyArgs, output: Node, scores: Node): PyValue {
  const out = new GraphTensor(output, rt.rt);
  return call.get('return_attention_scores', false) === true ? new PyTuple([out, new GraphTensor(scores, rt.rt)]) : out;
}

export const MULTI_HEAD_ATTENTION_PARAMS = [
  'num_heads',
  'key_dim',
  'value_dim',
  'dropout',
  'use_bias',
  'output_shape',
  'attention_axes',
  'kernel_initializer',
  'bias_initializer',
  ...WEIGHT_PENALTIES,
];

/** The sizes MultiHeadAttention's weights are made from. */
function headSizes(rt: Interpreter, p: BoundPyArgs) {
  const heads = rt.rt.indexValue(p.get('num_heads'), p.span('num_heads'));
  const keyDim = rt.rt.indexValue(p.get('key_dim'), p.span('key_dim'));
  const valueDim = p.get('value_dim', null) === null ? keyDim : rt.rt.indexValue(p.get('value_dim'), p.span('value_dim'));
  return { heads, keyDim, valueDim };
}

/** Keras' output_shape: None (the query's features), an int or a one-int tuple. */
function outputFeatures(rt: Interpreter, p: BoundPyArgs, queryFeatures: number): number {
  const given = p.get('output_shape', null);
  if (given === null) return queryFeatures;
  if (typeof given === 'bigint') return rt.rt.indexValue(given, p.span('output_shape'));
  const items = rt.iterate(given, p.span('output_shape'));
  if (items.length !== 1)
    throw new OutsideSubset('MultiHeadAttention with a multi-axis output_shape is not modelled by tgraph', p.span('output_shape'));
  return rt.rt.indexValue(items[0], p.span('output_shape'));
}

/** The attention_mask given, and (Keras' implicit masks) a query step masked sees no key, a
 *  masked value or key step is seen by no query: bool [batch, queries, keys], or null. */
function attentionMask(rt: Interpreter, o: Ops, call: BoundPyArgs, query: Node, value: Node, key: Node): Node | null {
  const given = call.get('attention_mask', null) === null ? null : tensorOf(rt, call.get('attention_mask'), call, 'attention_mask');
  const parts: Node[] = [];
  const queryMask = nodeMask(query);
  if (queryMask) parts.push(o.call('expand_dims', [queryMask], { axis: -1 }));
  for (const m of new Set([nodeMask(value), nodeMask(key)])) if (m) parts.push(o.call('expand_dims', [m], { axis: -2 }));
  if (parts.length === 0) return given;
  if (given) parts.push(given.type.dtype === 'bool' ? given : rt.rt.b.cast(given, 'bool'));
  return parts.slice(1).reduce((all, m) => o.call('logical_and', [all, m]), parts[0]);
}

export function multiHeadAttention(init: MakeInitializer): LayerKind {
  return {
    name: 'MultiHeadAttention',
    scope: 'multi_head_attention',
    ownMasks: true,
    // The output is the query's steps: its mask passes on.
    outputMask: (_rt, query) => nodeMask(query),
    callParams: ['query', 'value', 'key', 'attention_mask', 'return_attention_scores', 'training', 'use_causal_mask'],
    weights: (rt, query, p, site, call) => {
      noWeightPenalties(p, 'MultiHeadAttention');
      const rank = attentionRank(query, site);
      attentionAxes(rt, p, rank);
      const features = (v: PyValue | null, param: string, fallback: Node) =>
        staticShape(
          v === null || v === undefined || !call ? fallback : tensorOf(rt, v, call, param),
          rank,
          'MultiHeadAttention',
          param,
          site,
        )[rank - 1];
      const queryFeatures = features(null, 'query', query);
      const valueFeatures = features(call?.get('value') ?? null, 'value', query);
      const keyFeatures = features(call?.get('key', null) ?? call?.get('value') ?? null, 'key', query);
      const { heads, keyDim, valueDim } = headSizes(rt, p);
      const kernel = (name: string, shape: number[]) => ({
        name: `${name}/kernel`,
        shape,
        initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
        span: p.span('kernel_initializer'),
      });
      const bias = (name: string, shape: number[]) =>
        p.get('use_bias', true) === false
          ? []
          : [
              {
                name: `${name}/bias`,
                shape,
                initializer: init(p.get('bias_initializer', null), 'zeros', p.span('bias_initializer')),
                span: p.span('bias_initializer'),
              },
            ];
      const out = outputFeatures(rt, p, queryFeatures);
      return [
        kernel('query', [queryFeatures, heads, keyDim]),
        ...bias('query', [heads, keyDim]),
        kernel('key', [keyFeatures, heads, keyDim]),
        ...bias('key', [heads, keyDim]),
        kernel('value', [valueFeatures, heads, valueDim]),
        ...bias('value', [heads, valueDim]),
        kernel('attention_output', [heads, valueDim, out]),
        ...bias('attention_output', [out]),
      ];
    },
    sizedBy: (_rt, call) => call.get('query'),
    apply: (rt, query, w, p, site, training, _flag, call) => {
      noDropoutInTraining(p, training, 'MultiHeadAttention', site);
      const o = new Ops(rt, site.span);
      const value = tensorOf(rt, call.get('value'), call, 'value');
      const key = call.get('key', null) === null ? value : tensorOf(rt, call.get('key'), call, 'key');
      const rank = attentionRank(query, site);
      const axes = attentionAxes(rt, p, rank);
      const queryShape = staticShape(query, rank, 'MultiHeadAttention', 'query', site);
      const keyShape = staticShape(key, rank, 'MultiHeadAttention', 'key', site);
      staticShape(value, rank, 'MultiHeadAttention', 'value', site);
      const equations = attentionEquations(rank, axes);
      const project = (x: Node, name: string, equation: string) => {
        const y = o.call('einsum', [equation, x, w.get(`${name}/kernel`)!.node]);
        const bias = w.get(`${name}/bias`);
        return bias ? o.call('add', [y, bias.node]) : y;
      };
      // [batch, ...steps, heads, size]; the query scaled by 1/√key_dim before the dot product.
      const { keyDim } = headSizes(rt, p);
      const q = o.call('multiply', [project(query, 'query', equations.project), 1 / Math.sqrt(keyDim)]);
      const k = project(key, 'key', equations.project);
      const v = project(value, 'value', equations.project);
      // [batch, ...other axes, heads, ...query steps, ...key steps]
      const scores = o.call('einsum', [equations.scores, k, q]);
      const mask = attentionMask(rt, o, call, query, value, key);
      const causal = call.get('use_causal_mask', false) === true ? { queries: queryShape[1], keys: keyShape[1] } : null;
      const defaultAxes = axes.length === 1 && axes[0] === 1 && rank === 3;
      let probabilities: Node;
      if (defaultAxes) {
        // The mask [batch, queries, keys] is the same for every head (an axis added before them).
        probabilities = maskedSoftmax(o, scores, keptPositions(rt, o, mask, causal, 4, -3, scores.type.dtype));
      } else {
        if (causal || [query, value, key].some((x) => nodeMask(x) !== null))
          throw new OutsideSubset(
            'MultiHeadAttention over attention_axes other than the sequence axis with a causal or implicit mask is not modelled by tgraph (give attention_mask)',
            site.span,
          );
        // Keras adds the mask's missing axes before the query and key axes (the heads' and the
        // other axes'), then takes the softmax over all the key axes together.
        const keep = keptPositions(rt, o, mask, null, scores.type.shape!.length, -2 * axes.length - 1, scores.type.dtype);
        probabilities = softmaxOverLast(rt, o, scores, keep, axes.length, site.span);
      }
      const context = o.call('einsum', [equations.combine, probabilities, v]);
      return withScores(rt, call, project(context, 'attention_output', equations.output), probabilities);
    },
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** The rank of MultiHeadAttention's query: 3 or more (batch, steps..., features). */
function attentionRank(query: Node, site: CallSite): number {
  const rank = query.type.shape?.length ?? 0;
  if (rank < 3 || rank > 8)
    throw new OutsideSubset('MultiHeadAttention on a query of rank other than 3 to 8 is not modelled by tgraph', site.span);
  return rank;
}

/** attention_axes: an int or a tuple of axes of the inputs between the batch and the features
 *  (Keras' default: all of them). */
function attentionAxes(rt: Interpreter, p: BoundPyArgs, rank: number): number[] {
  const given = p.get('attention_axes', null);
  if (given === null) return Array.from({ length: rank - 2 }, (_, i) => i + 1);
  const span = p.span('attention_axes');
  const axes = (typeof given === 'bigint' ? [given] : rt.iterate(given, span)).map((a) => rt.rt.indexValue(a, span));
  if (axes.length === 0 || new Set(axes).size !== axes.length || axes.some((a) => a < 1 || a > rank - 2))
    throw new OutsideSubset(
      `MultiHeadAttention(attention_axes=${JSON.stringify(axes)}) on inputs of rank ${rank} is not modelled by tgraph (distinct axes from 1 to ${rank - 2})`,
      span,
    );
  return axes;
}

/** Keras' einsum equations for inputs of `rank` attending over `axes` (_build_attention_equation):
 *  the projections to [batch, ...steps, heads, size] and back, the scores [...other axes,
 *  heads, ...query axes, ...key axes] and the combination of the values. */
function attentionEquations(rank: number, axes: readonly number[]) {
  const input = LETTERS.slice(0, rank);
  const [heads, size] = [LETTERS[rank], LETTERS[rank + 1]];
  const target = input.slice(0, -1) + heads + size;
  // The key's attention axes get letters of their own; every other axis is shared.
  let next = rank + 2;
  const source = [...target].map((c, i) => (axes.includes(i) ? LETTERS[next++] : c)).join('');
  const others = [...target].filter((_, i) => !axes.includes(i) && i !== target.length - 1).join('');
  const product = others + axes.map((i) => target[i]).join('') + axes.map((i) => source[i]).join('');
  return {
    project: `${input},${input[rank - 1]}${heads}${size}->${target}`,
    scores: `${source},${target}->${product}`,
    combine: `${product},${source}->${target}`,
    output: `${target},${heads}${size}${LETTERS[next]}->${input.slice(0, -1)}${LETTERS[next]}`,
  };
}

/** softmax over the last `count` axes together (Keras' Softmax(axis=tuple)), the positions
 *  where `keep` is 0 given Keras' −1e9 first: the axes merged into one, then split again. */
function softmaxOverLast(rt: Interpreter, o: Ops, scores: Node, keep: Node | null, count: number, span: Span): Node {
  const shape = scores.type.shape as number[];
  const masked = keep ? o.call('add', [scores, o.call('multiply', [o.call('subtract', [1, keep]), MASKED_SCORE])]) : scores;
  if (count === 1) return o.call('softmax', [masked], { axis: -1 });
  const reshaped = (x: Node, dims: number[]) =>
    rt.rt.b.toTensor(
      toGraphValue(rt, callOp(rt, 'reshape', [nodeArg(x, span), positional(rt, new PyList(dims.map(BigInt)), span)], span), span),
      span,
    );
  const merged = [...shape.slice(0, -count), shape.slice(-count).reduce((a, d) => a * d, 1)];
  return reshaped(o.call('softmax', [reshaped(masked, merged)], { axis: -1 }), shape);
}

/** Attention's score_mode: 'dot' or 'concat' (Keras' ValueError otherwise); AdditiveAttention's
 *  scores are its own. */
function scoreMode(p: BoundPyArgs, additive: boolean): 'dot' | 'concat' {
  const mode = p.get('score_mode', 'dot');
  if (mode === 'dot' || (mode === 'concat' && !additive)) return mode;
  if (additive)
    throw new OutsideSubset(`AdditiveAttention(score_mode=${JSON.stringify(mode)}) is not modelled by tgraph`, p.span('score_mode'));
  throw pyError(
    'ValueError',
    `Received: score_mode=${JSON.stringify(mode)}. Acceptable values are: ["dot", "concat"]`,
    p.span('score_mode'),
  );
}

export const DENSE_ATTENTION_PARAMS = ['use_scale', 'score_mode', 'causal', 'dropout'];

/** Attention (scores q·kᵀ, times a learnt scalar `scale` when use_scale) and AdditiveAttention
 *  (scores Σ scale·tanh(q + k) over the features, `scale` a learnt vector when use_scale). */
export function denseAttention(additive: boolean, init: MakeInitializer): LayerKind {
  const layer = additive ? 'AdditiveAttention' : 'Attention';
  return {
    name: layer,
    scope: additive ? 'additive_attention' : 'attention',
    ownMasks: true,
    outputMask: (_rt, query) => nodeMask(query),
    callParams: ['inputs', 'mask', 'training', 'return_attention_scores', 'use_causal_mask'],
    sizedBy: (_rt, call) => {
      const inputs = call.get('inputs');
      if (!(inputs instanceof PyList || inputs instanceof PyTuple) || inputs.items.length < 2 || inputs.items.length > 3)
        throw pyError(
          'ValueError',
          `${layer} layer must be called on a list of inputs, namely [query, value] or [query, value, key].`,
          call.span('inputs'),
        );
      return inputs.items[0];
    },
    weights: (_rt, query, p, site) => {
      const concat = scoreMode(p, additive) === 'concat';
      const useScale = p.get('use_scale', additive) === true;
      const weights = [];
      if (useScale) {
        const dim = staticShape(query, 3, layer, 'query', site)[2];
        const scale = additive
          ? { shape: [dim], initializer: init(null, 'glorot_uniform', p.span('use_scale')) }
          : { shape: [] as number[], initializer: init(null, 'ones', p.span('use_scale')) };
        weights.push({ name: 'scale', ...scale, span: p.span('use_scale') });
      }
      // score_mode='concat': Keras' scalar weight on the summed tanh, after `scale`.
      if (concat)
        weights.push({
          name: 'concat_score_weight',
          shape: [],
          initializer: init(null, 'ones', p.span('score_mode')),
          span: p.span('score_mode'),
        });
      return weights;
    },
    apply: (rt, query, w, p, site, training, _flag, call) => {
      noDropoutInTraining(p, training, layer, site);
      const o = new Ops(rt, site.span);
      const inputs = rt.iterate(call.get('inputs'), call.span('inputs')).map((v) => tensorOf(rt, v, call, 'inputs'));
      const value = inputs[1];
      const key = inputs[2] ?? value;
      const scale = w.get('scale')?.node ?? null;
      let scores: Node;
      const pairs = () => o.call('add', [o.call('expand_dims', [query], { axis: -2 }), o.call('expand_dims', [key], { axis: -3 })]);
      if (additive) {
        const sum = o.call('tanh', [pairs()]);
        scores = o.call('reduce_sum', [scale ? o.call('multiply', [scale, sum]) : sum], { axis: -1 });
      } else if (scoreMode(p, additive) === 'concat') {
        // Keras' concat scores: weight · Σ tanh(scale · (q + k)) over the features.
        const sum = scale ? o.call('multiply', [scale, pairs()]) : pairs();
        scores = o.call('multiply', [w.get('concat_score_weight')!.node, o.call('reduce_sum', [o.call('tanh', [sum])], { axis: -1 })]);
      } else {
        scores = o.call('einsum', ['...qd,...kd->...qk', query, key]);
        if (scale) scores = o.call('multiply', [scores, scale]);
      }
      // The masks given, else the inputs' own (Keras' implicit masks).
      const masks = inputMasks(rt, call, call.get('inputs'), call.span('inputs')) ?? [];
      const [queryMask, valueMask] = [masks[0] ?? null, masks[1] ?? null];
      const shape = scores.type.shape!;
      const causal =
        call.get('use_causal_mask', false) === true || p.get('causal', false) === true
          ? { queries: shape[shape.length - 2]!, keys: shape[shape.length - 1]! }
          : null;
      // The value mask [batch, keys] is the same for every query (an axis added before them).
      const keep = keptPositions(rt, o, valueMask, causal, shape.length, -2, scores.type.dtype);
      const probabilities = maskedSoftmax(o, scores, keep);
      let result = o.call('matmul', [probabilities, value]);
      // Queries masked out give zeros.
      if (queryMask)
        result = o.call('multiply', [result, o.call('expand_dims', [rt.rt.b.cast(queryMask, result.type.dtype)], { axis: -1 })]);
      return withScores(rt, call, result, probabilities);
    },
  };
}
