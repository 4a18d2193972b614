// Mutation of existing .tgraph files: the examples, the test fixtures, the saved regressions
// and freshly generated programs. A mutation is what a user does by accident while typing
// (a deleted token, a half-written bracket, a pasted line twice) or on purpose to break
// things (numbers replaced by 1e39, -0, nan, inf, sizes like 1e9 and 2147483648, random
// unicode, control characters).

import type { Rng } from './rng';

/** Tokens of .tgraph text, whitespace and comments included, so joining them gives the text
 *  back. Deliberately independent of the engine's lexer. */
const TOKEN =
  /\r\n|\n|[ \t]+|#[^\n]*|[A-Za-z_][A-Za-z0-9_.]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|'[^'\n]*'?|"[^"\n]*"?|\.\.\.|\*\*|\/\/|[<>=!]=|[^]/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const SPACE = /^(?:[ \t]+|\r\n|\n)$/;

export const EXTREMES = [
  '1e39',
  '-1e39',
  '-0',
  '-0.',
  'nan',
  'inf',
  '-inf',
  '1e9',
  '2147483648',
  '2147483647',
  '-2147483648',
  '4294967296',
  '1e308',
  '1e309',
  '5e-324',
  '1e-45',
  '0',
  '0.',
  '-1',
  '1e12',
  '100000',
  '9007199254740993',
  '1e-300',
  '3.4028235e38',
];

const INSERTABLE = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '...',
  '=',
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '@',
  '**',
  '<',
  '<=',
  '==',
  '!=',
  'None',
  'True',
  'False',
  'nan',
  'inf',
  'feed',
  'def',
  'grad',
  'check',
  'assert',
  'and',
  'or',
  'not',
  '\\',
  '\n',
  '#',
  'gradients',
  'reduce_sum',
  'x',
  'y',
  'float64',
  'tf.',
  "'",
  '"',
  ' ',
  '\t',
  '0',
  '-1',
  '1e39',
  'lambda',
  'import',
];

/** Strange but valid-as-text characters: combining marks, zero-width, bidi controls, NUL,
 *  astral-plane emoji, a lone surrogate half, a BOM in the middle, a non-breaking space. */
const UNICODE = [
  '\u0000',
  '\u0007',
  '\u000b',
  '\u000c',
  '\r',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u202e',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ud83d\ude00',
  '\ud83d',
  '\ude00',
  'é',
  'e\u0301',
  'Σ',
  '∂',
  'х',
  'ｘ',
  '𝑥',
  '\uffff',
  '\ufffd',
  '\u{10ffff}',
  '٣',
  '²',
  '½',
];

const MUTATIONS: readonly (readonly [number, (rng: Rng, tokens: string[], donors: readonly string[]) => void])[] = [
  [6, deleteToken],
  [5, insertToken],
  [5, replaceNumber],
  [3, replaceName],
  [3, swapLines],
  [3, duplicateLine],
  [2, deleteLine],
  [3, unbalance],
  [2, insertUnicode],
  [2, spliceDonor],
  [1, truncate],
  [1, nestDeeply],
  [1, repeatToken],
  [1, toggleLineEndings],
];

/** One to four mutations of `text`; `donors` are other files to splice lines from. */
export function mutate(rng: Rng, text: string, donors: readonly string[] = []): string {
  const tokens = tokenize(text);
  const n = rng.weighted([
    [5, 1],
    [3, 2],
    [2, 3],
    [1, 4],
  ]);
  for (let i = 0; i < n; i++) rng.weighted(MUTATIONS)(rng, tokens, donors);
  let out = tokens.join('');
  if (rng.chance(0.02)) out = '\ufeff' + out;
  return out;
}

function meaningful(tokens: string[]): number[] {
  const out: number[] = [];
  tokens.forEach((t, i) => {
    if (!SPACE.test(t)) out.push(i);
  });
  return out;
}

function deleteToken(rng: Rng, tokens: string[]): void {
  const idx = meaningful(tokens);
  if (idx.length) tokens.splice(rng.pick(idx), 1);
}

function insertToken(rng: Rng, tokens: string[]): void {
  const at = rng.int(0, tokens.length);
  const from = tokens.length && rng.chance(0.4) ? rng.pick(tokens) : rng.pick(INSERTABLE);
  tokens.splice(at, 0, from);
}

