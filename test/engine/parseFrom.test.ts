// `parse(text, { from })` (engine/syntax/parser.ts): the end of a text parsed at its own
// offsets without reading its beginning, as an incremental analysis parses what follows the
// statements it keeps. It must give exactly what parsing the text with its beginning blanked
// out (every character but the newlines made a space) gives, and lex nothing before `from`.

import * as fs from 'fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../../engine/syntax/parser';
import { lexStream } from '../../engine/syntax/lexer';
import { generatedChainFile } from '../../bench/editorScenarios';
import { tgraphFiles } from '../support/tgraphFiles';

function blankedOut(text: string, end: number): string {
  return text.slice(0, end).replace(/[^\n]/g, ' ') + text.slice(end);
}

/** Offsets worth starting at: line starts, and points inside lines (inside a name, a string
 *  or a comment), about 40 of each per text. */
function startsOf(text: string): number[] {
  const starts = new Set<number>([0, 1, text.length]);
  const lines = text.split('\n').length;
  for (let i = 0, line = 0; i < text.length; i++) {
    if (text[i] === '\n' && line++ % Math.ceil(lines / 40) === 0) starts.add(i + 1);
    if (i % Math.ceil(text.length / 40) === 5) starts.add(i);
  }
  return [...starts].filter((s) => s <= text.length).sort((a, b) => a - b);
}

describe('parse from an offset', () => {
  const files = tgraphFiles('examples', 'test/fixtures', 'test/grammar');
  const crafted = [
    'a = 1\r\nb = 2\r\n# comment\r\nc = a + \\\n  b\n',
    '\ufeffx = 1\ny = x\n',
    'd = [1,\n  2,\n  3]\ne = "a\\nb" # note\nf = \n',
    'x = 1; y = 2\n  z = 3\n\tw = @\n',
    'a = 1\rb = 2\rc = 3\n',
  ];
  it('gives what parsing the text with its beginning blanked out gives, from every line start', () => {
    let compared = 0;
    for (const text of [...files.map((f) => fs.readFileSync(f, 'utf8')), ...crafted]) {
      for (const from of startsOf(text)) {
        const options = { maxDepth: 200, maxTreeDepth: 200 };
        const blanked = parse(blankedOut(text, from), options);
        const fromOffset = parse(text, { ...options, from });
        expect(JSON.stringify(fromOffset), `from ${from}`).toBe(JSON.stringify(blanked));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('lexes nothing before the offset: an edit at the end of the chain file lexes its last lines', () => {
    const text = generatedChainFile(1000, 50);
    const lastLine = text.lastIndexOf('\n', text.length - 2) + 1;
    const whole = lexStream(text).stream.count;
    const tail = lexStream(text, lastLine);
    // `loss = reduce_sum(h1000 * 1.5)`: eight tokens, its newline and the end of file.
    expect(tail.stream.count).toBe(10);
    expect(whole).toBeGreaterThan(13_000);
    expect(tail.stream.starts[0]).toBe(lastLine);
  });
});
