// The one plain sentence a hover and `tgraph run` show for a gradient: what was summed,
// how many terms each entry adds, where the summed axes came from (in the words of the op
// that made them: a stack's copies, a batch, the positions a filter visits, the rows a
// gather picks), what routes to a maximum, and what to divide by.

import type { Origin, Pattern } from './axes';
import type { LabelRole, Verb } from '../ops/dependence';
import { elementName } from './path';
import { largest, smallest } from '../extremes';

/** One summed axis, as the explanation reports it (the spec's `summedAxes` entries). */
export interface SummedAxis {
  /** The tensor that holds the axis: a binding name, else the expression's text. */
  tensor: string;
  axis: number;
  /** The axis's length. */
  size: number | null;
  /** How many positions along the axis one element of x reaches, at most: the terms it adds. */
  reach: number | null;
  origin: Origin;
  /** Line of the op that made the axis (stack, concat, tile, broadcast, batch) or, for a
   *  `reduction`, of the reduction that summed it. */
  line: number | null;
  op: string | null;
  /** Who summed it: `gradients` (the Σ over ys) or the reduction op inside the graph. */
  summedBy: string;
  /** For a `reduction`: what made the axis the reduction folded, where, and how it folds. */
  createdBy?: Origin;
  createdAt?: number;
  createdOp?: string;
  verb?: Verb;
  /** The declaration's pattern that made the multiplicity (window, contraction, gather, ...). */
  pattern?: Pattern;
  /** What the axis stands for in the op that made it: examples, positions, classes. */
  role?: LabelRole;
  /** The tensor whose own axis it is: a contraction's other operand (x's sequence axis in
   *  x @ Wv), the input a filter visits. */
  of?: { tensor: string; axis: number };
  /** A batch axis: it descends from the `None` axis of placeholder `batchOf`. */
  batch: boolean;
  batchOf?: string;
  /** The sum over it was already divided by its size (`reduce_mean`, or a division). */
  mean?: boolean;
  meanBy?: string;
  /** How many elements that mean divides by (the reduction's whole count). */
  meanOver?: number | null;
  /** A stack/concat/tile of copies of one tensor: the sum is `reach × ∂copiesOf/∂x`. */
  copiesOf?: string;
  /** `ys-list` and `reuse` are not axes of a tensor: `axis` is 0 of the implicit list. */
  implicit?: boolean;
  /** For a contraction: the other operand, whose axis x meets. */
  with?: string;
  /** For `reuse`: the lines of the uses; for a record standing for several alike ones
   *  (`count`), their lines. */
  lines?: number[];
  /** How many alike sums (or reused tensors) this record stands for: a deep net's layers. */
  count?: number;
  /** For a record of several reused tensors: the first of them. */
  tensors?: string[];
  /** For a gather: the rows picked more than once (with the index positions that pick them)
   *  and the rows never picked. */
  gathered?: {
    params: string;
    indices: string;
    rows: number;
    repeated: { row: number; count: number; at: number[] }[];
    missing: number[];
    missingCount: number;
  };
}

/** An op on the path that routes the gradient by value (max pooling, reduce_max). */
export interface Route {
  op: string;
  line: number;
  to: 'maximum' | 'minimum';
  /** What it picks among: `window` (pooling) or `group` (a reduction). */
  among: 'window' | 'group';
  /** Every tie gets a share (reduce_max), or the first maximum (max pooling). */
  ties: 'all' | 'first';
}

