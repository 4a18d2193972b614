// Positions. Spans are UTF-16 offsets into the text a snapshot was made from; LSP positions
// are (line, UTF-16 character) in the document as it is now. While a newer version waits for
// its analysis, requests are answered from the latest published snapshot, so a `View` maps
// between the two texts: offsets before the edited region are
// unchanged, offsets after it shift by the length difference, offsets inside it have no
// counterpart (and the request answers nothing there rather than something wrong).

import type { Position, Range } from 'vscode-languageserver';
import type { Span } from '../engine/syntax/ast';
import type { DocumentSnapshot } from '../engine/api/snapshot';
import { LineIndex } from '../engine/syntax/lineIndex';
import { commonEnds } from '../engine/api/snapshotDelta';

/** The edited region between two texts: common prefix and suffix. */
export class TextShift {
  private constructor(
    private readonly prefix: number,
    private readonly oldSuffixStart: number,
    private readonly newSuffixStart: number,
  ) {}

  static between(oldText: string, newText: string): TextShift {
    const { prefix, suffix } = commonEnds(oldText, newText);
    return new TextShift(prefix, oldText.length - suffix, newText.length - suffix);
  }

  toNew(oldOffset: number): number | null {
    if (oldOffset <= this.prefix) return oldOffset;
    if (oldOffset >= this.oldSuffixStart) return oldOffset + (this.newSuffixStart - this.oldSuffixStart);
    return null;
  }

  toOld(newOffset: number): number | null {
    if (newOffset <= this.prefix) return newOffset;
    if (newOffset >= this.newSuffixStart) return newOffset + (this.oldSuffixStart - this.newSuffixStart);
    return null;
  }
}

/** The latest published snapshot of a document, seen from the document's current text. */
export class View {
  /** Line index of the current text. */
  readonly lines: LineIndex;
  private readonly shift: TextShift | null;

  constructor(
    readonly uri: string,
    readonly snapshot: DocumentSnapshot,
    /** The text the snapshot was made from. */
    readonly analysedText: string,
    readonly text: string,
    currentLines?: LineIndex,
  ) {
    const fresh = analysedText === text;
    this.lines = currentLines ?? new LineIndex(text);
    this.shift = fresh ? null : TextShift.between(analysedText, text);
  }

  /** True when the snapshot is of the current text. */
  get fresh(): boolean {
    return this.shift === null;
  }

  /** The snapshot offset of a position in the current text, or null inside an edit. */
  offsetAt(p: Position): number | null {
    const o = this.lines.offsetAt(p);
    return this.shift ? this.shift.toOld(o) : o;
  }

  position(offset: number): Position | null {
    const o = this.shift ? this.shift.toNew(offset) : offset;
    return o === null ? null : this.lines.positionAt(o);
  }

  range(span: Span): Range | null {
    const start = this.position(span.start);
    const end = this.position(span.end);
    return start && end ? { start, end } : null;
  }

  /** The 0-based line (in the current text) of a snapshot offset. */
  line(offset: number): number | null {
    return this.position(offset)?.line ?? null;
  }
}

export function rangeOf(lines: LineIndex, span: Span): Range {
  return { start: lines.positionAt(span.start), end: lines.positionAt(span.end) };
}
