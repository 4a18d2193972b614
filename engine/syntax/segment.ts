// Cutting a token stream into statements before parsing them: where each statement ends
// (newlines outside brackets, and the column-0 lines that look like a statement's start
// inside an unclosed bracket), and the token classes the parser shares with it.

import {
  TokenStream,
  STATEMENT_KEYWORDS,
  OPERATOR_WORDS,
  OP_BASE,
  T_EOF,
  T_NEWLINE,
  T_NAME,
  OP_LPAREN,
  OP_RPAREN,
  OP_LBRACKET,
  OP_RBRACKET,
  OP_LBRACE,
  OP_RBRACE,
  OP_ELLIPSIS,
  OP_ASSIGN,
  OP_PLUS,
  OP_MINUS,
} from './lexer';

import { STATEMENT_BY_KEYWORD } from './statements';
import { largest, smallest } from '../extremes';

// ---------------------------------------------------------------------------------------------
// Token classes

function isOpener(k: number): boolean {
  return k === OP_LPAREN || k === OP_LBRACKET || k === OP_LBRACE;
}

export function isCloser(k: number): boolean {
  return k === OP_RPAREN || k === OP_RBRACKET || k === OP_RBRACE;
}

export const CLOSER_OF: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** True when token i (the one after a statement keyword) lets the keyword be a keyword. */
export function keywordMayPrecede(ts: TokenStream, i: number, end: number): boolean {
  // (`print`, `print[0]`, `print - 1` are expressions: see `operandOnly`)
  if (isOperandOnlyKeyword(ts, i - 1))
    return i < end && (ts.kinds[i] === OP_LPAREN || (ts.kinds[i] < OP_BASE && ts.kinds[i] !== T_NEWLINE && ts.kinds[i] !== T_EOF));
  if (i >= end) return true;
  const k = ts.kinds[i];
  if (k >= OP_BASE) {
    return k === OP_LPAREN || k === OP_LBRACKET || k === OP_LBRACE || k === OP_MINUS || k === OP_PLUS || k === OP_ELLIPSIS;
  }
  if (k === T_NAME) return !ts.isWord(i, 'and') && !ts.isWord(i, 'or');
  return true; // number, string, invalid, newline, eof
}

/** A name that can be bound: no dots, not reserved, not a literal (`True`, `nan`, ...). */
export function isPlainName(ts: TokenStream, i: number): boolean {
  if (ts.kinds[i] !== T_NAME) return false;
  const start = ts.starts[i];
  const end = ts.ends[i];
  for (let j = start; j < end; j++) if (ts.text.charCodeAt(j) === 46 /* . */) return false;
  if (end - start > 5) return true; // longer than every reserved word
  const s = ts.source(i);
  return !(OPERATOR_WORDS.has(s) || s === 'True' || s === 'False' || s === 'None' || s === 'nan' || s === 'inf');
}

export function isStatementKeyword(ts: TokenStream, i: number): boolean {
  if (ts.kinds[i] !== T_NAME) return false;
  const len = ts.ends[i] - ts.starts[i];
  if (len < KEYWORD_MIN_LENGTH || len > KEYWORD_MAX_LENGTH) return false;
  // Compared in place rather than sliced out: nearly every statement starts with a name.
  for (const keyword of KEYWORD_LIST) if (ts.isWord(i, keyword)) return true;
  return false;
}

const KEYWORD_LIST: readonly string[] = [...STATEMENT_KEYWORDS];
const KEYWORD_MIN_LENGTH = smallest(KEYWORD_LIST.map((k) => k.length));
const KEYWORD_MAX_LENGTH = largest(KEYWORD_LIST.map((k) => k.length));
const OPERAND_ONLY_KEYWORDS: readonly string[] = [...STATEMENT_BY_KEYWORD].filter(([, s]) => s.operandOnly).map(([k]) => k);

function isOperandOnlyKeyword(ts: TokenStream, i: number): boolean {
  for (const keyword of OPERAND_ONLY_KEYWORDS) if (ts.isWord(i, keyword)) return true;
  return false;
}

/** A column-0 line start that looks like the start of a statement (for unclosed-bracket resync). */
function looksLikeStatementStart(ts: TokenStream, i: number): boolean {
  if (ts.lineStarts[i] !== 1 || !isPlainName(ts, i)) return false;
  const next = i + 1;
  const nk = ts.kinds[next];
  if (nk === OP_ASSIGN) return true;
  return isStatementKeyword(ts, i) && nk !== T_NEWLINE && nk !== T_EOF && keywordMayPrecede(ts, next, ts.count);
}

