// `tf.IndexedSlices`: TensorFlow's gradient of a variable read only through `tf.gather` /
// `tf.nn.embedding_lookup` along axis 0 (_GatherV2Grad). It keeps one row of gradient per id
// looked up, repeated ids included, beside the ids themselves: a repeated id's rows are summed
// only when the slices are made dense (`tf.convert_to_tensor`, any op given them, an
// optimizer applying them). The object holds that dense sum as its `node`, so every place a
// tensor is taken densifies it, and its hover shows the sum explained.

import type { Node } from '../../graph';
import type { Span } from '../../syntax/ast';
import { buildGradients, type GradientSite } from '../../autodiff';
import { PyObject, PyNamedTuple, type PyValue } from '../values';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { GraphTensor, PyDType, TensorShape, nameNode, tfName } from './tensor';
import { isEager } from './eager';
import type { NpDType } from '../numpy/ndarray';

export class IndexedSlices extends PyObject {
  constructor(
    /** The dense gradient: the rows of each id summed into params' shape. */
    readonly node: Node,
    readonly values: Node,
    readonly indices: Node,
    readonly denseShape: Node,
    readonly rt: Runtime,
  ) {
    super();
  }
  get typeName(): string {
    return 'IndexedSlices';
  }
  private tensor(n: Node): GraphTensor {
    return new GraphTensor(n, this.rt);
  }
  /** TensorFlow defines only `__str__`; its repr is object's. */
  override repr(): string {
    return '<tensorflow.python.framework.indexed_slices.IndexedSlices object>';
  }
  override str(): string {
    const [i, v, d] = [this.indices, this.values, this.denseShape].map((n) => this.tensor(n).str());
    return `IndexedSlices(indices=${i}, values=${v}, dense_shape=${d})`;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'values':
        return this.tensor(this.values);
      case 'indices':
        return this.tensor(this.indices);
      case 'dense_shape':
        return this.tensor(this.denseShape);
      case 'dtype':
        return new PyDType(this.values.type.dtype as NpDType, 'tf');
      case 'name':
        return `${tfName(this.rt, this.values)}:0`;
      case 'device':
        return '';
      case 'shape':
        return new TensorShape(this.node.type.shape, !isEager(this.rt));
    }
    return undefined;
  }
  /** What the hover says beside the dense value. */
  note(): string {
    const ids = this.indices.type.shape?.[0];
    return (
      `IndexedSlices (TensorFlow's gradient through gather/embedding_lookup): values holds one row per id looked up` +
      (ids === null || ids === undefined ? '' : ` (${ids})`) +
      `, repeated ids included, beside indices; shown dense, as tf.convert_to_tensor and the optimizers apply it: ` +
      `the rows of a repeated id summed, rows never looked up 0`
    );
  }
}

/** The fetched value of an IndexedSlices: `IndexedSlicesValue(values=..., indices=...,
 *  dense_shape=...)`, a namedtuple of arrays. */
export function indexedSlicesValue(values: PyValue, indices: PyValue, denseShape: PyValue): PyNamedTuple {
  return new PyNamedTuple('IndexedSlicesValue', ['values', 'indices', 'dense_shape'], [values, indices, denseShape]);
}

/** The gathers through which a gradient site's x is read, when it is read through nothing
 *  else on the way to the ys: each a `gather` along axis 0 (no batch dims) taking x as its
 *  params. Null when x's gradient is dense in TensorFlow. */
function gathersOf(site: GradientSite, x: Node): Node[] | null {
  const shape = x.type.shape;
  if (shape === null || shape.length === 0 || shape.some((d) => d === null)) return null;
  const readers: Node[] = [];
  for (const n of site.path) {
    if (!n.inputs.includes(x)) continue;
    const axis = n.attrs.axis ?? 0;
    const isRowGather =
      n.op.name === 'gather' &&
      n.inputs[0] === x &&
      n.inputs[1] !== x &&
      (axis === 0 || axis === -shape.length) &&
      (n.attrs.batch_dims ?? 0) === 0;
    if (!isRowGather) return null;
    readers.push(n);
  }
  return readers.length > 0 ? readers.sort((a, b) => a.id - b.id) : null;
}

/** `tf.gradients` / `tape.gradient` results as TensorFlow gives them: an IndexedSlices for
 *  each x read only through row gathers (one row of values per id, TensorFlow's
 *  _GatherV2Grad; several gathers concatenated, as gradient aggregation does), the dense
 *  gradient otherwise. `results[i]` is the gradient of `site.xs[i]` as the registry gave it. */
export function withIndexedSlices(rt: Runtime, results: readonly PyValue[], site: GradientSite, span: Span): PyValue[] {
  if (results.length !== site.xs.length) return results.slice();
  return results.map((result, i) => indexedSlicesOf(rt, site, i, span) ?? result);
}

function indexedSlicesOf(rt: Runtime, site: GradientSite, i: number, span: Span): IndexedSlices | null {
  const b = rt.b;
  const x = site.xs[i];
  const dense = site.grads[i];
  if (!dense) return null;
  const gathers = gathersOf(site, x);
  if (!gathers) return null;
  const { grads } = buildGradients(b, {
    ys: site.ys,
    xs: gathers,
    gradYs: site.gradYs,
    stopGradients: site.stopGradients,
    unconnected: 'zero',
    span,
  });
  if (grads.some((g) => g === null)) return null;
  const tail = (x.type.shape as number[]).slice(1);
  const eager = isEager(rt);
  const parts = gathers.map((g, k) => {
    const prefix = `gradients/${tfName(rt, g)}_grad/`;
    const values = b.apply('reshape', [grads[k]!], { shape: [-1, ...tail] }, span);
    const indices = b.apply('reshape', [g.inputs[1]], { shape: [-1] }, span);
    if (!eager && gathers.length === 1) {
      nameNode(rt, values, `${prefix}Reshape`);
      nameNode(rt, indices, `${prefix}Reshape_1`);
    }
    return { values, indices };
  });
  const int64 = parts.some((p) => p.indices.type.dtype === 'int64');
  const join = (nodes: Node[]) => (nodes.length === 1 ? nodes[0] : b.apply('concat', nodes, { axis: 0 }, span));
  const values = join(parts.map((p) => p.values));
  const indices = join(
    parts.map((p) => (int64 && p.indices.type.dtype !== 'int64' ? b.apply('cast', [p.indices], { dtype: 'int64' }, span) : p.indices)),
  );
  const shape = x.type.shape as number[];
  const denseShape = b.constant({ dtype: 'int32', shape: [shape.length], data: Int32Array.from(shape) }, span);
  if (!eager && gathers.length === 1) nameNode(rt, denseShape, `gradients/${tfName(rt, gathers[0])}_grad/Cast`);
  return new IndexedSlices(dense, values, indices, denseShape, rt);
}
