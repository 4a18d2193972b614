// TensorFlow's functional control flow — tf.cond, tf.while_loop, tf.map_fn, tf.scan, tf.foldl
// and tf.foldr — traced the way a Python loop is: unrolled into the graph, bounded by
// tgraph.maxUnrolledIterations. A loop needs its trip count before any feed: the static size
// of the sequence (map_fn, scan, folds), or a condition whose value needs no placeholder
// (while_loop). tf.cond runs the branch its predicate picks when that value is known (always
// in eager TensorFlow 2); on a predicate that depends on a placeholder, both branches are
// built and each output is a `where` of the two, whose gradient flows into the taken branch.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, callOp, sliceTensor, toGraphValue } from './tensor';
import { eagerTruth, needsFeed } from './eager';

/** A tensor argument's graph node (Python numbers and lists become constants). */
function nodeOf(rt: Interpreter, v: PyValue, span: Span): Node {
  const g = toGraphValue(rt, v, span);
  if (g.kind !== 'tensor') throw pyError('TypeError', `expected a tensor, got ${g.kind}`, span);
  return g.node;
}

/** The truth of a predicate whose value needs no feed, or null when it needs one. */
function knownTruth(rt: Interpreter, pred: PyValue, span: Span): boolean | null {
  if (!(pred instanceof GraphTensor)) return rt.truth(pred, span);
  if (needsFeed(pred.node)) return null;
  return eagerTruth(rt.rt, pred.node, span);
}

/** `whenTrue()` or `whenFalse()` as `pred` says: the one branch when its value is known
 *  (a Python bool, a tensor that needs no feed), else both, each output a `where` of the two
 *  (tf.cond's, and a layer's `training` flag fed at run time). */
export function branchOn(
  rt: Interpreter,
  pred: PyValue,
  predSpan: Span,
  site: CallSite,
  whenTrue: () => PyValue,
  whenFalse: () => PyValue,
): PyValue {
  const known = knownTruth(rt, pred, predSpan);
  if (known !== null) return known ? whenTrue() : whenFalse();
  const trueItems = flatten(whenTrue());
  const falseItems = flatten(whenFalse());
  if (trueItems.items.length !== falseItems.items.length)
    throw pyError(
      'ValueError',
      `true_fn and false_fn must return the same number of outputs (${trueItems.items.length} vs ${falseItems.items.length})`,
      site.span,
    );
  // TensorFlow's predicate is a scalar, and the outputs have the branches' shapes: a
  // predicate of unknown rank (`tf.placeholder(tf.bool)`) is read as the scalar it must be.
  let condition = toGraphValue(rt, pred, predSpan);
  if (condition.kind === 'tensor' && condition.node.type.shape === null)
    condition = { kind: 'tensor', node: rt.rt.b.op('reshape', [condition.node], { shape: [] }) };
  return trueItems.rebuild(
    trueItems.items.map((t, k) =>
      callOp(
        rt,
        'where',
        [
          { value: condition, span: predSpan },
          { value: toGraphValue(rt, t, site.span), span: site.span },
          { value: toGraphValue(rt, falseItems.items[k], site.span), span: site.span },
        ],
        site.span,
      ),
    ),
  );
}

/** A layer's call by its `training` argument: inference when it is not given, else as
 *  `branchOn` picks (both branches when it is fed at run time). */
export function byTrainingFlag(
  rt: Interpreter,
  flag: PyValue,
  flagSpan: Span,
  site: CallSite,
  apply: (training: boolean) => PyValue,
): PyValue {
  if (flag === null) return apply(false);
  return branchOn(
    rt,
    flag,
    flagSpan,
    site,
    () => apply(true),
    () => apply(false),
  );
}

/** The items of a (possibly nested) structure of tensors: a tensor alone, or a tuple/list. */
function flatten(v: PyValue): { items: PyValue[]; rebuild: (items: PyValue[]) => PyValue } {
  if (v instanceof PyTuple) return { items: v.items.slice(), rebuild: (items) => new PyTuple(items) };
  if (v instanceof PyList) return { items: v.items.slice(), rebuild: (items) => new PyList(items) };
  return { items: [v], rebuild: (items) => items[0] };
}

/** The i-th slice along axis 0 of each tensor of `elems`. */
function sliceAt(rt: Interpreter, elems: { items: PyValue[]; rebuild: (items: PyValue[]) => PyValue }, i: number, span: Span): PyValue {
  return elems.rebuild(elems.items.map((e) => sliceTensor(rt, nodeOf(rt, e, span), BigInt(i), span, span)));
}

/** The common static length of axis 0 of the tensors of `elems`. */
function leadingLength(rt: Interpreter, what: string, elems: PyValue[], span: Span): number {
  let n: number | null = null;
  for (const e of elems) {
    const shape = nodeOf(rt, e, span).type.shape;
    const d = shape && shape.length > 0 ? shape[0] : null;
    if (d === null) throw new OutsideSubset(`${what} needs the static size of axis 0 of its elements, to unroll it`, span);
    if (n !== null && d !== n) throw pyError('ValueError', `${what}: the elements' first dimensions differ (${n} vs ${d})`, span);
    n = d;
  }
  if (n === null) throw pyError('ValueError', `${what}: elems must not be empty`, span);
  return n;
}

