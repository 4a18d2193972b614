// NumPy's array functions that tgraph's numpy module computes itself (sorting, unique, order
// statistics, split/pad/roll/repeat, meshgrid, diagonals, float ufuncs): what real NumPy
// printed for the same code (scripts/fixtures/numpy_functions.py); linalg by value.

import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { describeDiagnostic, expectNear, printed, py, val } from './support';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'numpy-functions', 'cases.json');
const { cases } = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { cases: [string, string, string][] };

/** The fixture's printing: a list or tuple item by item, anything else at once. */
function script(setup: string, expression: string): string {
  return [
    'import numpy as np',
    setup,
    `r = ${expression}`,
    'if isinstance(r, (list, tuple)):',
    '    for item in r:',
    '        print(item)',
    'else:',
    '    print(r)',
    '',
  ].join('\n');
}

describe('NumPy array functions print what NumPy prints', () => {
  it.each(cases)('%s; %s', (setup, expression, expected) => {
    const src = script(setup, expression);
    const a = py(src, { strict: false });
    const errors = a.diagnostics.filter((d) => d.severity === 'error').map((d) => describeDiagnostic(src, d));
    const outside = a.diagnostics.filter((d) => d.severity === 'information' && /not evaluated/.test(d.message));
    expect(
      outside.map((d) => d.message),
      'nothing outside the subset',
    ).toEqual([]);
    if (expected.startsWith('error:')) {
      expect(errors.join('\n')).toContain(`${expected.slice('error:'.length)}:`);
      return;
    }
    expect(errors, 'error diagnostics').toEqual([]);
    if (expected.startsWith('close:')) {
      expectNear(val(a, 'r'), JSON.parse(expected.slice('close:'.length)), expression, 1e-12, 1e-12);
      return;
    }
    expect(printed(a)).toBe(expected);
  });

  it('covers every function the fixture names', () => {
    const used = new Set(cases.flatMap(([, e]) => [...e.matchAll(/np\.(?:linalg\.)?([a-z_0-9]+)\(/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(35);
  });
});