function replaceNumber(rng: Rng, tokens: string[]): void {
  const idx = tokens.map((t, i) => (NUMBER.test(t) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return insertToken(rng, tokens);
  const i = rng.pick(idx);
  tokens[i] = rng.chance(0.8) ? rng.pick(EXTREMES) : String(Number(tokens[i]) + rng.pick([1, -1, 1000]));
}

function replaceName(rng: Rng, tokens: string[]): void {
  const idx = tokens.map((t, i) => (NAME.test(t) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return;
  const i = rng.pick(idx);
  tokens[i] = rng.chance(0.7)
    ? tokens[rng.pick(idx)]
    : rng.pick(['None', 'x', 'float32', 'gradients', 'jacobian', 'hessian', 'feed', 'def', 'nan', tokens[i] + '_']);
}

/** The index ranges of lines (each line's tokens, newline token included). */
function lineRanges(tokens: string[]): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  tokens.forEach((t, i) => {
    if (t === '\n' || t === '\r\n') {
      ranges.push([start, i + 1]);
      start = i + 1;
    }
  });
  if (start < tokens.length) ranges.push([start, tokens.length]);
  return ranges;
}

function withLines(tokens: string[], f: (lines: string[][]) => void): void {
  const lines = lineRanges(tokens).map(([a, b]) => tokens.slice(a, b));
  // Every line ends with a newline while we shuffle them; the last one may not have had one.
  const last = lines[lines.length - 1];
  const hadFinalNewline = !last || last[last.length - 1] === '\n' || last[last.length - 1] === '\r\n';
  if (last && !hadFinalNewline) last.push('\n');
  f(lines);
  const flat = lines.flat();
  if (!hadFinalNewline && flat.length && flat[flat.length - 1] === '\n') flat.pop();
  tokens.splice(0, tokens.length, ...flat);
}

function swapLines(rng: Rng, tokens: string[]): void {
  withLines(tokens, (lines) => {
    if (lines.length < 2) return;
    const a = rng.int(0, lines.length - 1);
    const b = rng.chance(0.5) ? Math.min(lines.length - 1, a + 1) : rng.int(0, lines.length - 1);
    [lines[a], lines[b]] = [lines[b], lines[a]];
  });
}

function duplicateLine(rng: Rng, tokens: string[]): void {
  withLines(tokens, (lines) => {
    if (!lines.length) return;
    const a = rng.int(0, lines.length - 1);
    const copies = rng.chance(0.9) ? 1 : rng.int(2, 50);
    lines.splice(a, 0, ...Array.from({ length: copies }, () => lines[a].slice()));
  });
}

function deleteLine(rng: Rng, tokens: string[]): void {
  withLines(tokens, (lines) => {
    if (lines.length) lines.splice(rng.int(0, lines.length - 1), 1);
  });
}

function unbalance(rng: Rng, tokens: string[]): void {
  const brackets = tokens.map((t, i) => ('()[]{}'.includes(t) && t.length === 1 ? i : -1)).filter((i) => i >= 0);
  if (brackets.length && rng.chance(0.5)) tokens.splice(rng.pick(brackets), 1);
  else tokens.splice(rng.int(0, tokens.length), 0, rng.pick(['(', '[', '{', ')', ']', '}', '((((', ']]]', '([)]']));
}

function insertUnicode(rng: Rng, tokens: string[]): void {
  const at = rng.int(0, tokens.length);
  let s = '';
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) s += rng.chance(0.7) ? rng.pick(UNICODE) : String.fromCodePoint(rng.int(0, 0x10ffff));
  tokens.splice(at, 0, s);
}

function spliceDonor(rng: Rng, tokens: string[], donors: readonly string[]): void {
  if (!donors.length) return duplicateLine(rng, tokens);
  const donorLines = rng.pick(donors).split('\n');
  const from = rng.int(0, donorLines.length - 1);
  const chunk = donorLines.slice(from, from + rng.int(1, 4)).join('\n') + '\n';
  withLines(tokens, (lines) => {
    lines.splice(rng.int(0, lines.length), 0, tokenize(chunk));
  });
}

function truncate(rng: Rng, tokens: string[]): void {
  if (tokens.length) tokens.splice(rng.int(0, tokens.length - 1));
}

function nestDeeply(rng: Rng, tokens: string[]): void {
  const idx = meaningful(tokens).filter((i) => NAME.test(tokens[i]) || NUMBER.test(tokens[i]));
  if (!idx.length) return;
  const i = rng.pick(idx);
  const depth = rng.pick([10, 100, 199, 200, 201, 300]);
  const [open, close] = rng.pick([
    ['(', ')'],
    ['[', ']'],
    ['-', ''],
    ['not ', ''],
    ['abs(', ')'],
  ]);
  tokens[i] = open.repeat(depth) + tokens[i] + close.repeat(depth);
}

function repeatToken(rng: Rng, tokens: string[]): void {
  const idx = meaningful(tokens);
  if (!idx.length) return;
  const i = rng.pick(idx);
  tokens[i] = tokens[i].repeat(rng.int(2, 200));
}

function toggleLineEndings(rng: Rng, tokens: string[]): void {
  const crlf = rng.chance(0.5);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === '\n' && crlf) tokens[i] = '\r\n';
    else if (tokens[i] === '\r\n' && !crlf) tokens[i] = '\n';
    else if (tokens[i] === '\n' && rng.chance(0.1)) tokens[i] = '\r';
  }
}
