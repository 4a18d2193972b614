// The explanation of a gradient element by element: `contributions` lists, for one element
// of x, the ys elements it reaches and their terms (which add up to the gradient entry);
// `jacobianOf` gives the whole Jacobian for a picture. Both read the structural pattern the
// explanation found (../explain.ts) and evaluate the gradient's rows (numeric.ts) only where
// it says a term is.

import type { Analysis } from '../analysis';
import type { GradientSite } from '../autodiff';
import { unravelIndex } from '../tensor';
import { DEFAULT_BUDGETS } from '../budgets';
import { cached } from '../explain';
import { DEFAULT_DEP_BUDGET, elementDeps, reachedBy } from './deps';
import { DEFAULT_ROWS_MS, VjpRows } from './numeric';
import { ExplainTimeout, nodeName, sitePath } from './path';

export interface Contribution {
  /** The y (its name and position in the ys list) and the element's index in it. */
  ysTensor: string;
  ysIndex: number;
  yIndex: number[];
  /** grad_ys at that element (1 without grad_ys). */
  weight: number;
  /** ∂y[yIndex]/∂x[xIndex] at the document's values. */
  derivative: number;
  /** weight × derivative: this element's term of the gradient entry. */
  partial: number;
}

export interface Contributions {
  x: string;
  xIndex: number[];
  /** The terms, one per ys element x[xIndex] reaches structurally (zero terms included). */
  terms: Contribution[];
  /** How many ys elements x[xIndex] reaches (terms may be fewer when truncated). */
  count: number;
  truncated: boolean;
  /** Σ partial, and the gradient entry the document computed: they agree. */
  total: number;
  gradient: number | null;
}

/** For element `flatIndex` of x number `xIndex`: the ys elements it reaches and their terms,
 *  which add up to the gradient entry. At most `maxTerms` terms (one gradient evaluation
 *  each); null when values or the gradient are not available. Throws ExplainTimeout past
 *  `deadline` (ms since the epoch; DEFAULT_ROWS_MS from now unless given). */
export function contributions(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  flatIndex: number,
  options: { maxTerms?: number; deadline?: number } = {},
): Contributions | null {
  const maxTerms = options.maxTerms ?? 256;
  const deadline = options.deadline ?? Date.now() + DEFAULT_ROWS_MS;
  const x = site.xs[xIndex];
  const grad = site.grads[xIndex];
  const xValue = x && analysis.valueOf(x);
  if (!x || !grad || !xValue || flatIndex < 0 || flatIndex >= xValue.data.length) return null;
  const path = sitePath(site, xIndex);
  const deps = elementDeps(analysis, path, Int32Array.of(flatIndex), { ...DEFAULT_DEP_BUDGET, deadline });
  if (!deps && Date.now() > deadline)
    throw new ExplainTimeout('finding the ys elements one element of x reaches took longer than the time allowed');
  if (!deps) return null;
  const rows = VjpRows.build(analysis, site, xIndex, deadline);
  if (!rows) return null;
  const terms: Contribution[] = [];
  let count = 0;
  for (let k = 0; k < site.ys.length; k++) {
    if (!path.ysReached[k]) continue;
    const dep = deps.deps.get(site.ys[k]);
    if (!dep) continue;
    const shape = rows.ysShapes[k];
    const hits = reachedBy(dep, deps.W, 0, Number.MAX_SAFE_INTEGER);
    count += hits.length;
    for (const e of hits) {
      if (terms.length >= maxTerms) break;
      const row = rows.rowSum([{ k, e }]);
      if (!row) return null;
      const derivative = row[flatIndex];
      const weight = rows.weight(k, e);
      terms.push({
        ysTensor: nodeName(analysis, site.ys[k]),
        ysIndex: k,
        yIndex: unravelIndex(e, shape),
        weight,
        derivative,
        partial: weight * derivative,
      });
    }
  }
  const g = analysis.valueOf(grad);
  return {
    x: nodeName(analysis, x),
    xIndex: unravelIndex(flatIndex, xValue.shape),
    terms,
    count,
    truncated: terms.length < count,
    total: terms.reduce((s, t) => s + t.partial, 0),
    gradient: g ? g.data[flatIndex] : null,
  };
}