export interface SentenceParts {
  meaning: string;
  ys: { name: string; size: number | null }[];
  ysElements: number | null;
  x: string;
  xRank: number;
  connected: boolean;
  fanOut: [number, number] | null;
  summedAxes: readonly SummedAxis[];
  batchSize: number | null;
  advice: 'divide' | 'already-mean' | null;
  routes?: readonly Route[];
  /** How many elements of x reach none of the ys (exact method only). */
  unreached?: number | null;
  xElements?: number | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function wrap(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `(${s})`;
}

function where(a: SummedAxis): string {
  return a.op ? `${a.op}${a.line !== null ? ` at line ${a.line}` : ''}` : '';
}

function sizeText(n: number | null | undefined): string {
  return n === null || n === undefined ? '?' : String(n);
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** `E[0] twice (ids[0], ids[4]) and E[2] twice (ids[1], ids[2])`, at most four rows. */
function picks(g: NonNullable<SummedAxis['gathered']>): string {
  const shown = g.repeated
    .slice(0, 4)
    .map(
      (r) =>
        `${g.params}[${r.row}] ${times(r.count)} (${r.at.map((i) => `${g.indices}[${i}]`).join(', ')}${r.at.length < r.count ? ', ...' : ''})`,
    );
  const more = g.repeated.length > 4 ? ` and ${g.repeated.length - 4} more rows` : '';
  return shown.join(' and ') + more;
}

function gatherText(a: SummedAxis): string {
  const g = a.gathered!;
  const parts: string[] = [];
  if (g.repeated.length) {
    const most = largest(g.repeated.map((r) => r.count));
    parts.push(
      `it picks ${picks(g)}, so ${g.repeated.length === 1 ? 'its gradient adds' : 'their gradients add'} ${most === smallest(g.repeated.map((r) => r.count)) ? most : `up to ${most}`} rows`,
    );
  }
  if (g.missingCount) {
    const rows =
      g.missing.map((r) => `${g.params}[${r}]`).join(', ') + (g.missingCount > g.missing.length ? `, ... (${g.missingCount} rows)` : '');
    parts.push(`${rows} ${g.missingCount === 1 ? 'is' : 'are'} never gathered: ${g.missingCount === 1 ? 'its' : 'their'} gradient is 0`);
  }
  return parts.join('; ');
}

export function describeAxis(a: SummedAxis, x = 'x'): string {
  const head = `axis ${a.axis} of ${a.tensor}, size ${sizeText(a.size)}`;
  const copies = a.reach !== null && a.reach !== a.size ? `, ${a.reach} copies` : '';
  switch (a.origin) {
    case 'ys-list':
      return `one in each of the ${sizeText(a.size)} ys`;
    case 'stack':
    case 'concat':
    case 'tile':
      return `${head}${copies}, from ${where(a)}`;
    case 'batch':
      return `${head}, the batch axis of ${a.batchOf ?? 'a placeholder'}${a.op ? `, through ${where(a)}` : ''}${a.gathered ? `: ${gatherText(a)}` : ''}`;
    case 'broadcast':
      // Name the tensor the axis comes from when there is one: the user knows x's axes, not
      // which operand the op broadcast.
      if (a.of) return `${head}, which is axis ${a.of.axis} of ${a.of.tensor}: ${where(a)} broadcasts ${x} over it`;
      return `${head}, broadcast by ${where(a)}`;
    default:
      if (a.gathered) return `${head}, from ${where(a)}: ${gatherText(a)}`;
      if (a.pattern === 'scan')
        return `${head}, from ${where(a)}: each ${x} element reaches the elements from its own on (up to ${sizeText(a.reach)})`;
      if (a.pattern === 'rule') return `${head}, through ${where(a)}, whose grad rule decides which elements depend on which`;
      if (a.pattern === 'window' && !a.of) return `${head}, up to ${sizeText(a.reach)} overlapping windows of ${where(a)}`;
      if (a.of)
        return `${head}, which is axis ${a.of.axis} of ${a.of.tensor}: ${where(a)} meets ${x} at each of its ${sizeText(a.size)} positions`;
      return `${head}${a.op ? `, through ${where(a)}` : ''}`;
  }
}

/** The window ops, said once each: `conv2d at line 4 applies f at 5×5 positions of each of 4
 *  examples` when x is spread over the positions of another tensor (a filter), `each element
 *  of x is in up to 3×3 windows of conv2d at line 4` when x is read through the windows. */
function windowClauses(axes: readonly SummedAxis[], x: string): string[] {
  const byOp = new Map<string, SummedAxis[]>();
  for (const a of axes) {
    const windowed = a.role === 'positions' || (a.pattern === 'window' && (a.role === 'examples' || a.batch));
    if (!windowed) continue;
    const op =
      a.origin === 'reduction' ? (a.createdOp && a.createdAt !== undefined ? `${a.createdOp} at line ${a.createdAt}` : null) : where(a);
    if (!op) continue;
    const list = byOp.get(op) ?? [];
    if (!list.some((b) => b.role === a.role && b.reach === a.reach && b.batch === a.batch && b.tensor === a.tensor && b.axis === a.axis))
      list.push(a);
    byOp.set(op, list);
  }
  const out: string[] = [];
  for (const [op, list] of byOp) {
    const spread = list.filter((a) => a.role === 'positions' && a.of).map((a) => sizeText(a.reach));
    const read = list.filter((a) => a.role === 'positions' && !a.of).map((a) => sizeText(a.reach));
    const examples = list.find((a) => a.role === 'examples' || a.batch);
    if (spread.length)
      out.push(`${op} applies ${x} at ${spread.join('×')} positions${examples ? ` of each of ${sizeText(examples.reach)} examples` : ''}`);
    if (read.length) out.push(`each element of ${x} is in up to ${read.join('×')} windows of ${op}`);
  }
  return out;
}

function product(list: readonly SummedAxis[]): number | null {
  return list.reduce<number | null>((n, a) => (n === null || a.reach === null ? null : n * a.reach), 1);
}

/** One clause per reduction inside the graph (its records grouped: reduce_mean over axes 0,
 *  1, 2 is one sum of their product); a record standing for many alike sums (a deep net's
 *  hidden layers) says how many. */
function reductionClauses(inside: readonly SummedAxis[], x: string): string[] {
  const groups = new Map<string, SummedAxis[]>();
  for (const a of inside) {
    const key = `${a.summedBy} ${a.line} ${a.tensor}`;
    const list = groups.get(key) ?? [];
    if (!list.some((b) => b.axis === a.axis)) list.push(a);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const a = list[0];
    if (!a.count || a.count < 2) return describeReduction(list);
    const lines = a.lines ?? [];
    const span = lines.length ? ` (lines ${smallest(lines)}–${largest(lines)})` : '';
    return `inside, ${a.count} ${a.summedBy} ops${span} each ${plainVerb(a.verb ?? 'sums')} an axis of size ${sizeText(a.size)} that ${x} reaches at ${sizeText(a.reach)} positions (the chain rule through hidden units), so each adds ${sizeText(a.reach)} terms`;
  });
}

/** The verb after a plural subject: `sums` → `sum`, `takes the maximum of` → `take ...`. */
function plainVerb(verb: Verb): string {
  const [first, ...rest] = verb.split(' ');
  const plain = first.endsWith('ies') ? `${first.slice(0, -3)}y` : first.endsWith('xes') ? first.slice(0, -2) : first.slice(0, -1);
  return [plain, ...rest].join(' ');
}

function describeReduction(list: readonly SummedAxis[]): string {
  const a = list[0];
  const averages = a.verb === 'averages' || a.summedBy === 'reduce_mean';
  const verb = a.verb ?? (averages ? 'averages' : 'sums');
  const batch = list.some((b) => b.batch);
  const what = (b: SummedAxis) =>
    b.batch
      ? `the batch axis of ${b.batchOf ?? 'a placeholder'}`
      : b.role === 'positions' && b.createdOp
        ? `positions of ${b.createdOp} at line ${b.createdAt}`
        : b.of
          ? `axis ${b.of.axis} of ${b.of.tensor}`
          : b.createdBy && b.createdBy !== 'other'
            ? `made by ${b.createdBy}`
            : null;
  const n = product(list);
  const terms = `${sizeText(n)} ${batch && list.length === 1 ? 'per-example ' : ''}terms`;
  let head: string;
  if (list.length === 1) {
    const w = what(a);
    head = `inside, ${where(a)} ${verb} axis ${a.axis} of ${a.tensor} (size ${sizeText(a.size)}${a.reach !== a.size ? `, ${sizeText(a.reach)} of its positions reached` : ''}${w ? `, ${w}` : ''})`;
  } else {
    const whats = [...new Set(list.map(what).filter((w): w is string => w !== null))];
    head = `inside, ${where(a)} ${verb} axes ${list.map((b) => b.axis).join(', ')} of ${a.tensor} (sizes ${list.map((b) => sizeText(b.size)).join(', ')}${whats.length ? `: ${whats.join(' and ')}` : ''})`;
  }
  const gathered = list.find((b) => b.gathered);
  if (gathered?.createdOp) head += `; ${gathered.createdOp} at line ${gathered.createdAt} ${gatherText(gathered).replace(/^it /, '')}`;
  if (verb === 'takes the maximum of' || verb === 'takes the minimum of')
    return `${head}, so each entry takes the term of the ${verb === 'takes the maximum of' ? 'maximum' : 'minimum'} only`;
  if (verb === 'mixes' || verb === 'combines' || verb === 'multiplies') return `${head}, so each entry adds ${terms}`;
  if (averages && a.meanOver && n !== null && a.meanOver !== n)
    return `${head}, so each entry adds ${terms}, each divided by ${a.meanOver}`;
  return `${head}, so each entry ${averages ? `is the mean of ${terms}` : `adds ${terms}`}`;
}

function routeClauses(routes: readonly Route[], x: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of routes) {
    const key = `${r.op} ${r.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const of = r.among === 'window' ? 'each window' : 'each group it reduces';
    const ties = r.ties === 'all' ? ' (tied elements share it)' : r.among === 'window' ? ' (the first one, at ties)' : '';
    out.push(
      `${r.op} at line ${r.line} routes the gradient to the ${r.to} of ${of}${ties}: elements of ${x} that are not one get 0 from it`,
    );
  }
  return out;
}

function reuseClauses(reuse: readonly SummedAxis[]): string[] {
  return reuse.map((a) => {
    if (a.count && a.count > 1) {
      const lines = a.lines ?? [];
      const span = lines.length ? `; lines ${smallest(lines)}–${largest(lines)}` : '';
      return `${a.count} tensors on the way (${(a.tensors ?? [a.tensor]).join(', ')}, ...${span}) are each used ${plural(a.size ?? 0, 'time')}, so each of their entries adds one contribution per use`;
    }
    const distinct = [...new Set(a.lines ?? [])];
    const shown = distinct.length > 6 ? `${distinct.slice(0, 3).join(', ')}, ..., ${distinct[distinct.length - 1]}` : distinct.join(', ');
    const lines = distinct.length ? ` (line${distinct.length === 1 ? '' : 's'} ${shown})` : '';
    return `${a.tensor} is used ${plural(a.size ?? 0, 'time')}${lines}, so each entry adds ${sizeText(a.size)} contributions, one per use`;
  });
}

export function composeSentence(p: SentenceParts): string {
  const parts: string[] = [];
  const single = p.ys.length === 1;
  const ysName = single ? p.ys[0].name : `the ${p.ys.length} ys`;
  if (single) {
    const n = p.ys[0].size;
    parts.push(
      n === null ? `${ysName} has an unknown number of elements (a placeholder is not fed)` : `${ysName} has ${plural(n, 'element')}`,
    );
  } else {
    const each = p.ys.map((y) => `${y.name}: ${sizeText(y.size)}`).join(', ');
    parts.push(
      p.ysElements === null
        ? `the ${p.ys.length} ys have an unknown number of elements (${each})`
        : `the ${p.ys.length} ys have ${plural(p.ysElements, 'element')} together (${each})`,
    );
  }
  const elem = elementName(p.x, p.xRank);
  if (!p.connected) {
    parts.push(`no element of ${single ? ysName : 'them'} depends on ${p.x}, so there is nothing to sum: the gradient is None`);
    return `${p.meaning}: ${parts.join('; ')}.`;
  }
  const atGradients = p.summedAxes.filter((a) => a.summedBy === 'gradients' && a.origin !== 'reuse');
  const inside = p.summedAxes.filter((a) => a.origin === 'reduction');
  const reuse = p.summedAxes.filter((a) => a.origin === 'reuse');
  const routes = p.routes ?? [];
  const fan = p.fanOut;
  let reach: string;
  if (!fan) reach = `how many of them each ${elem} reaches is not known`;
  else if (fan[1] === 0) reach = `no ${elem} reaches any of them`;
  else if (fan[0] === 1 && fan[1] === 1) reach = `each ${elem} reaches exactly 1 element of ${single ? ysName : 'them'}`;
  else if (fan[0] === fan[1]) reach = `each ${elem} reaches ${fan[0]} of them`;
  else reach = `each ${elem} reaches between ${fan[0]} and ${fan[1]} of them`;
  if (atGradients.length) reach += ` (${atGradients.map((a) => describeAxis(a, p.x)).join('; ')})`;
  const most = fan ? fan[1] : product(atGradients);
  if (most === null || most > 1 || atGradients.length) {
    const terms =
      fan && fan[0] !== fan[1] ? `a sum of ${fan[0]} to ${fan[1]} terms` : `a sum of ${most === null ? 'several' : plural(most, 'term')}`;
    let tail = '';
    const only = atGradients.length === 1 ? atGradients[0] : null;
    if (only?.copiesOf && only.reach === most && most !== null) tail = ` — ${most} × ∂${wrap(only.copiesOf)}/∂${wrap(p.x)}`;
    else if (atGradients.some((a) => a.batch)) tail = ', one per example of the batch';
    reach += `, so each entry is ${terms}${tail}`;
  } else if (!inside.length && !reuse.length && !routes.length) {
    reach += ', so nothing is summed: the gradient is the per-element derivative';
  }
  parts.push(reach);
  if (p.unreached && p.xElements && p.unreached < p.xElements && !p.summedAxes.some((a) => a.gathered)) {
    parts.push(`${p.unreached} of the ${p.xElements} elements of ${p.x} reach none of them: their gradient is 0`);
  }
  parts.push(...windowClauses(p.summedAxes, p.x));
  parts.push(...routeClauses(routes, p.x));
  parts.push(...reductionClauses(inside, p.x));
  parts.push(...reuseClauses(reuse));
  if (p.advice === 'divide') {
    parts.push(
      `this is the sum of the per-example gradients, not their mean: divide by the batch size ${sizeText(p.batchSize)} for the mean`,
    );
  } else if (p.advice === 'already-mean') {
    const m = p.summedAxes.find((a) => a.batch && a.mean);
    const by = m?.meanBy ?? 'a mean';
    const over = m?.meanOver;
    const divided =
      over && m?.size && over !== m.size
        ? `${over} (every element it averages, the batch of ${m.size} among them)`
        : `the batch size${m?.size ? ` ${m.size}` : ''}`;
    parts.push(`${by} already divided by ${divided}, so this is the mean of the per-example gradients: do not divide again`);
  }
  return `${p.meaning}: ${parts.join('; ')}.`;
}
