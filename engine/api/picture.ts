// The data behind the "Explain sum" picture (client/explainPicture.ts draws it): for one x of
// a gradient call, the explanation, the Jacobian ∂ys/∂x as a grid (rows: the elements of
// every y, columns: x's elements) with its structural pattern, and the terms that one chosen
// element of x adds up to its gradient entry.
//
// A picture with more cells than anyone can read is no picture: the whole Jacobian is sent
// only up to `tgraph.maxPictureEntries` cells (the analysis's budget). Beyond that the payload carries the block that matters
// for the chosen x element (the ys elements it reaches × a window of x elements around it),
// and when even that cannot be had (no values, an evaluation failed), the contributions
// alone. Nothing here throws: a failure leaves the part null with a note saying why.
//
// Every row of a grid is a gradient evaluation over the whole path from x to the ys, so a
// y of thousands of elements on a long path could keep the server busy for minutes: the
// picture's parts share one deadline (`tgraph.pictureTimeoutMs`), past which the picture
// keeps the explanation and says the time ran out.

import type { Analysis } from '../analysis';
import type { GradientSite } from '../autodiff';
import { type ExplainOptions, type Explanation } from '../explain';
import { contributions, jacobianOf, type Contributions } from '../explain/elements';
import { DEFAULT_DEP_BUDGET, addCounts, elementDeps } from '../explain/deps';
import { VjpRows } from '../explain/numeric';
import { ExplainTimeout, sitePath } from '../explain/path';
import { explainSite } from './explanation';
import { DEFAULT_BUDGETS, formatCount, raiseHint } from '../budgets';
import { unravelIndex } from '../tensor';
import { largest } from '../extremes';

/** Most heatmap cells sent (and drawn) for one x, unless the analysis says otherwise. */
export const PICTURE_BUDGET = DEFAULT_BUDGETS.maxPictureEntries;

const pictureBudget = (analysis: Analysis) => analysis.budgets?.maxPictureEntries ?? PICTURE_BUDGET;
/** Most rows (ys elements reached by the chosen element) of a block, and terms listed. */
export const MAX_BLOCK_ROWS = 64;
/** Most x elements a block shows around the chosen one. */
export const MAX_BLOCK_COLS = 48;

export interface JacobianGrid {
  /** 'full': every ys element × every x element; 'block': the ys elements the chosen x
   *  element reaches × a window of x elements around it. */
  scope: 'full' | 'block';
  rows: number;
  cols: number;
  /** The ys, each with its shape; `yIndex` of a row says which element of which y it is. */
  ys: { name: string; shape: number[] }[];
  /** Per row: the y (index into `ys`) and the element's multi-index in it. */
  rowIndex: { y: number; index: number[] }[];
  xName: string;
  xShape: number[];
  /** Per column: x's flat element index (0..cols-1 for 'full', the window for 'block'). */
  colFlat: number[];
  /** ∂ys[row]/∂x[col] at the document's values, row-major (no grad_ys weights). */
  values: number[];
  /** 1 where the entry is structurally a term of the sum, else 0. */
  pattern: number[];
  /** The column of the chosen x element, or -1. */
  chosenCol: number;
}

export interface ExplainPicture {
  explanation: Explanation;
  jacobian: JacobianGrid | null;
  /** Why the Jacobian is a block or absent, in words. */
  jacobianNote?: string;
  /** The chosen x element: flat index and multi-index. */
  chosen: { flat: number; index: number[] } | null;
  contributions: Contributions | null;
  /** The gradient's name (`dz_dx`) when the call's result is bound to one, for the caption. */
  gradientName?: string;
}

const finite = (v: number) => (Number.isFinite(v) ? v : 0);

/** `1 element`, `48 elements`. */
const elements = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The name a gradient of this site is bound to (the first binding holding it). */
function gradientName(analysis: Analysis, site: GradientSite, xIndex: number): string | undefined {
  const g = site.grads[xIndex];
  if (!g) return undefined;
  for (const b of analysis.bindings) {
    if (b.value.kind === 'tensor' && b.value.node === g) return b.name;
  }
  return undefined;
}

/** The first x element with the largest fan-out, counted over the first elements of x
 *  (at most the picture's budget of them) when no full Jacobian pattern is at hand. */