export interface JacobianPicture {
  /** Rows: the elements of every y in turn (row-major); columns: x's elements. */
  rows: number;
  cols: number;
  ys: { name: string; shape: number[]; firstRow: number }[];
  xShape: number[];
  /** ∂ys[row]/∂x[col], row-major (no grad_ys weights). */
  values: Float64Array;
  /** 1 where the entry is structurally nonzero (a term of the sum), else 0. */
  pattern: Uint8Array;
  /** Gradient evaluations made (rows with disjoint patterns share one). */
  evaluations: number;
}

/** The whole Jacobian of the ys w.r.t. x number `xIndex`, for the picture: null over the
 *  budget (`maxEntries` entries, `maxEvaluations` gradient evaluations). Rows whose
 *  structural patterns do not overlap are evaluated together (one seed with several ones).
 *  Throws ExplainTimeout past `deadline` (ms since the epoch; DEFAULT_ROWS_MS from now
 *  unless given). */
export function jacobianOf(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  options: { maxEntries?: number; maxEvaluations?: number; deadline?: number } = {},
): JacobianPicture | null {
  const maxEntries = options.maxEntries ?? DEFAULT_BUDGETS.maxJacobianEntries;
  const maxEvaluations = options.maxEvaluations ?? 4096;
  const hit = cached(analysis, site, xIndex, {});
  const kept = hit.internals;
  const ysRows = kept?.ysRows;
  const x = site.xs[xIndex];
  const xValue = x && analysis.valueOf(x);
  if (!kept || !ysRows || !xValue) return null;
  const rowsApi = VjpRows.build(analysis, site, xIndex, options.deadline);
  if (!rowsApi) return null;
  const cols = xValue.data.length;
  const W = ysRows.W;
  const ys: JacobianPicture['ys'] = [];
  let rows = 0;
  site.ys.forEach((y, k) => {
    ys.push({ name: nodeName(analysis, y), shape: rowsApi.ysShapes[k].slice(), firstRow: rows });
    rows += rowsApi.ysShapes[k].reduce((n, d) => n * d, 1);
  });
  if (rows * cols > maxEntries) return null;
  const values = new Float64Array(rows * cols);
  const pattern = new Uint8Array(rows * cols);
  // Greedy colouring: a row joins the first group whose columns it does not touch.
  const groups: { used: Uint32Array; members: { k: number; e: number; row: number }[] }[] = [];
  const rowBits = (k: number, e: number) => ysRows.rows[k]?.subarray(e * W, (e + 1) * W) ?? null;
  let over = false;
  site.ys.forEach((_, k) => {
    const n = rowsApi.ysShapes[k].reduce((a, d) => a * d, 1);
    for (let e = 0; e < n && !over; e++) {
      const bits = kept.ysReached[k] ? rowBits(k, e) : null;
      if (!bits || bits.every((v) => v === 0)) continue;
      const row = ys[k].firstRow + e;
      for (let j = 0; j < cols; j++) if (bits[j >>> 5] & (1 << (j & 31))) pattern[row * cols + j] = 1;
      // Search only the first groups: colouring is a saving, not a requirement.
      let group: (typeof groups)[number] | undefined;
      for (let gi = 0; gi < groups.length && gi < 512 && !group; gi++) {
        const used = groups[gi].used;
        let free = true;
        for (let w = 0; w < W && free; w++) free = (used[w] & bits[w]) === 0;
        if (free) group = groups[gi];
      }
      if (!group) {
        if (groups.length >= maxEvaluations) {
          over = true;
          return;
        }
        group = { used: new Uint32Array(W), members: [] };
        groups.push(group);
      }
      for (let w = 0; w < W; w++) group.used[w] |= bits[w];
      group.members.push({ k, e, row });
    }
  });
  if (over) return null;
  for (const g of groups) {
    const sum = rowsApi.rowSum(g.members);
    if (!sum) return null;
    for (const m of g.members) {
      for (let j = 0; j < cols; j++) if (pattern[m.row * cols + j]) values[m.row * cols + j] = sum[j];
    }
  }
  return { rows, cols, ys, xShape: xValue.shape.slice(), values, pattern, evaluations: rowsApi.calls.evaluations };
}
