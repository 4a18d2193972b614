// Rows of the Jacobian, numerically: the site's gradient rebuilt with one `seed` node per y
// as grad_ys, evaluated with one-hot seeds (a vector-Jacobian product per row). The new
// nodes live in a private graph so the document's graph is left as it was; every value the
// document already computed is read from the analysis, so a row costs only the gradient
// subgraph.

import type { Analysis } from '../analysis';
import { Graph, type Node } from '../graph';
import { Builder } from '../builder';
import { buildGradients } from '../autodiff';
import { Evaluator } from '../evaluate';
import type { GradientSite } from '../autodiff';
import { type Tensor, allocData } from '../tensor';
import { BuildError } from '../builder';
import { ExplainTimeout } from './path';

/** Time the rows may take when the caller sets no deadline of its own. */
export const DEFAULT_ROWS_MS = 2000;

/** The document's values, read lazily from the analysis for the nodes of its graph. */
class DocumentValues extends Map<Node, Tensor> {
  constructor(
    private readonly analysis: Analysis,
    private readonly known: number,
  ) {
    super();
  }
  override get(node: Node): Tensor | undefined {
    const own = super.get(node);
    if (own) return own;
    if (node.id < this.known && this.analysis.graph.nodes[node.id] === node) return this.analysis.valueOf(node);
    return undefined;
  }
  override has(node: Node): boolean {
    return this.get(node) !== undefined;
  }
}

export class VjpRows {
  readonly calls = { evaluations: 0 };
  private constructor(
    private readonly analysis: Analysis,
    private readonly site: GradientSite,
    private readonly seeds: Node[],
    private readonly grad: Node,
    private readonly root: Evaluator,
    private readonly deadline: number,
    readonly ysShapes: (readonly number[])[],
  ) {}

  /** Builds the seeded gradient for x number `xIndex`; null when it cannot be built or a
   *  y has no value. Building and every row after it share one `deadline` (ms since the
   *  epoch): past it they throw ExplainTimeout, as a row costs a pass over the gradient's
   *  whole path and a picture may ask for thousands. */
  static build(analysis: Analysis, site: GradientSite, xIndex: number, deadline = Date.now() + DEFAULT_ROWS_MS): VjpRows | null {
    const x = site.xs[xIndex];
    if (!x || !site.grads[xIndex]) return null;
    const ysShapes: (readonly number[])[] = [];
    for (const y of site.ys) {
      const t = analysis.valueOf(y);
      if (!t) return null;
      ysShapes.push(t.shape);
    }
    const graph = new Graph();
    // New nodes get ids after the document's, so ids stay unique and topological.
    graph.nodes.length = analysis.graph.nodes.length;
    const b = new Builder(graph, { constantValue: (n) => analysis.valueOf(n) }, site.context);
    let seeds: Node[];
    let grad: Node | null;
    try {
      seeds = site.ys.map((y) => b.apply('seed', [], { dtype: y.type.dtype, shape: y.type.shape }, site.span));
      const result = buildGradients(b, {
        ys: site.ys,
        xs: [x],
        gradYs: seeds,
        stopGradients: site.stopGradients,
        // (an x the call filled with zeros has no sum to explain)
        unconnected: 'none',
        span: site.span,
        deadline,
      });
      grad = result.grads[0];
    } catch (e) {
      if (e instanceof BuildError && e.code === 'budget-time')
        throw new ExplainTimeout('rebuilding the gradient for its rows took longer than the time allowed');
      return null;
    }
    if (!grad) return null;
    const budget = { maxElements: analysis.budgets.maxElements, maxTotalElements: analysis.budgets.maxTotalElements, deadline };
    const root = new Evaluator({ precision: 'float32', feeds: new DocumentValues(analysis, analysis.graph.nodes.length), budget });
    return new VjpRows(analysis, site, seeds, grad, root, deadline, ysShapes);
  }

  /** Σ over the given (y, flat index) pairs of the rows ∂ys[k][e]/∂x, flat; null when the
   *  evaluation fails. Throws ExplainTimeout once the deadline has passed. */
  rowSum(entries: readonly { k: number; e: number }[]): Float64Array | null {
    if (Date.now() > this.deadline) throw this.timeout();
    const feeds = new Map<Node, Tensor>();
    this.site.ys.forEach((y, k) => {
      const shape = this.ysShapes[k];
      const data = allocData(
        y.type.dtype,
        shape.reduce((n, d) => n * d, 1),
      );
      feeds.set(this.seeds[k], { dtype: y.type.dtype, shape, data });
    });
    for (const { k, e } of entries) (feeds.get(this.seeds[k])!.data as Float32Array)[e] = 1;
    this.calls.evaluations++;
    const g = this.root.withFeeds(feeds).valueOf(this.grad);
    if (!g && Date.now() > this.deadline) throw this.timeout();
    return g ? Float64Array.from(g.data as ArrayLike<number>) : null;
  }

  private timeout(): ExplainTimeout {
    return new ExplainTimeout(`${this.calls.evaluations} evaluations of the gradient's rows took longer than the time allowed`);
  }

  /** The grad_ys weight of element e of y number k (1 without grad_ys). */
  weight(k: number, e: number): number {
    const g = this.site.gradYs[k];
    if (!g) return 1;
    const t = this.analysis.valueOf(g);
    if (!t) return NaN;
    return t.data.length === 1 ? t.data[0] : t.data[e];
  }
}
