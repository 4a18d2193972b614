// The Python mode of the fuzzer (`--python`): users open their own scripts, half-typed, in
// the editor, and the Python front end is a whole interpreter (loops, defs, classes, lists,
// dicts, NumPy, TF 1 sessions, tapes). Its inputs are the example scripts, the test
// fixtures and the scripts embedded in test/python/*.test.ts, mutated as a user's typing
// and a hostile author would (the token mutations of mutate.ts, plus indentation, lines
// repeated inside loops and defs, deep nesting, recursion, self-referencing and shared
// lists, huge counts), and a few hostile recipes of their own.

import * as fs from 'fs';
import * as path from 'path';
import { walk } from './files';
import type { Rng } from './rng';
import { mutate } from './mutate';
import type { CorpusFile } from './inputs';

/** Scripts written inside the Python tests as template literals: several lines, an
 *  assignment or an import, not TypeScript. A `${...}` in them (a matrix the test also gives
 *  TensorFlow.js) becomes a small matrix. */
export function embeddedScripts(source: string): string[] {
  const out: string[] = [];
  const re = /`((?:[^`\\$]|\\.|\$\{[^{}`]*\}|\$(?!\{))*)`/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const body = m[1];
    if (!body.includes('\n') || !/^\s*([A-Za-z_][\w.]*(\s*,\s*[A-Za-z_]\w*)*\s*=|import |from |def |for |with )/m.test(body)) continue;
    if (body.length > 20_000) continue;
    if (/;\s*$|=>|\bfunction\b|\bconst\b|\blet\b/m.test(body)) continue;
    out.push(
      body
        .replace(/\$\{[^{}`]*\}/g, '[[0.5, -1.0], [2.0, 0.25]]')
        .replace(/\\`/g, '`')
        .replace(/\\\\/g, '\\'),
    );
  }
  return out;
}

/** Every example script, every .py fixture and saved regression (but those that spend a
 *  whole budget by design), and the scripts embedded in the Python tests. Sorted. */
export function loadPythonCorpus(root: string): CorpusFile[] {
  const files: string[] = [];
  const expensive = /[/\\]fuzz-regressions[/\\](hang|slow|memory|process-died)-[^/\\]*$/;
  const hostile = /[/\\]fixtures[/\\](hostile|python-hostile)[/\\]/;
  const isScript = (f: string) => f.endsWith('.py') && !expensive.test(f) && !hostile.test(f);
  walk(path.join(root, 'examples'), files, isScript);
  walk(path.join(root, 'test'), files, isScript);
  const corpus: CorpusFile[] = files.map((f) => ({ name: path.relative(root, f).replace(/\\/g, '/'), text: fs.readFileSync(f, 'utf8') }));
  const tests: string[] = [];
  walk(path.join(root, 'test', 'python'), tests, (f) => f.endsWith('.test.ts'));
  for (const f of tests) {
    const rel = path.relative(root, f).replace(/\\/g, '/');
    embeddedScripts(fs.readFileSync(f, 'utf8')).forEach((text, k) => corpus.push({ name: `${rel}#${k}`, text }));
  }
  return corpus.filter((c) => c.text.length <= 200_000);
}

// ---- mutations of Python's own ------------------------------------------------------------------

const HUGE = ['10**9', '2**31', '2**63', '10**18', '1e308', '10**100', '-1', '0', '2**24', '100000', '10**6'];

function lines(text: string): string[] {
  return text.split('\n');
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** A line's indentation changed: one space more or less, a tab, or none. */
function breakIndentation(rng: Rng, text: string): string {
  const ls = lines(text);
  const i = rng.int(0, ls.length - 1);
  const body = ls[i].trimStart();
  const indent = indentOf(ls[i]);
  ls[i] = rng.pick([indent + ' ', indent.slice(1), '\t' + indent, '', indent + '    ', indent + '\t']) + body;
  return ls.join('\n');
}

/** A line inside a block (indented) repeated, so a loop or def body does it many times. */
function duplicateInBlock(rng: Rng, text: string): string {
  const ls = lines(text);
  const inside = ls.map((l, i) => (/^[ \t]+\S/.test(l) ? i : -1)).filter((i) => i >= 0);
  if (!inside.length) return text;
  const i = rng.pick(inside);
  const times = rng.pick([2, 5, 20]);
  ls.splice(i, 0, ...Array<string>(times - 1).fill(ls[i]));
  return ls.join('\n');
}

/** Part of the script wrapped in deep `for`/`while`/`def`/`class`/`if`/`with` nesting. */
function nestDeep(rng: Rng, text: string): string {
  const ls = lines(text);
  const at = rng.int(0, ls.length);
  const depth = rng.pick([3, 10, 40, 120]);
  const heads: string[] = [];
  for (let d = 0; d < depth; d++) {
    heads.push(
      rng.pick([
        `for _i${d} in range(${rng.pick(['2', '3', '10', 'n'])}):`,
        `while False:`,
        `def _f${d}():`,
        `class _C${d}:`,
        `if True:`,
        `with tf.GradientTape() as _t${d}:`,
      ]),
    );
  }
  const block = ls.slice(at, at + rng.int(1, 4));
  const out = heads.map((h, d) => '    '.repeat(d) + h);
  for (const l of block.length ? block : ['x = 1']) out.push('    '.repeat(depth) + l.trimStart());
  ls.splice(at, block.length, ...out);
  return ls.join('\n');
}

/** Numbers (and repeat counts, sizes) replaced by huge or odd ones. */
function hugeNumber(rng: Rng, text: string): string {
  const numbers = [...text.matchAll(/(?<![\w.])\d+(?:\.\d*)?(?![\w.])/g)];
  if (!numbers.length) return text + `\nx = [0] * ${rng.pick(HUGE)}\n`;
  const m = rng.pick(numbers);
  return text.slice(0, m.index) + rng.pick(HUGE) + text.slice(m.index! + m[0].length);
}

/** Something hostile appended, or inserted at a line start, using a name the script binds. */
function insertHostile(rng: Rng, text: string): string {
  const names = [...new Set([...text.matchAll(/^([A-Za-z_]\w*)\s*=/gm)].map((m) => m[1]))];
  const name = names.length ? rng.pick(names) : 'x';
  const snippet = rng.pick(SNIPPETS)(rng, name);
  const ls = lines(text);
  const tops = ls.map((l, i) => (/^\S/.test(l) ? i : -1)).filter((i) => i >= 0);
  const at = tops.length && rng.chance(0.5) ? rng.pick(tops) + 1 : ls.length;
  ls.splice(at, 0, ...snippet.split('\n'));
  return ls.join('\n');
}

/** Small hostile pieces, each about one name the script binds. */
const SNIPPETS: readonly ((rng: Rng, name: string) => string)[] = [
  (rng, n) => `for _k in range(${rng.pick([18, 30, 64])}):\n    ${n} = [${n}, ${n}]`,
  (rng, n) => `for _k in range(${rng.pick([18, 40])}):\n    ${n} = (${n}, ${n})`,
  (_rng, n) => `_l = [${n}]\n_l.append(_l)\n${n} = _l`,
  (_rng, n) => `_d = {'k': ${n}}\n_d['self'] = _d\n${n} = _d`,
  (rng, n) => `${n} = ${n} * ${rng.pick(HUGE)}`,
  (rng, n) => `${n} = [${n}] * ${rng.pick(HUGE)}`,
  (rng, n) => `for _k in range(${rng.pick([30, 64])}):\n    ${n} = ${n} + ${n}`,
  (_rng, n) => `print(${n}, str(${n}), repr([${n}, ${n}]))`,
  (_rng, n) => `_s = f"{${n}}{${n}!r}{${n}:>20}"`,
  (_rng, n) => `_e = ${n} == ${n}\n_h = {(${n},): 1} if False else 0`,
  (rng, n) => `def _r(v):\n    return _r(v) + ${n}\n_y = _r(${rng.pick(['0', n])})`,
  (rng, n) => `def _g(v, k):\n    return v if k == 0 else _g([v, v], k - 1)\n_y = _g(${n}, ${rng.pick([10, 25, 60])})`,
  (_rng, n) => `sess = tf.compat.v1.Session()\n_v = sess.run([${n}, (${n}, {'a': ${n}}), [[${n}]]])`,
  (_rng, n) => `sess = tf.compat.v1.Session()\n_v = sess.run(${n}, feed_dict={${n}: [[1.0, 2.0, 3.0]]})`,
  (_rng, n) =>
    `with tf.GradientTape() as _t:\n    _t.watch(${n})\n    _z = ${n} * ${n}\n_a = _t.gradient(_z, ${n})\n_b = _t.gradient(_z, ${n})`,
  (rng, n) => `_r = np.random.rand(${rng.pick(HUGE)}, ${rng.pick(HUGE)})\n_q = np.random.normal(size=(${rng.pick(HUGE)},)) + ${n}`,
  (rng, n) => `_t = tf.reshape(${n}, [${rng.pick(['-1, -1', '0, -1', '3, 7', '10**9'])}])`,
  (_rng, n) => `class _K:\n    def __init__(self):\n        self.v = self\n_o = _K()\n_p = [_o, ${n}]`,
  (rng, n) => `while True:\n    ${n} = [${n}]${rng.chance(0.5) ? '\n    break' : ''}`,
  (_rng, n) => `_it = iter([${n}]) if False else [${n}]\nfor _a in _it:\n    _it.append(_a)`,
  (rng, n) => `${n}.${rng.pick(['shape', 'dtype', 'numpy()', 'T', '__class__', 'append(1)', 'items()'])}`,
  (rng, n) => `_m = ${rng.pick(['max', 'min', 'sorted', 'sum', 'len', 'list', 'tuple', 'set', 'dict', 'enumerate', 'zip'])}(${n})`,
];

const PYTHON_MUTATIONS: readonly (readonly [number, (rng: Rng, text: string, donors: readonly string[]) => string])[] = [
  [30, (rng, text, donors) => mutate(rng, text, donors)],
  [10, breakIndentation],
  [10, duplicateInBlock],
  [8, nestDeep],
  [12, hugeNumber],
  [30, insertHostile],
];

/** A script mutated by one to three of the mutations above. */
export function mutatePython(rng: Rng, text: string, donors: readonly string[] = []): string {
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) text = rng.weighted(PYTHON_MUTATIONS)(rng, text, donors);
  return text;
}

/** A hostile script of its own: a few snippets about a small value. */
export function pythonRecipe(rng: Rng): string {
  const start = rng.pick([
    'import tensorflow as tf\nimport numpy as np\nx = tf.constant([[1.0, 2.0, 3.0]])',
    'import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32, [None, 3])',
    'import numpy as np\nx = np.ones((2, 3))',
    'x = 1',
    'x = [1, 2.5, True]',
    "x = {'a': 1, 'b': [2, 3]}",
    'import tensorflow as tf\nx = tf.Variable([1.0, 2.0])',
  ]);
  let text = start + '\n';
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) text += rng.pick(SNIPPETS)(rng, 'x') + '\n';
  return text;
}