function busiestElement(analysis: Analysis, site: GradientSite, xIndex: number, xElements: number, deadline: number): number {
  const n = Math.min(xElements, pictureBudget(analysis));
  const path = sitePath(site, xIndex);
  const tracked = Int32Array.from({ length: n }, (_, i) => i);
  const deps = elementDeps(analysis, path, tracked, { ...DEFAULT_DEP_BUDGET, deadline });
  if (!deps) return 0;
  const counts = new Int32Array(n);
  site.ys.forEach((y, k) => {
    const dep = path.ysReached[k] ? deps.deps.get(y) : undefined;
    if (dep) addCounts(dep, deps.W, counts);
  });
  let best = 0;
  for (let i = 1; i < n; i++) if (counts[i] > counts[best]) best = i;
  return best;
}

function fullGrid(analysis: Analysis, site: GradientSite, xIndex: number, ex: Explanation, deadline: number): JacobianGrid | null {
  const j = jacobianOf(analysis, site, xIndex, { maxEntries: pictureBudget(analysis), deadline });
  if (!j) return null;
  const rowIndex: JacobianGrid['rowIndex'] = [];
  j.ys.forEach((y, k) => {
    const n = y.shape.reduce((a, d) => a * d, 1);
    for (let e = 0; e < n; e++) rowIndex.push({ y: k, index: unravelIndex(e, y.shape) });
  });
  return {
    scope: 'full',
    rows: j.rows,
    cols: j.cols,
    ys: j.ys.map((y) => ({ name: y.name, shape: y.shape })),
    rowIndex,
    xName: ex.x,
    xShape: j.xShape,
    colFlat: Array.from({ length: j.cols }, (_, i) => i),
    values: Array.from(j.values, finite),
    pattern: Array.from(j.pattern),
    chosenCol: -1,
  };
}

/** The ys elements the chosen element reaches (the terms' rows) × a window of x elements
 *  around it: one gradient evaluation per row. */
function blockGrid(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  ex: Explanation,
  c: Contributions,
  chosen: number,
  xShape: number[],
  deadline: number,
): JacobianGrid | null {
  const rowsApi = VjpRows.build(analysis, site, xIndex, deadline);
  if (!rowsApi || c.terms.length === 0) return null;
  const xElements = xShape.reduce((a, d) => a * d, 1);
  const width = Math.min(xElements, MAX_BLOCK_COLS);
  const first = Math.max(0, Math.min(chosen - Math.floor(width / 2), xElements - width));
  const colFlat = Array.from({ length: width }, (_, i) => first + i);
  const path = sitePath(site, xIndex);
  const deps = elementDeps(analysis, path, Int32Array.from(colFlat), { ...DEFAULT_DEP_BUDGET, deadline });
  const terms = c.terms.slice(0, MAX_BLOCK_ROWS);
  const values: number[] = [];
  const pattern: number[] = [];
  const rowIndex: JacobianGrid['rowIndex'] = [];
  for (const t of terms) {
    const shape = rowsApi.ysShapes[t.ysIndex];
    let e = 0;
    for (let i = 0; i < shape.length; i++) e = e * shape[i] + t.yIndex[i];
    const row = rowsApi.rowSum([{ k: t.ysIndex, e }]);
    if (!row) return null;
    const bits = deps?.deps.get(site.ys[t.ysIndex]);
    rowIndex.push({ y: t.ysIndex, index: t.yIndex.slice() });
    colFlat.forEach((col, b) => {
      values.push(finite(row[col]));
      // Without the element pattern, a nonzero value is the best evidence of a term.
      const structural = bits && deps ? (bits[e * deps.W + (b >>> 5)] >>> (b & 31)) & 1 : row[col] !== 0 ? 1 : 0;
      pattern.push(col === chosen ? 1 : structural);
    });
  }
  return {
    scope: 'block',
    rows: terms.length,
    cols: width,
    ys: site.ys.map((_y, k) => ({ name: ex.ys[k] ?? `y${k}`, shape: rowsApi.ysShapes[k].slice() })),
    rowIndex,
    xName: ex.x,
    xShape,
    colFlat,
    values,
    pattern,
    chosenCol: colFlat.indexOf(chosen),
  };
}

export interface PictureOptions extends ExplainOptions {
  /** Milliseconds the picture's grid and terms may take after the explanation; by default
   *  the analysis's `tgraph.pictureTimeoutMs`. */
  pictureTimeoutMs?: number;
}

/** The picture of x number `xIndex` of a gradient site. `element`: the x element whose
 *  terms are listed (flat index); by default the first with the largest fan-out. `options`
 *  are the explanation's and the picture's time (the default budgets unless a test or tool
 *  sets them). */
