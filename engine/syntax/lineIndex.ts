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
  /** Offset where each line starts (typed arrays: a 100,000-line file has 100,000 lines). */
  private readonly starts: Int32Array;
  /** For each line, the offset where its content ends (before the line break). */
  private readonly ends: Int32Array;
  private readonly bom: number;

  constructor(text: string) {
    const n = text.length;
    let starts: Int32Array;
    let ends: Int32Array;
    if (text.indexOf('\r') < 0) {
      // Only `\n` breaks (the usual case): found by native searches.
      let breaks = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) breaks++;
      starts = new Int32Array(breaks + 1);
      ends = new Int32Array(breaks + 1);
      let line = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        ends[line++] = i;
        starts[line] = i + 1;
      }
      ends[line] = n;
    } else {
      let breaks = 0;
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) breaks++;
        else if (c === 13) {
          breaks++;
          if (text.charCodeAt(i + 1) === 10) i++;
        }
      }
      starts = new Int32Array(breaks + 1);
      ends = new Int32Array(breaks + 1);
      let line = 0;
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) {
          ends[line++] = i;
          starts[line] = i + 1;
        } else if (c === 13) {
          ends[line++] = i;
          if (text.charCodeAt(i + 1) === 10) i++;
          starts[line] = i + 1;
        }
      }
      ends[line] = n;
    }
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
