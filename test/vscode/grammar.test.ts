// The TextMate grammar (syntaxes/tgraph.tmLanguage.json) tokenised by the same engine VS
// Code uses (vscode-textmate + the Oniguruma wasm that ships in vscode-oniguruma, loaded
// from disk: no network), with the scopes asserted line by line, a snapshot of every
// example file, and a check that every op the engine registers is highlighted as an op.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as onig from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import '../../engine/ops/index';
import { allOps } from '../../engine/ops/registry';

const root = path.resolve(__dirname, '..', '..');
const grammarPath = path.join(root, 'syntaxes', 'tgraph.tmLanguage.json');

let grammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(path.join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.tgraph' ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null,
  });
  const loaded = await registry.loadGrammar('source.tgraph');
  if (!loaded) throw new Error('grammar did not load');
  grammar = loaded;
});

/** Tokenises lines (state carried across them) into [text, innermost scope] pairs, with
 *  whitespace-only tokens and the root scope left out so expectations stay readable. */
function tokenize(text: string): [string, string][][] {
  let state = textmate.INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens
      .map((t): [string, string] => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]])
      .filter(([s, scope]) => s.trim() !== '' && !(scope === 'source.tgraph' && /^\s*$/.test(s)));
  });
}

function line(text: string): [string, string][] {
  return tokenize(text)[0];
}

/** The innermost scope of the first token that is exactly `word`. */
function scopeOf(text: string, word: string): string | undefined {
  return line(text).find(([s]) => s === word)?.[1];
}