/** Stacks the per-step results (each a tensor or a tuple/list of them) along a new axis 0. */
function stackSteps(rt: Interpreter, steps: PyValue[], span: Span): PyValue {
  const first = flatten(steps[0]);
  const columns = first.items.map((_, k) =>
    callOp(rt, 'stack', [{ value: { kind: 'list', items: steps.map((s) => toGraphValue(rt, flatten(s).items[k], span)) }, span }], span),
  );
  return first.rebuild(columns);
}

function call(rt: Interpreter, fn: PyValue, args: PyValue[], site: CallSite): PyValue {
  return rt.call(fn, args, [], site);
}

export function controlFlowFunctions(rt: Runtime): Record<string, () => PyValue> {
  const interp = rt.interpreter;
  const fn = (name: string, body: (a: PyValue[], kw: KeywordArg[], site: CallSite) => PyValue) => () => new PyBuiltin(`tf.${name}`, body);

  const cond = fn('cond', (a, kw, site) => {
    const p = bindArgs('cond', ['pred', 'true_fn', 'false_fn', 'strict', 'name', 'fn1', 'fn2'], a, kw, site);
    const trueFn = p.has('true_fn') ? p.get('true_fn') : p.get('fn1', null);
    const falseFn = p.has('false_fn') ? p.get('false_fn') : p.get('fn2', null);
    if (trueFn === null || falseFn === null) throw pyError('TypeError', 'cond(): true_fn and false_fn are required', site.span);
    return branchOn(
      interp,
      p.get('pred'),
      p.span('pred'),
      site,
      () => call(interp, trueFn, [], site),
      () => call(interp, falseFn, [], site),
    );
  });

  const whileLoop = fn('while_loop', (a, kw, site) => {
    const p = bindArgs(
      'while_loop',
      ['cond', 'body', 'loop_vars', 'shape_invariants', 'parallel_iterations', 'back_prop', 'swap_memory', 'maximum_iterations', 'name'],
      a,
      kw,
      site,
    );
    const limit = p.get('maximum_iterations', null);
    const maximum = limit === null ? Infinity : interp.rt.indexValue(limit, p.span('maximum_iterations'));
    const given = p.get('loop_vars');
    let vars = flatten(given);
    for (let steps = 0; steps < maximum; steps++) {
      const go = knownTruth(interp, call(interp, p.get('cond'), vars.items, site), p.span('cond'));
      if (go === null)
        throw new OutsideSubset('the condition of tf.while_loop depends on a placeholder, so its trip count is not known', site.span);
      if (!go) break;
      interp.countIteration(site.span);
      const next = call(interp, p.get('body'), vars.items, site);
      const items = flatten(next).items;
      if (items.length !== vars.items.length)
        throw pyError('ValueError', `body returned ${items.length} loop variables, loop_vars has ${vars.items.length}`, p.span('body'));
      vars = { items, rebuild: vars.rebuild };
    }
    return vars.rebuild(vars.items);
  });

  const mapFn = fn('map_fn', (a, kw, site) => {
    const p = bindArgs(
      'map_fn',
      ['fn', 'elems', 'dtype', 'parallel_iterations', 'back_prop', 'swap_memory', 'infer_shape', 'name', 'fn_output_signature'],
      a,
      kw,
      site,
    );
    const elems = flatten(p.get('elems'));
    const n = leadingLength(interp, 'tf.map_fn', elems.items, p.span('elems'));
    const steps: PyValue[] = [];
    for (let i = 0; i < n; i++) {
      interp.countIteration(site.span);
      steps.push(call(interp, p.get('fn'), [sliceAt(interp, elems, i, p.span('elems'))], site));
    }
    if (n === 0) throw new OutsideSubset('tf.map_fn over an empty axis', p.span('elems'));
    return stackSteps(interp, steps, site.span);
  });

  /** scan, foldl and foldr: `fn(accumulator, element)` along axis 0 (reversed for foldr). */
  const accumulate = (name: 'scan' | 'foldl' | 'foldr') =>
    fn(name, (a, kw, site) => {
      const p = bindArgs(
        name,
        ['fn', 'elems', 'initializer', 'parallel_iterations', 'back_prop', 'swap_memory', 'infer_shape', 'reverse', 'name'],
        a,
        kw,
        site,
      );
      const elems = flatten(p.get('elems'));
      const n = leadingLength(interp, `tf.${name}`, elems.items, p.span('elems'));
      const reverse = name === 'foldr' || (name === 'scan' && interp.truth(p.get('reverse', false), p.span('reverse')));
      const order = Array.from({ length: n }, (_, i) => (reverse ? n - 1 - i : i));
      let acc = p.get('initializer', null);
      const outputs: PyValue[] = [];
      if (acc === null) {
        // Without an initializer the first element is the first accumulator (and output).
        if (n === 0) throw pyError('ValueError', `tf.${name}: elems must not be empty without an initializer`, p.span('elems'));
        acc = sliceAt(interp, elems, order.shift()!, p.span('elems'));
        outputs.push(acc);
      }
      for (const i of order) {
        interp.countIteration(site.span);
        acc = call(interp, p.get('fn'), [acc, sliceAt(interp, elems, i, p.span('elems'))], site);
        outputs.push(acc);
      }
      if (name !== 'scan') return acc;
      if (outputs.length === 0) throw new OutsideSubset('tf.scan over an empty axis', p.span('elems'));
      // scan's outputs are in the elements' order, reversed or not.
      return stackSteps(interp, reverse ? outputs.reverse() : outputs, site.span);
    });

  return { cond, while_loop: whileLoop, map_fn: mapFn, scan: accumulate('scan'), foldl: accumulate('foldl'), foldr: accumulate('foldr') };
}
