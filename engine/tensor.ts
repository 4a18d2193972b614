// Concrete tensor values: dense, row-major typed arrays.

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

/** Bool data is stored as 0/1 bytes. float32 data is a Float64Array only while a graph is
 *  re-evaluated in float64 for a gradient check (see `Precision`). int64 data is a
 *  Float64Array of integers, exact within ±(2^53 - 1) (see `checkInt64`): every kernel reads
 *  and writes it as plain numbers, where a BigInt64Array would need a second code path in
 *  each of them. */
export type TypedData = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedData;
}

/** `float32` rounds every result to float32 as TensorFlow does; `float64` keeps float32
 *  tensors in double precision, for finite differences. */
export type Precision = 'float32' | 'float64';

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isInteger(dtype: DType): boolean {
  return dtype === 'int32' || dtype === 'int64';
}

/** The largest integer tgraph's int64 holds exactly (2^53 - 1). */
export const INT64_EXACT_MAX = Number.MAX_SAFE_INTEGER;

/** Makes int64 data what an int64 kernel must leave: integers, truncated toward zero as an
 *  Int32Array's store truncates int32 results (a mean of integers), and no -0. Returns the index of the
 *  first value outside ±(2^53 - 1), where doubles stop holding every integer, or -1. */
export function checkInt64(data: TypedData): number {
  let outside = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isSafeInteger(v)) {
      if (v === 0) data[i] = 0; // an integer has no -0 (negative(0), -0.5 truncated)
      continue;
    }
    if (Number.isFinite(v)) {
      const t = Math.trunc(v);
      data[i] = t;
      if (Number.isSafeInteger(t)) continue;
    }
    if (outside < 0) outside = i;
  }
  return outside;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** The multi-index of row-major element `flat` of a tensor of `shape`. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return out;
}

export function allocData(dtype: DType, size: number, precision: Precision = 'float32'): TypedData {
  switch (dtype) {
    case 'float32':
      return precision === 'float64' ? new Float64Array(size) : new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int64':
      return new Float64Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function makeTensor(dtype: DType, shape: readonly number[], data: TypedData): Tensor {
  return { dtype, shape: shape.slice(), data };
}

export function scalarTensor(dtype: DType, value: number, precision: Precision = 'float32'): Tensor {
  const data = allocData(dtype, 1, precision);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  return { dtype, shape: [], data };
}

/** The index of the first element whose value float32 lost: finite and now ±Inf, or nonzero
 *  and now 0 (-1: none). */
export function firstLostToFloat32(values: ArrayLike<number>, rounded: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const r = rounded[i];
    if ((Number.isFinite(x) && !Number.isFinite(r)) || (x !== 0 && r === 0)) return i;
  }
  return -1;
}

/** A float converted to int32 or int64 as a C cast does on x86 (TensorFlow's Cast kernel,
 *  NumPy's astype, PyTorch's to(): one `cvtt` instruction): truncation toward zero, and the
 *  smallest integer for NaN, the infinities and every value outside the type's range (an
 *  Int32Array store would wrap 3e9 to -1294967296 instead). */
export function truncateToInt(value: number, dtype: 'int32' | 'int64'): number {
  const t = Math.trunc(value);
  if (dtype === 'int32') return t >= -2147483648 && t <= 2147483647 ? t + 0 : -2147483648;
  return t >= -(2 ** 63) && t < 2 ** 63 ? t + 0 : -(2 ** 63);
}

/** Converts a JS number to what `dtype` stores, as `tf.cast` does (one definition with it):
 *  truncateToInt for the integers, 0/1 for bool. It had saturated the infinities, made NaN 0
 *  and wrapped int32 with `|0` (3e9 became -1294967296), each unlike tf.cast. A Python number
 *  that TensorFlow refuses to convert (2.5 or 3e9 for int32) is refused before this, by
 *  pyToDType (Builder.castWeak); what reaches here is a cast. */
export function coerceNumber(dtype: DType, value: number): number {
  switch (dtype) {
    case 'int32':
    case 'int64':
      return truncateToInt(value, dtype);
    case 'bool':
      return value !== 0 && value === value ? 1 : 0;
    case 'float32':
      return Math.fround(value);
    default:
      return value;
  }
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: readonly (number | null)[] | null): string {
  if (shape === null) return '<unknown>';
  return '[' + shape.map((d) => (d === null ? '?' : String(d))).join(', ') + ']';
}