// ---------------------------------------------------------------------------------------------
// Segmentation

/**
 * Cuts the tokens into statements. From a statement start p, the statement is tokens
 * [p, end): token `end` is the first newline (or eof) where the bracket depth is back to the
 * depth at p, counting every kind of bracket alike and never below the depth at p (a stray
 * closer does not open anything). Everything is precomputed in linear time.
 */
export class Segmenter {
  /** depth[i]: bracket depth before token i (may go negative on stray closers). */
  private readonly depth: Int32Array;
  /**
   * next[i]: the first j > i with depth[j] <= depth[i], or -1. From a statement start p, the
   * chain p, next[p], next[next[p]], ... visits exactly the tokens at the statement's own
   * level; the first newline (or eof) in the chain ends the statement.
   */
  private readonly next: Int32Array;
  /**
   * chainEnd[i]: the first newline or eof in the chain from i (the end of a statement that
   * starts at i), or -(j + 1) when the chain stops at token j before any (j then opens a
   * bracket that is never closed). Memoised so that every statement query is O(1).
   */
  private readonly chainEnd: Int32Array;
  /** Column-0 line starts that look like statement starts, in order: found when first
   *  needed (only a broken statement needs them, and finding them reads every line start). */
  private candidates: Int32Array | undefined;

  constructor(private readonly ts: TokenStream) {
    const n = ts.count;
    const kinds = ts.kinds;
    const depth = new Int32Array(n);
    let d = 0;
    for (let i = 0; i < n; i++) {
      depth[i] = d;
      const k = kinds[i];
      if (k >= OP_BASE) {
        if (isOpener(k)) d++;
        else if (isCloser(k)) d--;
      }
    }
    const next = new Int32Array(n);
    const stack = new Int32Array(n);
    let sp = 0;
    for (let i = n - 1; i >= 0; i--) {
      while (sp > 0 && depth[stack[sp - 1]] > depth[i]) sp--;
      next[i] = sp > 0 ? stack[sp - 1] : -1;
      stack[sp++] = i;
    }
    const chainEnd = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const k = next[i];
      if (k < 0) chainEnd[i] = -(i + 1);
      else if (kinds[k] === T_NEWLINE || kinds[k] === T_EOF) chainEnd[i] = k;
      else chainEnd[i] = chainEnd[k];
    }
    this.chainEnd = chainEnd;
    this.depth = depth;
    this.next = next;
  }

  private statementLikeLineStarts(): Int32Array {
    if (this.candidates === undefined) {
      const ts = this.ts;
      const found = new Int32Array(ts.count);
      let count = 0;
      for (let i = 0; i < ts.count - 1; i++) if (looksLikeStatementStart(ts, i)) found[count++] = i;
      this.candidates = found.slice(0, count);
    }
    return this.candidates;
  }

  skipNewlines(p: number): number {
    while (p < this.ts.count - 1 && this.ts.kinds[p] === T_NEWLINE) p++;
    return p;
  }

  /** Set by statementAt: -1, or the outermost bracket of the statement that is never closed. */
  unclosed = -1;

  /**
   * The statement starting at p: returns the index of the token after it. When one of its
   * brackets is never closed (`unclosed`), the statement is cut at the first later line that
   * looks like a statement start (the result is its first token), or at the eof.
   */
  statementAt(p: number): number {
    const end = this.chainEnd[p];
    if (end >= 0) {
      this.unclosed = -1;
      return end;
    }
    // chainEnd[p] = -(j + 1): token j opens a bracket that is never closed.
    const j = -end - 1;
    const c = this.candidateIn(j + 1, this.ts.count - 1);
    this.unclosed = j;
    return c >= 0 ? c : this.ts.count - 1;
  }

  /** The first statement-like line start c with lo <= c <= hi, or -1. */
  candidateIn(lo: number, hi: number): number {
    const cs = this.statementLikeLineStarts();
    let a = 0;
    let b = cs.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cs[mid] < lo) a = mid + 1;
      else b = mid;
    }
    return a < cs.length && cs[a] <= hi ? cs[a] : -1;
  }

  /** The outermost bracket opened at or after p that is still open before token c, or -1. */
  unclosedBefore(p: number, c: number): number {
    let j = p;
    for (;;) {
      const k = this.next[j];
      if (k < 0 || k >= c) break;
      j = k;
    }
    return j + 1 < c && this.depth[j + 1] > this.depth[j] ? j : -1;
  }
}
