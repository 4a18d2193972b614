// Sums along one axis of a rows × cols block, into float64 accumulators (the reference
// accumulates in float64 too): the sums of rows (the innermost axis reduced) and the sums
// of columns (an outer axis reduced, as the gradient of a broadcast bias). Float32 data is
// widened to float64 before it is added.
//
// Order: every sum adds its values one by one in row-major order, starting from dst's
// value, exactly as the reference does, so the two agree bit for bit. A row's running sum
// is a chain of dependent additions; four rows are summed side by side (their values
// transposed into lanes) so that four chains are in flight at once.

/** The rows of src left over by the four-at-a-time loop, one running sum each. */
// @ts-ignore: decorator
@inline
function rowsOneByOne<T>(src: usize, r0: i32, rows: i32, cols: i32, dst: usize): void {
  for (let r = r0; r < rows; r++) {
    const s = src + <usize>(r * cols) * sizeof<T>();
    const d = dst + (<usize>r << 3);
    let sum = load<f64>(d);
    for (let c = 0; c < cols; c++) sum += <f64>load<T>(s + <usize>c * sizeof<T>());
    store<f64>(d, sum);
  }
}

/** dst[r] += Σ_c src[r, c] for r < rows, float32 data. */
export function sumRowsF32(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  const rowBytes = <usize>cols << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s = src + (<usize>r) * rowBytes;
    // Lanes: rows r, r+1 in `low`, rows r+2, r+3 in `high`.
    let low = v128.load(dst + (<usize>r << 3));
    let high = v128.load(dst + (<usize>r << 3), 16);
    let c = 0;
    for (; c < c4; c += 4) {
      const o = s + (<usize>c << 2);
      const x0 = v128.load(o);
      const x1 = v128.load(o + rowBytes);
      const x2 = v128.load(o + 2 * rowBytes);
      const x3 = v128.load(o + 3 * rowBytes);
      // [row r col c, row r+1 col c, row r col c+1, row r+1 col c+1] and so on.
      const a = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
      const b = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const e = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const f = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      low = f64x2.add(low, f64x2.promote_low_f32x4(a));
      high = f64x2.add(high, f64x2.promote_low_f32x4(e));
      low = f64x2.add(low, f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 0, 1)));
      high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
      low = f64x2.add(low, f64x2.promote_low_f32x4(b));
      high = f64x2.add(high, f64x2.promote_low_f32x4(f));
      low = f64x2.add(low, f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1)));
      high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(f, f, 2, 3, 0, 1)));
    }
    v128.store(dst + (<usize>r << 3), low);
    v128.store(dst + (<usize>r << 3), high, 16);
    // The last cols % 4 of each of the four rows, continuing its running sum.
    if (c < cols) for (let q = 0; q < 4; q++) rowsTail<f32>(s + <usize>q * rowBytes, c, cols, dst + (<usize>(r + q) << 3));
  }
  rowsOneByOne<f32>(src, r, rows, cols, dst);
}

/** dst[r] += Σ_c src[r, c] for r < rows, float64 data. */
export function sumRowsF64(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c2 = cols & ~1;
  const rowBytes = <usize>cols << 3;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s = src + (<usize>r) * rowBytes;
    let low = v128.load(dst + (<usize>r << 3));
    let high = v128.load(dst + (<usize>r << 3), 16);
    let c = 0;
    for (; c < c2; c += 2) {
      const o = s + (<usize>c << 3);
      const x0 = v128.load(o);
      const x1 = v128.load(o + rowBytes);
      const x2 = v128.load(o + 2 * rowBytes);
      const x3 = v128.load(o + 3 * rowBytes);
      low = f64x2.add(low, i64x2.shuffle(x0, x1, 0, 2));
      high = f64x2.add(high, i64x2.shuffle(x2, x3, 0, 2));
      low = f64x2.add(low, i64x2.shuffle(x0, x1, 1, 3));
      high = f64x2.add(high, i64x2.shuffle(x2, x3, 1, 3));
    }
    v128.store(dst + (<usize>r << 3), low);
    v128.store(dst + (<usize>r << 3), high, 16);
    if (c < cols) for (let q = 0; q < 4; q++) rowsTail<f64>(s + <usize>q * rowBytes, c, cols, dst + (<usize>(r + q) << 3));
  }
  rowsOneByOne<f64>(src, r, rows, cols, dst);
}

/** *d += row[c0] + ... + row[cols - 1], in order. */
// @ts-ignore: decorator
@inline
function rowsTail<T>(row: usize, c0: i32, cols: i32, d: usize): void {
  let sum = load<f64>(d);
  for (let c = c0; c < cols; c++) sum += <f64>load<T>(row + <usize>c * sizeof<T>());
  store<f64>(d, sum);
}

/** dst[c] += Σ_r src[r, c] for c < cols, rows added in order, float32 data. */
export function sumColumnsF32(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * cols) << 2);
    let c = 0;
    for (; c < c4; c += 4) {
      const x = v128.load(s + (<usize>c << 2));
      const d = dst + (<usize>c << 3);
      v128.store(d, f64x2.add(v128.load(d), f64x2.promote_low_f32x4(x)));
      v128.store(d, f64x2.add(v128.load(d, 16), f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1))), 16);
    }
    for (; c < cols; c++) {
      const d = dst + (<usize>c << 3);
      store<f64>(d, load<f64>(d) + <f64>load<f32>(s + (<usize>c << 2)));
    }
  }
}

/** sumColumnsF32 of float64 data. */
export function sumColumnsF64(src: usize, rows: i32, cols: i32, dst: usize): void {
  const c2 = cols & ~1;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * cols) << 3);
    let c = 0;
    for (; c < c2; c += 2) {
      const d = dst + (<usize>c << 3);
      v128.store(d, f64x2.add(v128.load(d), v128.load(s + (<usize>c << 3))));
    }
    if (c < cols) {
      const d = dst + (<usize>c << 3);
      store<f64>(d, load<f64>(d) + load<f64>(s + (<usize>c << 3)));
    }
  }
}
