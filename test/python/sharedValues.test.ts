// Python values that share their items or hold themselves (test/fixtures/python-hostile):
// `x = [x, x]` in a loop is a few objects and billions of items once expanded, and
// `x.append(x)` has no end. Every walk over such a value (the binding's value, its text, a
// comparison, a dict key, sess.run's fetches, a tensor made of it) is bounded, and answers
// with a diagnostic at the statement, not a time or memory budget and not an internal error.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { analyzePython } from '../../engine/python/analysis';
import { formatRun, runJson, stringifyJson } from '../../engine/api/report';
import type { Analysis } from '../../engine/analysis';
import { data, val } from './support';

const dir = path.resolve(__dirname, '..', 'fixtures', 'python-hostile');

function analyse(name: string, maxElements?: number): { a: Analysis; at: string[] } {
  const text = fs.readFileSync(path.join(dir, name), 'utf8');
  // (a time budget that a loaded machine cannot run out of: these are about the walks)
  const a = analyzePython(text, { evaluationTimeoutMs: 120_000, maxElements });
  const at = a.diagnostics.map((d) => {
    const p = a.lines.positionAt(d.span.start);
    return `${p.line + 1}:${p.character + 1} ${d.severity} ${d.code}`;
  });
  // The presentation of these values is bounded too (a string may hold 10M characters).
  expect(formatRun(a, name).length).toBeLessThan(25_000_000);
  expect(stringifyJson(runJson(a)).length).toBeLessThan(25_000_000);
  expect(at.filter((d) => /internal-error|too-complex|budget-time/.test(d))).toEqual([]);
  return { a, at };
}

describe('values that share their items or hold themselves', () => {
  it('a list doubled by sharing 30 times: shown as its text, compared by identity', () => {
    const { a, at } = analyse('list-dag.py');
    expect(at).toEqual(['4:5 information budget-elements']);
    expect(a.lookup('x')?.describe).toMatch(/^list of 2: \[\[\[\[/);
    expect(a.lookup('x')!.describe!.length).toBeLessThan(400);
    // str(x) is cut at its budget; x == x is True without a look inside (Python's identity rule).
    expect(a.lookup('y')?.value.kind).toBe('tensor');
    expect(data(val(a, 'y'))).toEqual([1]);
  });

  it('a list that holds itself prints as Python prints it and equals itself', () => {
    const { a, at } = analyse('list-holds-itself.py');
    expect(a.prints.map((p) => p.text)).toEqual(['[[...]]\n']);
    expect(at).toEqual(['5:1 information budget-elements']);
    expect(a.lookup('y')?.describe).toBe('list of 2: [[[...]], 1]');
    expect(data(val(a, 'z'))).toEqual([1]);
  });

  it('lists that hold each other: comparing them is a RecursionError, and the script goes on', () => {
    const { a, at } = analyse('lists-hold-each-other.py');
    expect(at).toEqual(['5:5 error recursion']);
    expect(a.lookup('d')?.value.kind).toBe('tensor');
  });

  it('a tuple doubled by sharing 40 times is a dict key and equals itself', () => {
    const { a, at } = analyse('tuple-dag-key.py');
    expect(at).toEqual(['4:5 information budget-elements']);
    expect(data(val(a, 'z'))).toEqual([1]);
  });

  it('a shared nested list fetched by sess.run or made a tensor: an element budget at the argument', () => {
    const { a, at } = analyse('nested-fetch.py');
    expect(at).toEqual([
      '5:5 information budget-elements',
      '7:14 error budget-elements',
      '10:5 information budget-elements',
      '11:14 error budget-elements',
    ]);
    expect(a.lookup('v')?.value.kind).toBe('tensor');
  });

  it('strings and lists made longer than the element budget: an OverflowError at the operation', () => {
    const { a, at } = analyse('doubling.py', 100_000);
    expect(at.filter((d) => d.includes('error'))).toEqual([
      '4:9 error overflow',
      '7:9 error overflow',
      '9:1 error overflow',
      '10:1 error overflow',
      '12:5 error overflow',
      '13:5 error overflow',
      '14:5 error overflow',
    ]);
    expect(a.lookup('q')?.value.kind).toBe('tensor');
  });

  it('prints past the output budget are dropped with one warning', () => {
    const text = 's = "a" * 1000\nfor i in range(100):\n    print(s)\nx = 1\n';
    const a = analyzePython(text, { maxOutputBytes: 10_000 });
    expect(a.prints.length).toBe(9);
    expect(a.diagnostics.map((d) => `${d.code} ${a.lines.positionAt(d.span.start).line + 1}`)).toEqual(['budget-output 3']);
    expect(a.lookup('x')?.value.kind).toBe('tensor');
  });
});
