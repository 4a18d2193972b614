import { describe, expect, it } from 'vitest';
import { formatTensor } from '../../engine/format/numpy';
import { shortestFloat32, tensorToJson } from '../../engine/format/json';
import { makeTensor, type DType, type Tensor } from '../../engine/tensor';

function tensor(dtype: DType, shape: number[], values: ArrayLike<number | boolean>): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const nums = Array.from(values, (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  if (nums.length !== n) throw new Error('bad test tensor');
  const data =
    dtype === 'float32'
      ? Float32Array.from(nums)
      : dtype === 'float64'
        ? Float64Array.from(nums)
        : dtype === 'int32'
          ? Int32Array.from(nums)
          : Uint8Array.from(nums);
  return makeTensor(dtype, shape, data);
}

const f32 = (shape: number[], v: number[]) => tensor('float32', shape, v);
const f64 = (shape: number[], v: number[]) => tensor('float64', shape, v);
const i32 = (shape: number[], v: number[]) => tensor('int32', shape, v);
const arange = (n: number) => Array.from({ length: n }, (_, i) => i);

// Expected strings are NumPy's `str(arr)` (NumPy >= 1.14 defaults), checked by hand.
describe('formatTensor: NumPy str() outputs', () => {
  const cases: [string, Tensor, string][] = [
    [
      'np.array([[20.,12,28],[8,8,20],[28,20,0],[12,28,24]], dtype=np.float32)',
      f32([4, 3], [20, 12, 28, 8, 8, 20, 28, 20, 0, 12, 28, 24]),
      '[[20. 12. 28.]\n [ 8.  8. 20.]\n [28. 20.  0.]\n [12. 28. 24.]]',
    ],
    ['np.float32([0.1, 0.25, 3])', f32([3], [0.1, 0.25, 3]), '[0.1  0.25 3.  ]'],
    ['np.float32([0.1, 0.2, 0.3])', f32([3], [0.1, 0.2, 0.3]), '[0.1 0.2 0.3]'],
    ['np.array([1e-5, 1.])', f64([2], [1e-5, 1]), '[1.e-05 1.e+00]'],
    ['np.array([-1e-5, 1.])', f64([2], [-1e-5, 1]), '[-1.e-05  1.e+00]'],
    ['np.array([1.5, -2.25])', f64([2], [1.5, -2.25]), '[ 1.5  -2.25]'],
    ['np.array([1., 2.5, -3.125])', f64([3], [1, 2.5, -3.125]), '[ 1.     2.5   -3.125]'],
    ['np.array([1/3], dtype=np.float32)', f32([1], [1 / 3]), '[0.33333334]'],
    ['np.array([1/3])', f64([1], [1 / 3]), '[0.33333333]'],
    ['np.float32([1/3, 2/3])', f32([2], [1 / 3, 2 / 3]), '[0.33333334 0.6666667 ]'],
    ['np.array([2/3])', f64([1], [2 / 3]), '[0.66666667]'],
    ['np.array([np.pi])', f64([1], [Math.PI]), '[3.14159265]'],
    ['np.array([0.1 + 0.2])', f64([1], [0.1 + 0.2]), '[0.3]'],
    ['np.linspace(0, 1, 5)', f64([5], [0, 0.25, 0.5, 0.75, 1]), '[0.   0.25 0.5  0.75 1.  ]'],
    ['np.array([0.5, 0.25, 0.125])', f64([3], [0.5, 0.25, 0.125]), '[0.5   0.25  0.125]'],
    ['np.array([123456.789])', f64([1], [123456.789]), '[123456.789]'],
    ['np.array([99999999.])', f64([1], [99999999]), '[99999999.]'],
    ['np.array([9.999999999])', f64([1], [9.999999999]), '[10.]'],
    ['np.array([-0., 1.])', f64([2], [-0, 1]), '[-0.  1.]'],
    ['np.array([1e8], dtype=np.float32)', f32([1], [1e8]), '[1.e+08]'],
    ['np.array([1e10, 1.])', f64([2], [1e10, 1]), '[1.e+10 1.e+00]'],
    ['np.array([1.5e10, 1.])', f64([2], [1.5e10, 1]), '[1.5e+10 1.0e+00]'],
    ['np.array([1.2345e-5])', f64([1], [1.2345e-5]), '[1.2345e-05]'],
    ['np.array([0.001, 2.])  (max/min > 1e3)', f64([2], [0.001, 2]), '[1.e-03 2.e+00]'],
    ['np.array([0., 1e-5])', f64([2], [0, 1e-5]), '[0.e+00 1.e-05]'],
    ['np.array([1e-300, 1.])', f64([2], [1e-300, 1]), '[1.e-300 1.e+000]'],
    ['np.float32([3.4028235e38])', f32([1], [3.4028234663852886e38]), '[3.4028235e+38]'],
    ['np.array([1., np.nan, np.inf])', f64([3], [1, NaN, Infinity]), '[ 1. nan inf]'],
    ['np.array([1.5, -np.inf])', f64([2], [1.5, -Infinity]), '[ 1.5 -inf]'],
    ['np.array([np.nan])', f64([1], [NaN]), '[nan]'],
    ['np.array([np.nan, -np.inf])', f64([2], [NaN, -Infinity]), '[ nan -inf]'],
    ['np.array([np.nan, 1e-5])', f64([2], [NaN, 1e-5]), '[   nan 1.e-05]'],
    ['np.array([0.001953125])  (exact tie, to even)', f64([1], [0.001953125]), '[0.00195312]'],
    ['np.array([0.005859375])  (exact tie, to even)', f64([1], [0.005859375]), '[0.00585938]'],
    ['np.array([2**-13, 1e-9])  (exact tie in scientific)', f64([2], [2 ** -13, 1e-9]), '[1.22070312e-04 1.00000000e-09]'],
    ['np.array([-1, 10, 100])', i32([3], [-1, 10, 100]), '[ -1  10 100]'],
    ['np.array([-100, 5])', i32([2], [-100, 5]), '[-100    5]'],
    ['np.array([True, False])', tensor('bool', [2], [true, false]), '[ True False]'],
    ['np.array([True, True])', tensor('bool', [2], [true, true]), '[ True  True]'],
    ['np.array([[True, False], [False, False]])', tensor('bool', [2, 2], [true, false, false, false]), '[[ True False]\n [False False]]'],
    [
      'np.arange(24).reshape(2,3,4)',
      i32([2, 3, 4], arange(24)),
      '[[[ 0  1  2  3]\n  [ 4  5  6  7]\n  [ 8  9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]',
    ],
    [
      'np.arange(30.)',
      f64([30], arange(30)),
      '[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n' + ' 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]',
    ],
    [
      'np.arange(30.).reshape(1, 30)',
      f64([1, 30], arange(30)),
      '[[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n' + '  18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]]',
    ],
    [
      'np.arange(100)',
      i32([100], arange(100)),
      '[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n' +
        ' 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47\n' +
        ' 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71\n' +
        ' 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95\n' +
        ' 96 97 98 99]',
    ],
    [
      'np.full(20, 1e-5)',
      f64([20], new Array(20).fill(1e-5)),
      '[1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05\n' +
        ' 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05 1.e-05]',
    ],
    ['np.arange(2000)', i32([2000], arange(2000)), '[   0    1    2 ... 1997 1998 1999]'],
    ['np.arange(1001)', i32([1001], arange(1001)), '[   0    1    2 ...  998  999 1000]'],
    ['np.arange(2000.)', f64([2000], arange(2000)), '[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]'],
    ['np.ones(2000, dtype=bool)', tensor('bool', [2000], new Array(2000).fill(1)), '[ True  True  True ...  True  True  True]'],
    [
      'np.arange(2000).reshape(20, 100)',
      i32([20, 100], arange(2000)),
      '[[   0    1    2 ...   97   98   99]\n' +
        ' [ 100  101  102 ...  197  198  199]\n' +
        ' [ 200  201  202 ...  297  298  299]\n' +
        ' ...\n' +
        ' [1700 1701 1702 ... 1797 1798 1799]\n' +
        ' [1800 1801 1802 ... 1897 1898 1899]\n' +
        ' [1900 1901 1902 ... 1997 1998 1999]]',
    ],
    [
      'np.arange(1400).reshape(7, 2, 100)',
      i32([7, 2, 100], arange(1400)),
      '[[[   0    1    2 ...   97   98   99]\n' +
        '  [ 100  101  102 ...  197  198  199]]\n\n' +
        ' [[ 200  201  202 ...  297  298  299]\n' +
        '  [ 300  301  302 ...  397  398  399]]\n\n' +
        ' [[ 400  401  402 ...  497  498  499]\n' +
        '  [ 500  501  502 ...  597  598  599]]\n\n' +
        ' ...\n\n' +
        ' [[ 800  801  802 ...  897  898  899]\n' +
        '  [ 900  901  902 ...  997  998  999]]\n\n' +
        ' [[1000 1001 1002 ... 1097 1098 1099]\n' +
        '  [1100 1101 1102 ... 1197 1198 1199]]\n\n' +
        ' [[1200 1201 1202 ... 1297 1298 1299]\n' +
        '  [1300 1301 1302 ... 1397 1398 1399]]]',
    ],
    [
      // widths come from the shown corners only: the hidden 1e9 does not switch to exp
      'np.array([1., 2, 3] + [1e9]*1000 + [4., 5, 6])',
      f64([1006], [1, 2, 3, ...new Array(1000).fill(1e9), 4, 5, 6]),
      '[1. 2. 3. ... 4. 5. 6.]',
    ],
    ['np.zeros(0)', f64([0], []), '[]'],
    ['np.zeros((0, 3))', f32([0, 3], []), '[]'],
    ['np.zeros((2, 0), dtype=int)', i32([2, 0], []), '[]'],
  ];
  for (const [name, t, expected] of cases) {
    it(name, () => {
      expect(formatTensor(t)).toBe(expected);
    });
  }

  it('every line of a wrapped 1000-element array fits in 75 columns', () => {
    const out = formatTensor(i32([1000], arange(1000)));
    const lines = out.split('\n');
    expect(lines[0]).toBe('[  0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17');
    expect(lines.length).toBe(Math.ceil(1000 / 18));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(75);
    expect(lines[lines.length - 1]).toBe(' 990 991 992 993 994 995 996 997 998 999]');
  });

  it('honours threshold / edgeItems / lineWidth options', () => {
    expect(formatTensor(i32([10], arange(10)), { threshold: 5 })).toBe('[0 1 2 ... 7 8 9]');
    expect(formatTensor(i32([10], arange(10)), { threshold: 5, edgeItems: 1 })).toBe('[0 ... 9]');
    expect(formatTensor(i32([10], arange(10)), { lineWidth: 10 })).toBe('[0 1 2 3\n 4 5 6 7\n 8 9]');
  });
});

describe('formatTensor: 0-d arrays print as the scalar', () => {
  const cases: [string, Tensor, string][] = [
    ['np.array(20., dtype=np.float32)', f32([], [20]), '20.0'],
    ['np.float32(0.1)', f32([], [0.1]), '0.1'],
    ['np.float32(1/3)', f32([], [1 / 3]), '0.33333334'],
    ['np.float64(1/3)', f64([], [1 / 3]), '0.3333333333333333'],
    ['np.float64(1e-5)', f64([], [1e-5]), '1e-05'],
    ['np.float64(1.5e-7)', f64([], [1.5e-7]), '1.5e-07'],
    ['np.float32(1e-4)  (float32 0.0001 is below 1e-4)', f32([], [1e-4]), '1e-04'],
    ['np.float64(1e-4)', f64([], [1e-4]), '0.0001'],
    ['np.float64(1e15)', f64([], [1e15]), '1000000000000000.0'],
    ['np.float64(1e16)', f64([], [1e16]), '1e+16'],
    ['np.float32(3.4028235e38)', f32([], [3.4028234663852886e38]), '3.4028235e+38'],
    ['np.float32(16777217.)', f32([], [16777217]), '16777216.0'],
    ['np.float64(-0.)', f64([], [-0]), '-0.0'],
    ['np.float64(nan)', f64([], [NaN]), 'nan'],
    ['np.float32(-inf)', f32([], [-Infinity]), '-inf'],
    ['np.int32(5)', i32([], [5]), '5'],
    ['np.int32(-7)', i32([], [-7]), '-7'],
    ['np.bool_(True)', tensor('bool', [], [true]), 'True'],
    ['np.bool_(False)', tensor('bool', [], [false]), 'False'],
  ];
  for (const [name, t, expected] of cases) {
    it(name, () => {
      expect(formatTensor(t)).toBe(expected);
    });
  }
});

describe('shortestFloat32', () => {
  it('gives the shortest decimal that round-trips through float32', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe('0.1');
    expect(shortestFloat32(Math.fround(0.2))).toBe('0.2');
    expect(shortestFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(shortestFloat32(Math.fround(-2 / 3))).toBe('-0.6666667');
    expect(shortestFloat32(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(shortestFloat32(1.1754943508222875e-38)).toBe('1.1754944e-38');
    expect(shortestFloat32(1.401298464324817e-45)).toBe('1e-45');
    expect(shortestFloat32(Math.fround(16777217))).toBe('16777216');
    expect(shortestFloat32(1e10)).toBe('10000000000');
    expect(shortestFloat32(20)).toBe('20');
    expect(shortestFloat32(NaN)).toBe('NaN');
    expect(shortestFloat32(-Infinity)).toBe('-Infinity');
    expect(shortestFloat32(-0)).toBe('-0');
    // not a float32 value: the double's own shortest form
    expect(shortestFloat32(0.1)).toBe('0.1');
    expect(shortestFloat32(1 / 3)).toBe('0.3333333333333333');
  });

  it('agrees with a brute-force toPrecision search on random float32 bit patterns', () => {
    const brute = (x: number): string => {
      for (let p = 1; p <= 9; p++) {
        const y = Number(x.toPrecision(p));
        if (Math.fround(y) === x) return String(y);
      }
      throw new Error('unreachable');
    };
    const bits = new Uint32Array(1);
    const view = new Float32Array(bits.buffer);
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 20000; i++) {
      bits[0] = i < 1000 ? i * 7919 : next(); // subnormals first, then anything
      const x = view[0];
      if (!Number.isFinite(x) || x === 0) continue;
      expect(shortestFloat32(x)).toBe(brute(x));
    }
    for (let i = 0; i < 20000; i++) {
      const x = Math.fround((next() % 200000) / 1000 - 100); // short decimals
      if (x === 0) continue;
      expect(shortestFloat32(x)).toBe(brute(x));
    }
  });
});

describe('tensorToJson', () => {
  it('writes float32 data as shortest float32 decimals and non-finite values as strings', () => {
    const t = f32([5], [0.1, NaN, Infinity, -Infinity, 1 / 3]);
    expect(JSON.stringify(tensorToJson(t))).toBe('{"dtype":"float32","shape":[5],"data":[0.1,"NaN","Infinity","-Infinity",0.33333334]}');
  });
  it('writes float64, int32 and bool data', () => {
    expect(tensorToJson(f64([2, 2], [0.1, 1 / 3, -NaN, 1e300]))).toEqual({
      dtype: 'float64',
      shape: [2, 2],
      data: [0.1, 0.3333333333333333, 'NaN', 1e300],
    });
    expect(tensorToJson(i32([3], [1, -2, 2147483647]))).toEqual({ dtype: 'int32', shape: [3], data: [1, -2, 2147483647] });
    expect(tensorToJson(tensor('bool', [1, 2], [true, false]))).toEqual({
      dtype: 'bool',
      shape: [1, 2],
      data: [true, false],
    });
    expect(tensorToJson(f32([], [20]))).toEqual({ dtype: 'float32', shape: [], data: [20] });
  });
  it('keeps float32 tensors evaluated in float64 exact', () => {
    const t = makeTensor('float32', [1], Float64Array.from([0.1 + 0.2]));
    expect(tensorToJson(t).data).toEqual([0.30000000000000004]);
  });
});

// Large tensors: summarised printing and full JSON both work on 1e6 elements. (Their speed is
// a benchmark, not a test: timings on shared machines are noise.)
describe('large tensors', () => {
  const n = 1_000_000;
  const data = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    data[i] = (seed / 2 ** 32) * 2 - 1;
  }
  const big = makeTensor('float32', [1000, 1000], data);

  it('prints a 1e6-element tensor summarised', () => {
    const out = formatTensor(big);
    expect(out.split('\n').length).toBe(13); // rows of random floats wrap
    expect(out).toContain('...');
  });

  it('converts a 1e6-element float32 tensor to JSON with every element round-tripping', () => {
    const json = tensorToJson(big);
    expect(json.data.length).toBe(n);
    for (let i = 0; i < n; i += 9973) expect(Math.fround(json.data[i] as number)).toBe(data[i]);
  });
});

describe('formatTensor: wrapped lines end without the padding of their last element', () => {
  // NumPy 2.4: np.set_printoptions(linewidth=20); str(np.array(...))
  it('floats padded to their column, wrapped at 20 columns', () => {
    expect(formatTensor(f64([7], [0.5, 1.25, 2, 3.125, 4, 10.5, 0.0625]), { lineWidth: 20 })).toBe(
      '[ 0.5     1.25\n  2.      3.125\n  4.     10.5\n  0.0625]',
    );
    expect(formatTensor(f32([2, 3], [0.5, -1.25, 2, 3.125, 4, -10.5]), { lineWidth: 20 })).toBe(
      '[[  0.5    -1.25\n    2.   ]\n [  3.125   4.\n  -10.5  ]]',
    );
  });
});