describe('tgraph TextMate grammar', () => {
  it('tokenises the seed example line by line', () => {
    expect(line('x = placeholder(float32, [None, x_dims])')).toEqual([
      ['x', 'variable.other.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['placeholder', 'support.function.op.tgraph'],
      ['(', 'punctuation.parenthesis.begin.tgraph'],
      ['float32', 'support.type.dtype.tgraph'],
      [',', 'punctuation.separator.element.tgraph'],
      ['[', 'punctuation.bracket.square.begin.tgraph'],
      ['None', 'constant.language.None.tgraph'],
      [',', 'punctuation.separator.element.tgraph'],
      ['x_dims', 'variable.other.tgraph'],
      [']', 'punctuation.bracket.square.end.tgraph'],
      [')', 'punctuation.parenthesis.end.tgraph'],
    ]);
    expect(line('feed x = [[5, 3, 7], [2, 2, 5]]').slice(0, 5)).toEqual([
      ['feed', 'keyword.control.feed.tgraph'],
      ['x', 'variable.other.placeholder.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['[', 'punctuation.bracket.square.begin.tgraph'],
      ['[', 'punctuation.bracket.square.begin.tgraph'],
    ]);
    expect(line('y = 2 * x**2')).toEqual([
      ['y', 'variable.other.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['2', 'constant.numeric.integer.tgraph'],
      ['*', 'keyword.operator.arithmetic.tgraph'],
      ['x', 'variable.other.tgraph'],
      ['**', 'keyword.operator.arithmetic.tgraph'],
      ['2', 'constant.numeric.integer.tgraph'],
    ]);
    expect(line('dz_dx = gradients(z, x)[0] # twice dy_dx: each x reaches two elements of z')).toEqual([
      ['dz_dx', 'variable.other.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['gradients', 'support.function.op.tgraph'],
      ['(', 'punctuation.parenthesis.begin.tgraph'],
      ['z', 'variable.other.tgraph'],
      [',', 'punctuation.separator.element.tgraph'],
      ['x', 'variable.other.tgraph'],
      [')', 'punctuation.parenthesis.end.tgraph'],
      ['[', 'punctuation.bracket.square.begin.tgraph'],
      ['0', 'constant.numeric.integer.tgraph'],
      [']', 'punctuation.bracket.square.end.tgraph'],
      ['#', 'punctuation.definition.comment.tgraph'],
      [' twice dy_dx: each x reaches two elements of z', 'comment.line.number-sign.tgraph'],
    ]);
    expect(line('check gradients(z, x)').slice(0, 2)).toEqual([
      ['check', 'keyword.control.check.tgraph'],
      ['gradients', 'support.function.op.tgraph'],
    ]);
    expect(line('assert allclose(dz_dx, 2 * dy_dx)').slice(0, 2)).toEqual([
      ['assert', 'keyword.control.assert.tgraph'],
      ['allclose', 'support.function.op.tgraph'],
    ]);
  });

  it('scopes every number form of the spec', () => {
    const numbers = line('a = [3, 2.5, .5, 1e-3, 1., 1.5E+2, nan, inf, np.nan]').filter(([, s]) => s.startsWith('constant.numeric'));
    expect(numbers).toEqual([
      ['3', 'constant.numeric.integer.tgraph'],
      ['2.5', 'constant.numeric.float.tgraph'],
      ['.5', 'constant.numeric.float.tgraph'],
      ['1e-3', 'constant.numeric.float.tgraph'],
      ['1.', 'constant.numeric.float.tgraph'],
      ['1.5E+2', 'constant.numeric.float.tgraph'],
      ['nan', 'constant.numeric.float.special.tgraph'],
      ['inf', 'constant.numeric.float.special.tgraph'],
      ['nan', 'constant.numeric.float.special.tgraph'],
    ]);
    // `-3` is unary minus then 3; digits inside names are not numbers.
    expect(line('b = -3 + x2')).toEqual([
      ['b', 'variable.other.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['-', 'keyword.operator.arithmetic.tgraph'],
      ['3', 'constant.numeric.integer.tgraph'],
      ['+', 'keyword.operator.arithmetic.tgraph'],
      ['x2', 'variable.other.tgraph'],
    ]);
    // A slice: integers around colons, not floats.
    expect(
      line('c = x[1:3, ::2]')
        .filter(([, s]) => s.includes('numeric'))
        .map(([t]) => t),
    ).toEqual(['1', '3', '2']);
  });

  it('scopes strings, escapes and an unterminated string ends at the line end', () => {
    expect(line(`e = einsum('ij,jk->ik', a, b)`).slice(4, 7)).toEqual([
      ["'", 'punctuation.definition.string.begin.tgraph'],
      ['ij,jk->ik', 'string.quoted.single.tgraph'],
      ["'", 'punctuation.definition.string.end.tgraph'],
    ]);
    expect(line(`d = cast(x, "float64")`).find(([t]) => t === 'float64')?.[1]).toBe('string.quoted.double.tgraph');
    expect(line(`s = 'a\\'b'`).find(([t]) => t === "\\'")?.[1]).toBe('constant.character.escape.tgraph');
    const [first, second] = tokenize(`s = 'open\ny = 1`);
    expect(first.at(-1)).toEqual(['open', 'string.quoted.single.tgraph']);
    expect(second[0]).toEqual(['y', 'variable.other.tgraph']);
  });

  it('statement keywords only at the start of a statement and not when bound', () => {
    expect(scopeOf('feed = 3', 'feed')).toBe('variable.other.tgraph');
    expect(scopeOf('check == 3', 'check')).toBe('keyword.control.check.tgraph');
    expect(scopeOf('y = feed + check', 'feed')).toBe('variable.other.tgraph');
    expect(scopeOf('y = feed + check', 'check')).toBe('variable.other.tgraph');
    expect(scopeOf('  assert all(x > 0)', 'assert')).toBe('keyword.control.assert.tgraph');
    expect(line('def f(a, b) = a * b').slice(0, 3)).toEqual([
      ['def', 'keyword.control.definition.def.tgraph'],
      ['f', 'entity.name.function.tgraph'],
      ['(', 'punctuation.parenthesis.begin.tgraph'],
    ]);
    expect(line('grad f(a, b, dy) = [dy * b, dy * a]').slice(0, 2)).toEqual([
      ['grad', 'keyword.control.definition.grad.tgraph'],
      ['f', 'entity.name.function.tgraph'],
    ]);
    expect(scopeOf('y = f(x, x)', 'f')).toBe('variable.function.tgraph');
  });

  it('scopes constants, logical words, comparisons and dtypes', () => {
    const tokens = line('m = not (a < b) and c >= d or True != False');
    expect(tokens.filter(([, s]) => s === 'keyword.operator.logical.tgraph').map(([t]) => t)).toEqual(['not', 'and', 'or']);
    expect(tokens.filter(([, s]) => s === 'keyword.operator.comparison.tgraph').map(([t]) => t)).toEqual(['<', '>=', '!=']);
    expect(scopeOf('m = True', 'True')).toBe('constant.language.True.tgraph');
    expect(scopeOf('m = False', 'False')).toBe('constant.language.False.tgraph');
    // `android` is a name, not `and`.
    expect(scopeOf('m = android', 'android')).toBe('variable.other.tgraph');
    for (const dtype of ['float32', 'float64', 'int32', 'int64', 'bool']) {
      expect(scopeOf(`c = cast(x, ${dtype})`, dtype)).toBe('support.type.dtype.tgraph');
    }
    expect(
      line('r = x @ w // 2 % 3 / 4 - 1')
        .filter(([, s]) => s === 'keyword.operator.arithmetic.tgraph')
        .map(([t]) => t),
    ).toEqual(['@', '//', '%', '/', '-']);
  });

  it('scopes the tf. and np. prefixes with ops, dtypes and other names', () => {
    expect(line('p = tf.compat.v1.placeholder(tf.float32, [None, 3])').slice(2, 6)).toEqual([
      ['tf.compat.v1.', 'entity.name.namespace.prefix.tgraph'],
      ['placeholder', 'support.function.op.tgraph'],
      ['(', 'punctuation.parenthesis.begin.tgraph'],
      ['tf.', 'entity.name.namespace.prefix.tgraph'],
    ]);
    expect(scopeOf('p = tf.compat.v1.placeholder(tf.float32, [None, 3])', 'float32')).toBe('support.type.dtype.tgraph');
    expect(line('s = tf.nn.softmax(l)').slice(2, 4)).toEqual([
      ['tf.nn.', 'entity.name.namespace.prefix.tgraph'],
      ['softmax', 'support.function.op.tgraph'],
    ]);
    expect(line('s = tf.math.reduce_sum(l)')[2]).toEqual(['tf.math.', 'entity.name.namespace.prefix.tgraph']);
    expect(line('s = tf.linalg.matmul(a, b)')[2]).toEqual(['tf.linalg.', 'entity.name.namespace.prefix.tgraph']);
    expect(line('d = np.float64')).toEqual([
      ['d', 'variable.other.tgraph'],
      ['=', 'keyword.operator.assignment.tgraph'],
      ['np.', 'entity.name.namespace.prefix.tgraph'],
      ['float64', 'support.type.dtype.tgraph'],
    ]);
    // Not an accepted prefix: `foo.` is a name and an accessor; `reduce_sum` after it is an
    // attribute, not an op.
    expect(line('q = foo.reduce_sum').slice(2)).toEqual([
      ['foo', 'variable.other.tgraph'],
      ['.', 'punctuation.accessor.tgraph'],
      ['reduce_sum', 'variable.other.property.tgraph'],
    ]);
  });

  it('marks keyword arguments inside calls, across lines', () => {
    const [first, second] = tokenize('r = reduce_sum(x,\n    axis=1, keepdims=True)');
    expect(first.at(-1)).toEqual([',', 'punctuation.separator.element.tgraph']);
    expect(second).toEqual([
      ['axis', 'variable.parameter.keyword-argument.tgraph'],
      ['=', 'keyword.operator.assignment.keyword-argument.tgraph'],
      ['1', 'constant.numeric.integer.tgraph'],
      [',', 'punctuation.separator.element.tgraph'],
      ['keepdims', 'variable.parameter.keyword-argument.tgraph'],
      ['=', 'keyword.operator.assignment.keyword-argument.tgraph'],
      ['True', 'constant.language.True.tgraph'],
      [')', 'punctuation.parenthesis.end.tgraph'],
    ]);
    // `==` inside a call is a comparison, not a keyword argument.
    expect(scopeOf('w = where(a == b, a, b)', 'a')).toBe('variable.other.tgraph');
    expect(line('z = x + \\').at(-1)).toEqual(['\\', 'punctuation.separator.continuation.line.tgraph']);
  });

  it('highlights every non-internal op and alias of the engine registry as an op', () => {
    const names = allOps()
      .filter((op) => !op.internal)
      .flatMap((op) => [op.name, ...(op.aliases ?? [])]);
    expect(names.length).toBeGreaterThan(50);
    const missing = names.filter((name) => scopeOf(`y = ${name}(x)`, name) !== 'support.function.op.tgraph');
    // Fix: `node syntaxes/generate.mjs` regenerates the grammar's op list from the registry.
    expect(missing, 'ops not in syntaxes/tgraph.tmLanguage.json: run node syntaxes/generate.mjs').toEqual([]);
    // ... and with a tf. prefix, as pasted TensorFlow code has them.
    expect(scopeOf('y = tf.reduce_mean(x)', 'reduce_mean')).toBe('support.function.op.tgraph');
    // Internal helper ops are not offered to users and so not highlighted.
    const internal = allOps()
      .filter((op) => op.internal && !names.includes(op.name))
      .map((op) => op.name);
    for (const name of internal) expect(scopeOf(`y = ${name}(x)`, name)).not.toBe('support.function.op.tgraph');
  });

  it('matches the snapshots of the fixtures in test/grammar', async () => {
    const fixtures = path.join(root, 'test', 'grammar');
    const files = readdirSync(fixtures)
      .filter((f) => f.endsWith('.tgraph'))
      .sort();
    expect(files).toEqual(['features.tgraph', 'seed.tgraph']);
    for (const file of files) {
      const lines = tokenize(readFileSync(path.join(fixtures, file), 'utf8'));
      const rendered = lines.map((tokens, i) => `${i + 1}: ${tokens.map(([t, s]) => `${JSON.stringify(t)} ${s}`).join(' | ')}`).join('\n');
      await expect(rendered + '\n').toMatchFileSnapshot(path.join(fixtures, `${file}.snap`));
    }
  });
});

describe('language configuration', () => {
  it('comments with #, pairs brackets and quotes, indents inside brackets', () => {
    const config = JSON.parse(readFileSync(path.join(root, 'language-configuration.json'), 'utf8'));
    expect(config.comments).toEqual({ lineComment: '#' });
    expect(config.brackets).toEqual([
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ]);
    expect(config.autoClosingPairs.map((p: { open: string; close: string }) => p.open + p.close)).toEqual(['()', '[]', '{}', "''", '""']);
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    expect(increase.test('w = matmul(')).toBe(true);
    expect(increase.test('feed x = [  # rows')).toBe(true);
    expect(increase.test('y = f(x)')).toBe(false);
    expect(decrease.test('    ])')).toBe(true);
    expect(decrease.test('    x,')).toBe(false);
  });
});
