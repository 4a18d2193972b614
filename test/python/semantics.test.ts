// Python values as Python has them, NumPy's dtypes and printing (NumPy 1.24's output, written
// down from it), TensorFlow 1.x's graph objects and sessions.

import { describe, expect, it } from 'vitest';
import { data, nodeOf, printed, py, val } from './support';
import { RandomState, default_rng } from '../../engine/numpy/random';
import { exponentDigits, fixedDigits } from '../../engine/python/floatDigits';

/** What `print(...)` of each expression writes, one line each. */
function prints(setup: string, exprs: string[]): string[] {
  const src = `import numpy as np\nimport tensorflow as tf\n${setup}\n${exprs.map((e) => `print(${e})`).join('\n')}\n`;
  return printed(py(src)).split('\n').slice(0, -1);
}

describe('Python values', () => {
  it('computes ints exactly, floats as doubles, and prints them as Python does', () => {
    expect(
      prints('', [
        '1/3',
        '2**100',
        '7//2, -7//2, -7 % 3, 7.5 // 2',
        '1e16, 1e-5, 0.1 + 0.2, 3.0, -0.0',
        'True + 1, 10 / 4, 2 ** -1, round(2.5), round(3.5)',
        '2**64 // 3, 10**20 / 3',
      ]),
    ).toEqual([
      '0.3333333333333333',
      '1267650600228229401496703205376',
      '3 -4 2 3.0',
      '1e+16 1e-05 0.30000000000000004 3.0 -0.0',
      '2 2.5 0.5 2 4',
      '6148914691236517205 3.333333333333333e+19',
    ]);
  });

  it("formats floats with Python's exact digits: any precision, ties to even on the double's exact value (CPython 3.11's output)", () => {
    expect(
      prints('', [
        'f"{0.1:.200f}"',
        '"%.60f" % 0.1',
        "format(0.1, '.60e')",
        'f"{5e-324:.1100f}"[-30:]',
        'len(f"{5e-324:.1100f}")',
        'round(2.675, 2), round(0.125, 2), round(15.0, -1), round(25.0, -1), round(-0.4, 0)',
        'round(1250, -2), round(-1350, -2), round(5e-324, 400), round(123.456, -5)',
        'repr(1e22), repr(1e16), repr(1e15), repr(0.1 + 0.2)',
        'f"{1/3:.30g}", f"{1e300:.2f}"[:25], f"{0.125:.2f}", f"{2.5:.0f}", f"{0.5:.0%}"',
        'f"{1e-5:g}", f"{123456789.0:g}", f"{100.0:.3}", f"{10.0:.3}", f"{12.0:.2}", f"{1/3:.3}"',
        'f"{9.999:.2e}", f"{0.0:e}", f"{1.5:#g}", f"{1e16:.3}", f"{1234.5:,.1f}", f"{-0.0:.1f}"',
        '"%10.3e|%-8.2f|%+.3g" % (12345.678, 2.675, 0.000123456)',
      ]),
    ).toEqual([
      '0.10000000000000000555111512312578270211815834045410156250000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
      '0.100000000000000005551115123125782702118158340454101562500000',
      '1.000000000000000055511151231257827021181583404541015625000000e-01',
      '562500000000000000000000000000',
      '1102',
      '2.67 0.12 20.0 20.0 -0.0',
      '1200 -1400 5e-324 0.0',
      '1e+22 1e+16 1000000000000000.0 0.30000000000000004',
      '0.333333333333333314829616256247 1000000000000000052504760 0.12 2 50%',
      '1e-05 1.23457e+08 1e+02 10.0 1.2e+01 0.333',
      '1.00e+01 0.000000e+00 1.50000 1e+16 1,234.5 -0.0',
      ' 1.235e+04|2.67    |+0.000123',
    ]);
  });

  it('agrees with the exact digits JavaScript gives where it has them (precision ≤ 100, below 1e21, no exact tie)', () => {
    // A fixed stream of doubles over the whole range: JavaScript's toFixed/toExponential are
    // also exact there (they differ only on exact ties, which these doubles do not hit).
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const x = Math.abs((next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
      const p = Math.floor(next() * 101);
      // (an exact tie: the exact expansion ends in a 5 just past the digits kept)
      const exactFraction = fixedDigits(x, 1100).replace(/0+$/, '').split('.')[1] ?? '';
      const exactSignificant = exponentDigits(x, 1100).split('e')[0].replace('.', '').replace(/0+$/, '');
      if (!(exactFraction.length === p + 1 && exactFraction.endsWith('5'))) {
        expect(fixedDigits(x, p), `${x} .${p}f`).toBe(x.toFixed(p));
        compared++;
      }
      if (!(exactSignificant.length === p + 2 && exactSignificant.endsWith('5'))) {
        expect(exponentDigits(x, p), `${x} .${p}e`).toBe(x.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2'));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(3900);
  });

  it('gives type(x) as a type object, named and compared as in Python and TensorFlow 2', () => {
    expect(
      prints('class Net(object):\n    pass\nx = tf.constant([1.0])\na = np.array([1, 2])\nv = tf.Variable(1.0)', [
        'type(1), type(1.5), type("s"), type([1]), type(None)',
        'type(x)',
        'type(a), type(a[0]), type(np.float32(1.0)), type(a > 1)',
        'type(1).__name__, type(x).__name__, type(a).__name__, type(Net()).__name__, len.__name__',
        'type(a) == np.ndarray, type(a) is np.ndarray, type(1.5) == float, type(x) == type(a), isinstance(x, type(x))',
        'type(v)',
        'type(Net())',
      ]),
    ).toEqual([
      "<class 'int'> <class 'float'> <class 'str'> <class 'list'> <class 'NoneType'>",
      "<class 'tensorflow.python.framework.ops.EagerTensor'>",
      "<class 'numpy.ndarray'> <class 'numpy.int64'> <class 'numpy.float32'> <class 'numpy.ndarray'>",
      'int EagerTensor ndarray Net len',
      'True True True False True',
      "<class 'tensorflow.python.ops.resource_variable_ops.ResourceVariable'>",
      "<class '__main__.Net'>",
    ]);
  });

  it("writes a TensorShape's repr as the TensorFlow of the script does (TF 2 eager, TF 1 graph)", () => {
    expect(prints('x = tf.ones([2, 3])', ['[x.shape]', 'x.shape', 'repr(tf.TensorShape([None, 4]))'])).toEqual([
      '[TensorShape([2, 3])]',
      '(2, 3)',
      'TensorShape([None, 4])',
    ]);
    const graph = py('import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 3])\nprint([x.shape], x.shape)\n');
    expect(printed(graph)).toBe('[TensorShape([Dimension(None), Dimension(3)])] (?, 3)\n');
  });

  it("runs a TF 1.x Variable.assign when a session runs it (DDPG's soft target update), with the run's values", () => {
    const a = py(`import tensorflow as tf
v = tf.Variable([1., 2.])
target = tf.Variable([10., 20.])
x = tf.placeholder(tf.float32, [2])
tau = 0.5
soft_update = target.assign(tf.multiply(v, tau) + tf.multiply(target, 1. - tau))
step = tf.assign_add(v, x)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    fetched = sess.run(soft_update)
    sess.run(step, {x: [1., 1.]})
    sess.run([soft_update])
    v1, target1 = sess.run([v, target])
`);
    expect(a.diagnostics).toEqual([]);
    // Fetched, an assignment is the assigned value.
    expect(data(val(a, 'fetched'))).toEqual([5.5, 11]);
    expect(data(val(a, 'v1'))).toEqual([2, 3]);
    expect(data(val(a, 'target1'))).toEqual([3.75, 7]);
    const bad = py('import tensorflow as tf\nv = tf.Variable([1., 2.])\nop = v.assign([1., 2., 3.])\n', { strict: false });
    expect(bad.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('Shape mismatch')]);
  });

  it('keeps Python numbers exact until they meet a dtype', () => {
    const a = py('import tensorflow as tf\nthird = tf.constant(1. / 3., dtype=tf.float64)\nbig = tf.constant(2 ** 40, dtype=tf.float64)\n');
    expect(data(val(a, 'third'))).toEqual([1 / 3]);
    expect(data(val(a, 'big'))).toEqual([2 ** 40]);
  });

  it('has lists, tuples, dicts, sets, comprehensions, unpacking and string formatting', () => {
    expect(
      prints(
        'sq = [i * i for i in range(5) if i % 2 == 0]\nd = {k: v for k, v in zip("abc", range(3))}\nfirst, *rest = [1, 2, 3]\nl = [3, 1]\nl.append(2)\nl += [0]',
        [
          "[1, 'a', (2,), {'k': None}], (1, 2), {1, 2} == {2, 1}",
          'sq, d, first, rest',
          'sorted(l, reverse=True), list(enumerate("ab")), max([1, 5, 3]), sum(range(10))',
          "'%.3f loss %d %s' % (1.23456, 7, 'x')",
          "'{:>6.2f}|{}'.format(3.14159, [1])",
          'f\'{1/3:.4f} {10:03d} {"s"!r}\'',
        ],
      ),
    ).toEqual([
      "[1, 'a', (2,), {'k': None}] (1, 2) True",
      "[0, 4, 16] {'a': 0, 'b': 1, 'c': 2} 1 [2, 3]",
      "[3, 2, 1, 0] [(0, 'a'), (1, 'b')] 5 45",
      '1.235 loss 7 x',
      '  3.14|[1]',
      "0.3333 010 's'",
    ]);
  });

  it('calls defs with defaults, *args, keyword-only parameters and **kwargs, and lambdas', () => {
    expect(
      prints('def f(a, *args, b=2, **kw):\n    return a + sum(args) + b + len(kw)\ng = lambda q, r=1: q * 2 + r', [
        'f(1), f(1, 2, 3, b=10, z=1), g(20)',
      ]),
    ).toEqual(['3 17 41']);
  });

  it('closures see the scope they were defined in', () => {
    expect(prints('def make(k):\n    def add(x):\n        return x + k\n    return add\nadd3 = make(3)', ['add3(4), make(10)(1)'])).toEqual(
      ['7 11'],
    );
  });
});

describe('NumPy', () => {
  it('gives arrays NumPy 1.x dtypes and promotion', () => {
    expect(
      prints('a = np.array([1, 2, 3])\nb = np.array([1., 2., 3.], dtype=np.float32)', [
        'a.dtype, b.dtype, (a + b).dtype, (a * 2.5).dtype, (b * 2.5).dtype, (a / 2).dtype, (a // 2).dtype',
        'np.float32(3) * 2., np.int32(3), a.sum(), a.mean(), b.mean(), np.sum(np.array([True, False, True]))',
        'np.array([True]).dtype, np.array([1, 2.]).dtype, np.zeros(2).dtype, np.arange(3).dtype, np.arange(3.).dtype',
      ]),
    ).toEqual(['int64 float32 float64 float64 float32 float64 int64', '6.0 3 6 2.0 2.0 2', 'bool float64 float64 int64 float64']);
  });

  it('prints arrays as NumPy does (str and repr)', () => {
    expect(
      prints('b = np.array([1., 2., 3.], dtype=np.float32)\na = np.array([1, 2, 3])', [
        'repr(b)',
        'repr(a.reshape(3, 1))',
        'np.arange(6).reshape(2, 3).T',
        'np.linspace(0, 1, 5)',
        '[np.zeros(2, dtype=np.int32)]',
      ]),
    ).toEqual([
      'array([1., 2., 3.], dtype=float32)',
      'array([[1],',
      '       [2],',
      '       [3]])',
      '[[0 3]',
      ' [1 4]',
      ' [2 5]]',
      '[0.   0.25 0.5  0.75 1.  ]',
      '[array([0, 0], dtype=int32)]',
    ]);
  });

  it("gives top_k's result as TensorFlow's named tuple: by field, by index, unpacked", () => {
    expect(
      prints('x = tf.constant([[1., 5., 3.], [4., 2., 6.]])\nr = tf.math.top_k(x, 2)\nv, i = tf.nn.top_k(x, k=1)', [
        'r.values.numpy(), r.indices.numpy()[1], r[1].numpy()[0], len(r)',
        'v.numpy()[:, 0], i.numpy()[:, 0]',
      ]),
    ).toEqual(['[[5. 3.]', ' [6. 4.]] [2 0] [1 2] 2', '[5. 6.] [1 2]']);
  });

  it('takes triangles of matrices as np.tril and np.triu (the last two axes, diagonal k)', () => {
    expect(
      prints('a = np.arange(12, dtype=np.float32).reshape(3, 4) + 1', [
        'np.tril(a)',
        'np.triu(a, 1)',
        'np.tril(a, -1).sum(), np.triu(a, -2)[2], repr(np.triu([1, 2, 3])), np.tril(np.ones([2, 2, 2]), -1)[1]',
      ]),
    ).toEqual([
      '[[ 1.  0.  0.  0.]',
      ' [ 5.  6.  0.  0.]',
      ' [ 9. 10. 11.  0.]]',
      '[[ 0.  2.  3.  4.]',
      ' [ 0.  0.  7.  8.]',
      ' [ 0.  0.  0. 12.]]',
      '24.0 [ 9. 10. 11. 12.] array([[1, 2, 3],',
      '       [0, 2, 3],',
      '       [0, 0, 3]]) [[0. 0.]',
      ' [1. 0.]]',
    ]);
  });

  it('indexes, assigns in place, reduces and multiplies as NumPy', () => {
    expect(
      prints('c = np.zeros((3, 3))\nc[1, :] = 5\nc[:, 2] += 1\nl = np.zeros((2, 3))\nl[np.arange(2), [2, 0]] = 1', [
        'c[c > 1], c.max(axis=0), np.argmax(c, axis=1)',
        'l',
        'np.dot(np.ones((2, 3)), np.arange(3)), np.matmul(np.eye(2), [[1, 2], [3, 4]])[1]',
        'c[1], c[1, 2], c[-1, ::2]',
      ]),
    ).toEqual(['[5. 5. 6.] [5. 5. 6.] [2 2 2]', '[[0. 0. 1.]', ' [1. 0. 0.]]', '[3. 3.] [3. 4.]', '[5. 5. 6.] 6.0 [0. 1.]']);
  });
});

describe('TensorFlow 1.x', () => {
  it('prints graph tensors and their static shapes as TF 1.x does', () => {
    expect(
      prints('x = tf.placeholder(tf.float32, [None, 3], name="x")\ny = 2 * x', [
        'x',
        'y',
        'x.shape, x.get_shape().as_list(), x.dtype, y.shape[1]',
      ]),
    ).toEqual([
      'Tensor("x:0", shape=(?, 3), dtype=float32)',
      'Tensor("mul:0", shape=(?, 3), dtype=float32)',
      "(?, 3) [None, 3] <dtype: 'float32'> 3",
    ]);
  });

  it('evaluates each run with its own feeds; a tensor shows its last fetched value and says from where', () => {
    const a = py(
      'import tensorflow as tf\nx = tf.placeholder(tf.float32, [2])\ny = x * x\nsess = tf.Session()\nfirst = sess.run(y, {x: [1., 2.]})\nsecond = sess.run(y, {x: [3., 4.]})\n',
    );
    expect(data(val(a, 'first'))).toEqual([1, 4]);
    expect(data(val(a, 'second'))).toEqual([9, 16]);
    expect(data(val(a, 'y'))).toEqual([9, 16]);
    expect(a.python!.runOf(nodeOf(a.lookup('y')))?.line).toBe(6);
    expect(a.python!.runs.map((r) => r.line)).toEqual([5, 6]);
  });

  it('initialises variables in a session; get_variable with initializers, scopes and reuse', () => {
    const a = py(
      [
        'import tensorflow as tf',
        'with tf.variable_scope("layer"):',
        '    w = tf.get_variable("w", [2, 3], initializer=tf.constant_initializer(0.5))',
        '    g = tf.get_variable("g", [200, 100])',
        'with tf.variable_scope("layer", reuse=True):',
        '    w2 = tf.get_variable("w")',
        'v = tf.Variable(tf.zeros([2]), name="v")',
        'names = [x.name for x in tf.global_variables()]',
        'sess = tf.Session()',
        'sess.run(tf.global_variables_initializer())',
        'w_val, g_val, same = sess.run(w), sess.run(g), w is w2',
        '',
      ].join('\n'),
    );
    expect(data(val(a, 'w_val'))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    // glorot_uniform: within ±sqrt(6 / (fan_in + fan_out)), and not constant
    const limit = Math.sqrt(6 / 300);
    const g = data(val(a, 'g_val'));
    expect(Math.max(...g.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(new Set(g).size).toBeGreaterThan(1000);
    expect(
      printed(py('import tensorflow as tf\nv = tf.get_variable("a/b", [1])\nprint(v.name, tf.Variable(1.).name, tf.Variable(2.).name)\n')),
    ).toBe('a/b:0 Variable:0 Variable_1:0\n');
  });

  it("resolves TensorFlow's paths where the registry's names differ", () => {
    expect(
      prints('x = tf.ones([2, 3, 4])', [
        'tf.linalg.transpose(x).shape, tf.transpose(x).shape, tf.random.normal([2]).shape, tf.random.uniform([3]).dtype',
      ]),
    ).toEqual(["(2, 4, 3) (4, 3, 2) (2,) <dtype: 'float32'>"]);
  });

  it("has TF 1.x's tf.to_float & co. as casts", () => {
    expect(
      prints('x = tf.constant([[1., 2.], [4., 3.]])\nsess = tf.Session()', [
        'sess.run(tf.to_float(tf.argmax(x, 1))), sess.run(tf.to_int32(x)).dtype',
      ]),
    ).toEqual(['[1. 0.] int32']);
  });

  it('returns None for operations and the structure of the fetches', () => {
    expect(
      prints(
        'a = tf.placeholder(tf.float32, [2])\nsess = tf.Session()\nout = sess.run([{"s": tf.reduce_sum(a)}, (a, tf.no_op())], {a: [1., 2.]})',
        ['out'],
      ),
    ).toEqual(["[{'s': 3.0}, (array([1., 2.], dtype=float32), None)]"]);
  });
});

describe('np.random', () => {
  it("gives NumPy's streams: the spec's example, and the same draws as the engine's RandomState", () => {
    const a = py(
      [
        'import numpy as np',
        'np.random.seed(0)',
        'x = np.random.randint(0, 10, (4, 3))',
        'u = np.random.rand(2, 2)',
        'n = np.random.randn(3)',
        'c = np.random.choice(5, 4, p=[0.1, 0.2, 0.3, 0.2, 0.2])',
        'l = [1, 2, 3, 4, 5]',
        'np.random.shuffle(l)',
        'p = np.random.permutation(6)',
        'f = np.random.normal(1.0, 2.0)',
        'rs = np.random.RandomState(42)',
        'r = rs.uniform(-1, 1, size=3)',
        'g = np.random.default_rng(7).integers(0, 100, size=5)',
        '',
      ].join('\n'),
    );
    expect(data(val(a, 'x'))).toEqual([5, 0, 3, 3, 7, 9, 3, 5, 2, 4, 7, 6]);
    expect(val(a, 'x').dtype).toBe('int64');
    const rs = new RandomState(0);
    rs.randint(0, 10, [4, 3]);
    expect(data(val(a, 'u'))).toEqual(Array.from(rs.rand(2, 2).data));
    expect(data(val(a, 'n'))).toEqual(Array.from(rs.randn(3).data));
    expect(data(val(a, 'c'))).toEqual(Array.from(rs.choice(5, 4, true, [0.1, 0.2, 0.3, 0.2, 0.2]).data));
    const order = { shape: [5], data: Float64Array.from([1, 2, 3, 4, 5]) };
    rs.shuffle(order);
    expect(
      printed(
        py(
          `import numpy as np\nnp.random.seed(0)\nnp.random.randint(0, 10, (4, 3)); np.random.rand(2, 2); np.random.randn(3); np.random.choice(5, 4, p=[0.1, 0.2, 0.3, 0.2, 0.2])\nl = [1, 2, 3, 4, 5]\nnp.random.shuffle(l)\nprint(l)\n`,
        ),
      ),
    ).toBe(`[${Array.from(order.data).join(', ')}]\n`);
    expect(data(val(a, 'p'))).toEqual(Array.from(rs.permutation(6).data));
    expect(a.lookup('f')?.value.kind).toBe('tensor');
    expect(data(val(a, 'f'))).toEqual([Array.from(rs.normal(1.0, 2.0).data)[0]]);
    expect(data(val(a, 'r'))).toEqual(Array.from(new RandomState(42).uniform(-1, 1, 3).data));
    expect(data(val(a, 'g'))).toEqual(Array.from(default_rng(7).integers(0, 100, 5).data as Float64Array));
  });

  it("says a value drawn without np.random.seed is a sample of seed 0's stream, and NumPy's errors", () => {
    const a = py('import numpy as np\nx = np.random.rand(3)\nnp.random.seed(1)\ny = np.random.rand(3)\n');
    expect(a.lookup('x')?.describe).toContain('seed 0');
    expect(a.lookup('y')?.describe).toBeUndefined();
    const bad = py('import numpy as np\nz = np.random.randint(5, 5)\n', { strict: false });
    expect(bad.diagnostics.map((d) => d.message)).toEqual(['ValueError: low >= high']);
  });
});
