// "Did you mean" suggestions for unknown names, ops and keyword arguments.
//
// A suggestion is the candidate at the smallest edit distance (case-insensitive; a match that
// differs only in case counts 0.5), within a limit that grows with the word's length; ties go
// to the shorter candidate, then to the earlier one. Only candidates whose length is within
// the limit of the word's can qualify, so candidates are kept grouped by length (`NameIndex`),
// and a signature of their characters rejects most of the rest without an edit distance.
//
// Bound names are compared up to MAX_BOUND_CANDIDATES per search: the ones bound last among
// those of a length within the limit. A file binding 50,000 names of one length and using
// 50,000 unknown ones would otherwise compare every pair (minutes); a typo usually names
// something bound nearby. Which names those are depends only on the bindings before the
// statement, so a full and an incremental analysis suggest the same.

import { DTYPES } from './tensor';
import { allOpNames, allOps, lookupOp } from './ops/registry';
import { firstAtLeast } from './sorted';

/** Longest word or candidate compared (names are short; a very long word is a paste accident,
 *  and edit distances on it would cost length² per candidate). Lengths compared are those of
 *  the lower-case forms. */
const MAX_LENGTH = 64;

/** Most bound names one search compares (see above). */
export const MAX_BOUND_CANDIDATES = 128;

// Two rows of the edit-distance table, reused by every comparison.
let previousRow = new Int32Array(MAX_LENGTH + 1);
let currentRow = new Int32Array(MAX_LENGTH + 1);

/** Levenshtein distance of `a` and `b` (both lower case), or `limit + 1` when it is larger.
 *  Only the band of cells within `limit` of the diagonal can stay within the limit. */
function editDistance(a: string, b: string, limit: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  const over = limit + 1;
  if (m + 1 > previousRow.length) {
    previousRow = new Int32Array(m + 1);
    currentRow = new Int32Array(m + 1);
  }
  let prev = previousRow;
  let cur = currentRow;
  for (let j = 0; j <= m; j++) prev[j] = j <= limit ? j : over;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(m, i + limit);
    cur[0] = i <= limit ? i : over;
    if (lo > 1) cur[lo - 1] = over;
    let rowMin = cur[0];
    const ai = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      let d = prev[j - 1] + cost;
      const up = prev[j] + 1;
      if (up < d) d = up;
      const left = cur[j - 1] + 1;
      if (left < d) d = left;
      if (d > over) d = over;
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (hi < m) cur[hi + 1] = over;
    if (rowMin > limit) return over;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m] > limit ? over : prev[m];
}

// Character signatures: which of 64 character classes a name contains (two 32-bit words).
// A character of one name whose class the other lacks costs at least one edit, so the
// number of such characters is a lower bound on the distance that rejects most candidates
// without filling any table. Lower-case letters, digits, `_` and `.` have classes of their
// own; other characters share the remaining ones (sharing only weakens the bound).
const CLASS_OF = new Uint8Array(128);
for (let c = 0; c < 128; c++) CLASS_OF[c] = 38 + (c % 26);
for (let c = 97; c <= 122; c++) CLASS_OF[c] = c - 97;
for (let c = 48; c <= 57; c++) CLASS_OF[c] = 26 + c - 48;
CLASS_OF[95] = 36;
CLASS_OF[46] = 37;

function classOf(c: number): number {
  return c < 128 ? CLASS_OF[c] : 38 + (c % 26);
}

function signatureLow(lower: string): number {
  let bits = 0;
  for (let i = 0; i < lower.length; i++) {
    const k = classOf(lower.charCodeAt(i));
    if (k < 32) bits |= 1 << k;
  }
  return bits;
}

function signatureHigh(lower: string): number {
  let bits = 0;
  for (let i = 0; i < lower.length; i++) {
    const k = classOf(lower.charCodeAt(i));
    if (k >= 32) bits |= 1 << (k - 32);
  }
  return bits;
}

function bitCount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Candidate names grouped by length (of their lower-case form), each group in insertion
 *  order, with their lower-case forms, signatures and insertion numbers. */
export class NameIndex implements CandidateSet {
  private names: string[][] = [];
  private lowers: string[][] = [];
  private lows: number[][] = [];
  private highs: number[][] = [];
  private order: number[][] = [];
  private count = 0;

  /** `recent`: offer only that many candidates of a length within the limit, the last
   *  inserted (unlimited by default). */
  constructor(
    names: Iterable<string> = [],
    private readonly recent = Infinity,
  ) {
    for (const name of names) this.add(name);
  }

  get size(): number {
    return this.count;
  }

