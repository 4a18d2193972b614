// Offsets <-> positions for one text. Lines and characters are 0-based and characters count
// UTF-16 code units, as LSP positions do. Line breaks are `\n`, `\r\n` and a lone `\r`
// (as in LSP). A leading byte order mark is invisible: it occupies offset 0 but the first
// real character of line 0 is at character 0, which is what editors (and VS Code, which
// strips the BOM from the document text) show.

export interface Position {
  line: number;
  character: number;
}

export class LineIndex {
  /** Number of lines (a text with no line break has one line, even if empty). */
  readonly lineCount: number;
  /** Length of the text in UTF-16 code units. */
  readonly length: number;
  private readonly starts: number[];
  /** For each line, the offset where its content ends (before the line break). */
  private readonly ends: number[];
  private readonly bom: number;

  constructor(text: string) {
    const starts: number[] = [0];
    const ends: number[] = [];
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        ends.push(i);
        starts.push(i + 1);
      } else if (c === 13) {
        ends.push(i);
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    ends.push(n);
    this.starts = starts;
    this.ends = ends;
    this.lineCount = starts.length;
    this.length = n;
    this.bom = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The position of an offset (clamped to the text). */
  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(Math.floor(offset), this.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    const first = lo === 0 ? this.bom : 0;
    return { line: lo, character: Math.max(0, o - this.starts[lo] - first) };
  }

  /** The offset of a position; a character past the end of its line clamps to the line end. */
  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineCount) return this.length;
    const line = Math.floor(position.line);
    const start = this.starts[line] + (line === 0 ? this.bom : 0);
    const end = this.ends[line];
    return Math.max(start, Math.min(start + Math.max(0, Math.floor(position.character)), end));
  }

  /** Offset of the first character of `line` (after the BOM on line 0). */
  lineStart(line: number): number {
    const l = Math.max(0, Math.min(line, this.lineCount - 1));
    return this.starts[l] + (l === 0 ? this.bom : 0);
  }

  /** Offset where the content of `line` ends (before its line break). */
  lineEnd(line: number): number {
    const l = Math.max(0, Math.min(line, this.lineCount - 1));
    return this.ends[l];
  }
}
