// acc + a·b per lane, for the gemm's tiles and the float32 polynomials. The module is built
// twice (scripts/build-wasm.mjs): with relaxed SIMD this is one fused multiply-add where the
// processor has one (rounded once: the low bits differ from the other build's), else a
// multiply then an add (rounded twice).

// @ts-ignore: decorator
@inline
export function madd<T>(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, acc);
  return v128.add<T>(acc, v128.mul<T>(a, b));
}
