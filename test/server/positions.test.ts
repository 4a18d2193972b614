// The offset mapping behind "answer from the latest complete analysis" and the syntax
// lookups completion and signature help rely on (in-process: pure functions).

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { parse } from '../../engine/syntax/parser';
import { TextShift, View } from '../../server/positions';
import { activeArgument, enclosingCall, referenceAt, statementAt } from '../../engine/api/syntax';
import { snapshotOf } from '../../engine/api/facts';
import { parseSettings, DEFAULT_SETTINGS } from '../../server/settings';

describe('TextShift', () => {
  it('maps offsets before, after and inside an edit', () => {
    const s = TextShift.between('abcXYZdef', 'abc12345def');
    expect(s.toNew(2)).toBe(2);
    expect(s.toNew(3)).toBe(3);
    expect(s.toNew(4)).toBeNull();
    expect(s.toNew(6)).toBe(8);
    expect(s.toNew(9)).toBe(11);
    expect(s.toOld(8)).toBe(6);
    expect(s.toOld(5)).toBeNull();
    expect(s.toOld(11)).toBe(9);
  });

  it('handles repeated characters at the edit (prefix and suffix never overlap)', () => {
    const s = TextShift.between('aaaa', 'aaaaaa');
    for (let o = 0; o <= 4; o++) expect(s.toNew(o)).not.toBeNull();
    // Where the insertion went is ambiguous: it is taken to be at the end.
    expect(s.toNew(4)).toBe(4);
    expect(s.toOld(5)).toBeNull();
  });
});

describe('View of a stale analysis', () => {
  const old = 'a = ones([2])\nb = a + 1.\n';
  const a = analyze(old);
  const snapshot = snapshotOf(a, { version: 1 });

  it('maps ranges and positions through lines inserted above', () => {
    const v = new View('file:///t.tgraph', snapshot, old, '# new\n' + old);
    expect(v.fresh).toBe(false);
    const b = a.lookup('b')!;
    expect(v.range(b.span)).toEqual({ start: { line: 2, character: 0 }, end: { line: 2, character: 1 } });
    const offset = v.offsetAt({ line: 2, character: 4 })!;
    expect(referenceAt(a, offset)?.binding.name).toBe('a');
  });

  it('answers nothing inside the edited region', () => {
    const v = new View('file:///t.tgraph', snapshot, old, old.replace('b = a + 1.', 'b = a + 7777.'));
    expect(v.offsetAt({ line: 1, character: 10 })).toBeNull();
    expect(v.offsetAt({ line: 1, character: 13 })).toBe(old.indexOf('1.\n') + 2);
    expect(v.offsetAt({ line: 1, character: 0 })).toBe(old.indexOf('b'));
  });

  it('is fresh when the text is the analysed one', () => {
    const v = new View('file:///t.tgraph', snapshot, old, old);
    expect(v.fresh).toBe(true);
  });
});

describe('the call around the cursor', () => {
  it('finds an unclosed call and the argument being typed', () => {
    const text = 'x = ones([2, 3])\ny = reduce_sum(x, ';
    const program = parse(text);
    const call = enclosingCall(program, text, text.length)!;
    expect(call.callee.kind === 'name' && call.callee.name).toBe('reduce_sum');
    expect(activeArgument(call, text, text.length)).toEqual({ index: 1 });
  });

  it('finds the innermost call and keyword arguments', () => {
    const text = 'y = reduce_sum(exp(x), keepdims=True)';
    const program = parse(text);
    const inner = enclosingCall(program, text, text.indexOf('x)'))!;
    expect(inner.callee.kind === 'name' && inner.callee.name).toBe('exp');
    const outer = enclosingCall(program, text, text.indexOf('True'))!;
    expect(activeArgument(outer, text, text.indexOf('True'))).toEqual({ index: 1, keyword: 'keepdims' });
    expect(enclosingCall(program, text, 2)).toBeUndefined();
  });

  it('does not reach past the end of a statement onto the next line', () => {
    const text = 'y = f(1)\n\nz';
    const program = parse(text);
    expect(statementAt(program, text.indexOf('\n\n') + 1, text)).toBeUndefined();
  });
});

describe('settings', () => {
  it('reads nested and dotted forms and falls back to defaults on bad values', () => {
    expect(parseSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings({ maxElements: 1000, inlayHints: { shapes: false }, check: { atol: 0 } })).toMatchObject({
      maxElements: 1000,
      inlayHints: { shapes: false, values: true },
      check: { eps: 1e-3, atol: 0, rtol: 1e-3 },
    });
    expect(parseSettings({ 'inlayHints.values': false, evaluationTimeoutMs: -3, maxElements: 'many' })).toMatchObject({
      inlayHints: { shapes: true, values: false },
      evaluationTimeoutMs: 5000,
      maxElements: 1e7,
    });
  });
});