export function explainPicture(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  element?: number,
  options: PictureOptions = {},
): ExplainPicture {
  const explanation = explainSite(analysis, site, xIndex, options);
  const picture: ExplainPicture = {
    explanation,
    jacobian: null,
    chosen: null,
    contributions: null,
    gradientName: gradientName(analysis, site, xIndex),
  };
  const timeoutMs = options.pictureTimeoutMs ?? analysis.budgets?.pictureTimeoutMs ?? DEFAULT_BUDGETS.pictureTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const outOfTime = (why?: string) =>
    `the picture ran out of its time (${formatCount(timeoutMs)} ms) ${raiseHint('pictureTimeoutMs')}${why ? `: ${why}` : ''}; the explanation above is complete as it says`;
  try {
    const x = site.xs[xIndex];
    const xValue = x && analysis.valueOf(x);
    if (!xValue || !site.grads[xIndex] || explanation.method === 'none') {
      picture.jacobianNote = !site.grads[xIndex]
        ? 'no y depends on this x: there is no sum to draw'
        : !xValue
          ? 'the values are not available (an input is not fed, or the evaluation failed)'
          : 'the explanation could not be computed (it says why), so neither can the picture';
      return picture;
    }
    const xShape = xValue.shape.slice();
    const xElements = xValue.data.length;
    // The whole grid gets half the time: past it, the block one element reaches still fits.
    let full: JacobianGrid | null = null;
    let fullOutOfTime = false;
    try {
      full = fullGrid(analysis, site, xIndex, explanation, Date.now() + timeoutMs / 2);
    } catch (e) {
      if (!(e instanceof ExplainTimeout)) throw e;
      fullOutOfTime = true;
    }
    let chosen = element !== undefined && Number.isInteger(element) && element >= 0 && element < xElements ? element : -1;
    if (chosen < 0 && full) {
      // The first column with the most structural terms.
      const counts = new Array<number>(full.cols).fill(0);
      for (let r = 0; r < full.rows; r++) for (let c = 0; c < full.cols; c++) counts[c] += full.pattern[r * full.cols + c];
      chosen = counts.indexOf(largest(counts));
    }
    if (chosen < 0) chosen = busiestElement(analysis, site, xIndex, xElements, deadline);
    picture.chosen = { flat: chosen, index: unravelIndex(chosen, xShape) };
    if (full) {
      full.chosenCol = chosen;
      picture.jacobian = full;
    }
    picture.contributions = contributions(analysis, site, xIndex, chosen, { maxTerms: MAX_BLOCK_ROWS, deadline });
    if (full) return picture;
    const cells = (explanation.ysElements ?? Infinity) * xElements;
    const budget = pictureBudget(analysis);
    picture.jacobianNote =
      cells > budget
        ? `the whole Jacobian has ${Number.isFinite(cells) ? formatCount(cells) : 'too many'} entries, over the picture's ${budget} ${raiseHint('maxPictureEntries')}`
        : fullOutOfTime
          ? `the whole Jacobian takes more gradient evaluations than fit in the picture's time (${formatCount(timeoutMs)} ms) ${raiseHint('pictureTimeoutMs')}`
          : `the whole Jacobian's element pattern is not at hand (${explanation.method === 'exact' ? 'an evaluation failed' : 'the explanation counted from the axes'})`;
    if (picture.contributions)
      picture.jacobian = blockGrid(analysis, site, xIndex, explanation, picture.contributions, chosen, xShape, deadline);
    // The element walks give up quietly when time runs out; the note must not blame the data.
    if (!picture.jacobian && Date.now() > deadline) throw new ExplainTimeout('');
    picture.jacobianNote += picture.jacobian
      ? `: this is the block of the ${elements(picture.jacobian.rows, 'ys element')} ${explanation.x}[${picture.chosen.index.join(', ')}] reaches${picture.contributions?.truncated ? ` (the first ${picture.jacobian.rows} of ${picture.contributions.count})` : ''}, over ${elements(picture.jacobian.cols, 'element')} of ${explanation.x} around it`
      : picture.contributions
        ? ': only the terms of one element are shown'
        : `: the terms of ${explanation.x}[${picture.chosen.index.join(', ')}] could not be computed either`;
  } catch (e) {
    picture.jacobianNote =
      e instanceof ExplainTimeout ? outOfTime(e.message) : `the picture could not be computed: ${(e as Error)?.message ?? String(e)}`;
  }
  return picture;
}

/** The pictures of every x of the given sites, in order (one per explanation). */
export function explainPictures(analysis: Analysis, sites: readonly GradientSite[]): ExplainPicture[] {
  return sites.flatMap((site) => site.xs.map((_, i) => explainPicture(analysis, site, i)));
}