  add(name: string): void {
    if (name.length > MAX_LENGTH) return;
    const lower = name.toLowerCase();
    const length = lower.length;
    while (this.names.length <= length) {
      this.names.push([]);
      this.lowers.push([]);
      this.lows.push([]);
      this.highs.push([]);
      this.order.push([]);
    }
    this.names[length].push(name);
    this.lowers[length].push(lower);
    this.lows[length].push(signatureLow(lower));
    this.highs[length].push(signatureHigh(lower));
    this.order[length].push(this.count++);
  }

  /** Offers the candidates whose length is within the search's limit (the `recent` last
   *  inserted of them), by length then in insertion order: ties on distance and length are
   *  between names of one length, decided by insertion order. */
  offerTo(search: Search): void {
    const lo = Math.max(0, search.lower.length - search.limit);
    const hi = Math.min(this.names.length - 1, search.lower.length + search.limit);
    const from = this.firstOffered(lo, hi);
    for (let length = lo; length <= hi; length++) {
      const names = this.names[length];
      const lowers = this.lowers[length];
      const lows = this.lows[length];
      const highs = this.highs[length];
      for (let i = from === 0 ? 0 : firstAtLeast(this.order[length], from); i < names.length; i++) {
        if (search.cannotBeat(lows[i], highs[i])) continue;
        search.offer(names[i], lowers[i]);
      }
    }
  }

  /** The insertion number from which candidates of lengths lo..hi are offered: 0, or the
   *  one that leaves `recent` of them. */
  private firstOffered(lo: number, hi: number): number {
    let inWindow = 0;
    for (let length = lo; length <= hi; length++) inWindow += this.names[length].length;
    if (inWindow <= this.recent) return 0;
    // The smallest number t with at most `recent` candidates numbered t or more.
    let a = 0;
    let b = this.count;
    while (a < b) {
      const t = (a + b) >>> 1;
      let atLeast = 0;
      for (let length = lo; length <= hi; length++) atLeast += this.names[length].length - firstAtLeast(this.order[length], t);
      if (atLeast <= this.recent) b = t;
      else a = t + 1;
    }
    return a;
  }
}

/** Names in insertion order, compared without an index (a file with one unknown name need
 *  not index 100,000 names), with the same choice of the `recent` last as `NameIndex`. */
class NameList implements CandidateSet {
  constructor(
    private readonly names: () => Iterable<string>,
    private readonly recent: number,
  ) {}

  offerTo(search: Search): void {
    const lw = search.lower.length;
    const k = search.limit;
    // A lower-case form is never shorter than its name, nor more than twice as long (`İ` is
    // the only letter that grows): most names are rejected by their length alone.
    const inWindow = (c: string) =>
      c.length - lw <= k && lw - 2 * c.length <= k && c.length <= MAX_LENGTH && Math.abs(c.toLowerCase().length - lw) <= k;
    let skip = 0;
    if (this.recent !== Infinity) {
      skip = -this.recent;
      for (const c of this.names()) if (inWindow(c)) skip++;
    }
    for (const c of this.names()) {
      if (!inWindow(c) || skip-- > 0) continue;
      const lower = c.toLowerCase();
      if (!search.cannotBeat(signatureLow(lower), signatureHigh(lower))) search.offer(c, lower);
    }
  }
}

/** One search for the closest candidate to `word`. */
export class Search {
  readonly limit: number;
  readonly lower: string;
  best: string | undefined;
  private bestDistance: number;
  private readonly low: number;
  private readonly high: number;
  /** How many characters of the word fall in each character class. */
  private readonly counts = new Uint8Array(64);

  constructor(readonly word: string) {
    this.limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
    this.lower = word.toLowerCase();
    this.bestDistance = this.limit + 1;
    this.low = signatureLow(this.lower);
    this.high = signatureHigh(this.lower);
    for (let i = 0; i < this.lower.length; i++) {
      const k = classOf(this.lower.charCodeAt(i));
      if (this.counts[k] < 255) this.counts[k]++;
    }
  }

  /** True when a candidate with these signatures is surely farther than the best so far:
   *  the word's characters of classes the candidate lacks, or the candidate's classes the
   *  word lacks, are more than that distance. */
  cannotBeat(low: number, high: number): boolean {
    const bound = this.bestDistance;
    if (bitCount(low & ~this.low) + bitCount(high & ~this.high) > bound) return true;
    let missing = 0;
    let bits = this.low & ~low;
    while (bits !== 0) {
      const bit = bits & -bits;
      missing += this.counts[31 - Math.clz32(bit)];
      bits ^= bit;
    }
    bits = this.high & ~high;
    while (bits !== 0) {
      const bit = bits & -bits;
      missing += this.counts[63 - Math.clz32(bit)];
      bits ^= bit;
    }
    return missing > bound;
  }

