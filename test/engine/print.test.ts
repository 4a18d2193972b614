// `print(EXPR)`: tgraph's one statement beyond LANGUAGE.md. A keyword only at the start of a
// statement and before `(` or an operand, so a file of the spec that names something `print`
// means what it meant; `tgraph run` writes what the file printed first, as Python would.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { formatRun, runJson } from '../../engine/api/report';

const errors = (src: string) =>
  analyze(src)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.message);

describe('print', () => {
  it('writes values as NumPy prints them, several separated by a space, one line per statement', () => {
    const a = analyze("x = constant([1., 2., 3.])\ny = reduce_sum(x * x)\nprint(y)\nprint('sum:', y, x)\nprint(gradients(y, x))\n");
    expect(errors(a.text)).toEqual([]);
    expect(a.prints.map((p) => p.text)).toEqual(['14.0\n', 'sum: 14.0 [1. 2. 3.]\n', '[[2. 4. 6.]]\n']);
    expect(a.prints.map((p) => a.lines.positionAt(p.span.start).line)).toEqual([2, 3, 4]);
    expect(formatRun(a, 'f.tgraph').startsWith('14.0\nsum: 14.0 [1. 2. 3.]\n[[2. 4. 6.]]\n\n')).toBe(true);
    expect((runJson(a) as { prints: unknown }).prints).toEqual([
      { line: 3, text: '14.0\n' },
      { line: 4, text: 'sum: 14.0 [1. 2. 3.]\n' },
      { line: 5, text: '[[2. 4. 6.]]\n' },
    ]);
  });

  it('is not a keyword where a file of the spec could mean a name', () => {
    const src = 'x = constant([1., 2.])\nprint = x + 1\nprint\nz = print[0]\nprint[1]\nprint - 1\nw = print * 2\n';
    const a = analyze(src);
    expect(errors(src)).toEqual([]);
    expect(a.prints).toEqual([]);
    const w = a.lookup('w')!.value;
    expect(w.kind === 'tensor' && Array.from(a.valueOf(w.node)!.data)).toEqual([4, 6]);
    // A file that prints nothing has the JSON of LANGUAGE.md, with no `prints` key.
    expect(Object.keys(runJson(a))).toEqual(['values', 'checks', 'asserts', 'diagnostics', 'explanations']);
  });

  it('prints a name called print, and reports what it cannot print without stopping the file', () => {
    const a = analyze('print = constant(2.)\nprint(print)\nprint(undefined_name)\nprint(ones([2]) + ones([3]))\ny = print * 3\nprint(y)\n');
    expect(a.prints.map((p) => p.text)).toEqual(['2.0\n', '6.0\n']);
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => a.lines.positionAt(d.span.start).line)).toEqual([2, 3]);
  });

  it('survives incremental re-analysis: a print kept, edited or removed', () => {
    const first = 'x = constant([1., 2.])\ny = x * 2\nprint(y)\nz = y + 1\nprint(z)\n';
    const a = analyze(first);
    const b = analyze(first.replace('z = y + 1', 'z = y + 10'), { previous: a });
    expect(b.prints.map((p) => p.text)).toEqual(['[2. 4.]\n', '[12. 14.]\n']);
    const c = analyze('x = constant([1., 2.])\ny = x * 2\nprint(y)\nz = y + 10\n', { previous: b });
    expect(c.prints.map((p) => p.text)).toEqual(['[2. 4.]\n']);
  });
});
