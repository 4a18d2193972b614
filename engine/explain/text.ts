// The one plain sentence a hover and `tgraph run` show for a gradient: what was summed,
// how many terms each entry adds, where the summed axes came from, and what to divide by.

import type { Origin } from './axes';
import { elementName } from './path';

/** One summed axis, as the explanation reports it (the spec's `summedAxes` entries). */
export interface SummedAxis {
  /** The tensor that holds the axis: a binding name, else the expression's text. */
  tensor: string;
  axis: number;
  /** How many positions along the axis one element of x reaches: the terms it adds. */
  size: number | null;
  origin: Origin;
  /** Line of the op that made the axis (stack, concat, tile, broadcast, batch) or, for a
   *  `reduction`, of the reduction that summed it. */
  line: number | null;
  op: string | null;
  /** Who summed it: `gradients` (the Σ over ys) or the reduction op inside the graph. */
  summedBy: string;
  /** For a `reduction`: what made the axis the reduction folded. */
  createdBy?: Origin;
  /** A batch axis: it descends from the `None` axis of placeholder `batchOf`. */
  batch: boolean;
  batchOf?: string;
  /** The sum over it was already divided by its size (`reduce_mean`, or a division). */
  mean?: boolean;
  meanBy?: string;
  /** A stack/concat/tile of copies of one tensor: the sum is `size × ∂copiesOf/∂x`. */
  copiesOf?: string;
  /** `ys-list` and `reuse` are not axes of a tensor: `axis` is 0 of the implicit list. */
  implicit?: boolean;
  /** For a broadcast by a product (matmul): the other operand, whose axis x meets. */
  with?: string;
  /** For `reuse`: the lines of the uses. */
  lines?: number[];
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
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function wrap(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `(${s})`;
}

function where(a: SummedAxis): string {
  return a.op ? `${a.op}${a.line !== null ? ` at line ${a.line}` : ''}` : '';
}

function sizeText(n: number | null): string {
  return n === null ? '?' : String(n);
}

export function describeAxis(a: SummedAxis): string {
  const head = `axis ${a.axis} of ${a.tensor}, size ${sizeText(a.size)}`;
  switch (a.origin) {
    case 'ys-list':
      return `one in each of the ${sizeText(a.size)} ys`;
    case 'stack':
    case 'concat':
    case 'tile':
      return `${head}, from ${where(a)}`;
    case 'batch':
      return `${head}, the batch axis of ${a.batchOf ?? 'a placeholder'}${a.op ? `, through ${where(a)}` : ''}`;
    case 'broadcast':
      return a.with ? `${head}, from ${a.op} with ${a.with}${a.line !== null ? ` at line ${a.line}` : ''}` : `${head}, broadcast by ${where(a)}`;
    default:
      return `${head}${a.op ? `, through ${where(a)}` : ''}`;
  }
}

function describeReduction(a: SummedAxis): string {
  const n = sizeText(a.size);
  const what = a.batch ? `the batch axis of ${a.batchOf ?? 'a placeholder'}` : a.createdBy && a.createdBy !== 'other' ? `made by ${a.createdBy}` : null;
  const terms = `${n} ${a.batch ? 'per-example ' : ''}terms`;
  const averages = a.summedBy === 'reduce_mean';
  return `inside, ${where(a)} ${averages ? 'averages' : 'sums'} axis ${a.axis} of ${a.tensor} (size ${n}${what ? `, ${what}` : ''}), so each entry ${averages ? `is the mean of ${terms}` : `adds ${terms}`}`;
}

export function composeSentence(p: SentenceParts): string {
  const parts: string[] = [];
  const single = p.ys.length === 1;
  const ysName = single ? p.ys[0].name : `the ${p.ys.length} ys`;
  if (single) {
    const n = p.ys[0].size;
    parts.push(n === null ? `${ysName} has an unknown number of elements (a placeholder is not fed)` : `${ysName} has ${plural(n, 'element')}`);
  } else {
    const each = p.ys.map((y) => `${y.name}: ${sizeText(y.size)}`).join(', ');
    parts.push(p.ysElements === null ? `the ${p.ys.length} ys have an unknown number of elements (${each})` : `the ${p.ys.length} ys have ${plural(p.ysElements, 'element')} together (${each})`);
  }
  const elem = elementName(p.x, p.xRank);
  if (!p.connected) {
    parts.push(`no element of ${single ? ysName : 'them'} depends on ${p.x}, so there is nothing to sum: the gradient is None`);
    return `${p.meaning}: ${parts.join('; ')}.`;
  }
  const atGradients = p.summedAxes.filter((a) => a.summedBy === 'gradients' && a.origin !== 'reuse');
  const inside = p.summedAxes.filter((a) => a.origin === 'reduction');
  const reuse = p.summedAxes.filter((a) => a.origin === 'reuse');
  const fan = p.fanOut;
  let reach: string;
  if (!fan) reach = `how many of them each ${elem} reaches is not known`;
  else if (fan[1] === 0) reach = `no ${elem} reaches any of them`;
  else if (fan[0] === 1 && fan[1] === 1) reach = `each ${elem} reaches exactly 1 element of ${single ? ysName : 'them'}`;
  else if (fan[0] === fan[1]) reach = `each ${elem} reaches ${fan[0]} of them`;
  else reach = `each ${elem} reaches between ${fan[0]} and ${fan[1]} of them`;
  if (atGradients.length) reach += ` (${atGradients.map(describeAxis).join('; ')})`;
  const most = fan ? fan[1] : atGradients.reduce<number | null>((n, a) => (n === null || a.size === null ? null : n * a.size), 1);
  if ((most === null || most > 1) || atGradients.length) {
    const terms = fan && fan[0] !== fan[1] ? `a sum of ${fan[0]} to ${fan[1]} terms` : `a sum of ${most === null ? 'several' : plural(most, 'term')}`;
    let tail = '';
    const only = atGradients.length === 1 ? atGradients[0] : null;
    if (only?.copiesOf && only.size === most && most !== null) tail = ` — ${most} × ∂${wrap(only.copiesOf)}/∂${wrap(p.x)}`;
    else if (atGradients.some((a) => a.batch)) tail = ', one per example of the batch';
    reach += `, so each entry is ${terms}${tail}`;
  } else if (!inside.length && !reuse.length) {
    reach += ', so nothing is summed: the gradient is the per-element derivative';
  }
  parts.push(reach);
  for (const a of inside) parts.push(describeReduction(a));
  for (const a of reuse) {
    const lines = a.lines && a.lines.length ? ` (line${new Set(a.lines).size === 1 ? '' : 's'} ${[...new Set(a.lines)].join(', ')})` : '';
    parts.push(`${a.tensor} is used ${plural(a.size ?? 0, 'time')}${lines}, so each entry adds ${sizeText(a.size)} contributions, one per use`);
  }
  if (p.advice === 'divide') {
    parts.push(`this is the sum of the per-example gradients, not their mean: divide by the batch size ${sizeText(p.batchSize)} for the mean`);
  } else if (p.advice === 'already-mean') {
    const m = p.summedAxes.find((a) => a.batch && a.mean);
    parts.push(`${m?.meanBy ?? 'a mean'} already divided by the batch size${m?.size ? ` ${m.size}` : ''}, so this is the mean of the per-example gradients: do not divide again`);
  }
  return `${p.meaning}: ${parts.join('; ')}.`;
}