  offer(candidate: string, lower: string): void {
    if (candidate === this.word || candidate.length > MAX_LENGTH) return;
    if (Math.abs(lower.length - this.lower.length) > this.limit) return;
    // Only a distance up to the best so far can still win (an equal one, if shorter).
    const d = lower === this.lower ? 0.5 : editDistance(this.lower, lower, Math.min(this.limit, Math.floor(this.bestDistance)));
    if (d < this.bestDistance || (d === this.bestDistance && this.best !== undefined && candidate.length < this.best.length)) {
      this.best = candidate;
      this.bestDistance = d;
    }
  }
}

/** Something `closestAmong` can search: offers its candidates to a search. */
export interface CandidateSet {
  offerTo(search: Search): void;
}

/** Where candidates come from, searched in order (earlier sources win exact ties). */
export type CandidateSource = Iterable<string> | CandidateSet;

/** The closest candidate within a distance that grows with the word's length, or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  return closestAmong(word, [candidates]);
}

export function closestAmong(word: string, sources: readonly CandidateSource[]): string | undefined {
  if (word.length > MAX_LENGTH) return undefined;
  const search = new Search(word);
  for (const source of sources) {
    if (isCandidateSet(source)) source.offerTo(search);
    else new NameList(() => source, Infinity).offerTo(search);
  }
  return search.best;
}

function isCandidateSet(source: CandidateSource): source is CandidateSet {
  return typeof (source as CandidateSet).offerTo === 'function';
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  return suggestion(closest(word, candidates));
}

export function didYouMeanAmong(word: string, sources: readonly CandidateSource[]): string {
  return suggestion(closestAmong(word, sources));
}

function suggestion(s: string | undefined): string {
  return s === undefined ? '' : `; did you mean \`${s}\`?`;
}

let opNames: { index: NameIndex; opCount: number } | undefined;
let opOnlyNames: { index: NameIndex; opCount: number } | undefined;

/** The names of the ops users may call (aliases included, internal ops left out), then the
 *  dtype names: what an unknown name is compared with besides the bound names. Built once
 *  (again if ops were defined since). */
export function publicNames(): NameIndex {
  const opCount = allOps().length;
  if (!opNames || opNames.opCount !== opCount) {
    opNames = { index: new NameIndex([...DTYPES, ...publicOps()]), opCount };
  }
  return opNames.index;
}

/** The ops users may call, without the dtype names (for unknown ops). */
export function publicOpNames(): NameIndex {
  const opCount = allOps().length;
  if (!opOnlyNames || opOnlyNames.opCount !== opCount) {
    opOnlyNames = { index: new NameIndex(publicOps()), opCount };
  }
  return opOnlyNames.index;
}

function publicOps(): string[] {
  return allOpNames().filter((n) => !lookupOp(n)!.internal);
}

/** The keys of an IndexedNameMap (all, or those whose value is marked) as candidates: a list
 *  for the first few searches, then an index, kept up to date as keys are added and made
 *  again after deletions (once for any number of them: a roll-back deletes many). */
class BoundNames {
  private index: NameIndex | undefined;
  private stale = false;
  private searches = 0;

  constructor(private readonly keys: () => Iterable<string>) {}

  added(key: string): void {
    if (this.index && !this.stale) this.index.add(key);
  }

  changed(): void {
    this.stale = true;
  }

  candidates(): CandidateSet {
    if (!this.index && ++this.searches <= 4) return new NameList(this.keys, MAX_BOUND_CANDIDATES);
    if (!this.index || this.stale) {
      this.index = new NameIndex(this.keys(), MAX_BOUND_CANDIDATES);
      this.stale = false;
    }
    return this.index;
  }
}

/** A Map of bound names that keeps them ready for suggestions: `names()` are its keys,
 *  `markedNames()` the keys whose value `mark` accepts (functions, for unknown ops). */
export class IndexedNameMap<V> extends Map<string, V> {
  private readonly all = new BoundNames(() => this.keys());
  private readonly marked = new BoundNames(() => this.markedKeys());

  constructor(private readonly mark: (value: V) => boolean = () => false) {
    super();
  }

  override set(key: string, value: V): this {
    // Map's constructor may call set before the fields exist (it is never given entries here).
    if (!this.all) return super.set(key, value);
    // Whether the key is new, from the size: one lookup instead of has() and set().
    const size = this.size;
    super.set(key, value);
    if (this.size === size) {
      this.marked.changed();
    } else {
      this.all.added(key);
      if (this.mark(value)) this.marked.added(key);
    }
    return this;
  }

  override delete(key: string): boolean {
    const deleted = super.delete(key);
    if (deleted) {
      this.all.changed();
      this.marked.changed();
    }
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.all.changed();
    this.marked.changed();
  }

  names(): CandidateSet {
    return this.all.candidates();
  }

  markedNames(): CandidateSet {
    return this.marked.candidates();
  }

  private *markedKeys(): Iterable<string> {
    for (const [key, value] of this.entries()) if (this.mark(value)) yield key;
  }
}
