// The weights of tf.image.resize's kernel methods, as TensorFlow computes them (float32):
// scale_and_translate's sampling kernels (lanczos3, lanczos5, gaussian, mitchellcubic; and
// with antialias, bilinear's triangle and bicubic's Keys cubic), each output pixel's taps
// normalised to sum to 1, the kernel widened by the downscale factor when antialiasing
// (core/kernels/image/sampling_kernels.h, scale_and_translate_op.cc); ResizeBicubic with
// half-pixel centres (Keys' a = -0.5 from a 1024-entry table, taps outside the image weighted
// 0 and the rest renormalised: resize_bicubic_op.cc); ResizeArea (each output the mean of the
// input box it covers, partial pixels by their overlap: resize_area_op.cc). Each is a matrix
// [outSize, inSize] applied along one axis: the resize is linear in the image.

const f = Math.fround;

export type KernelMethod = 'lanczos3' | 'lanczos5' | 'gaussian' | 'mitchellcubic' | 'triangle' | 'keyscubic';

interface SamplingKernel {
  radius: number;
  weight(x: number): number;
}

const PI = f(3.14159265359);

function lanczos(radius: number): SamplingKernel {
  return {
    radius,
    weight: (x) => {
      x = Math.abs(x);
      if (x > radius) return 0;
      if (x <= 1e-3) return 1;
      return f((radius * Math.sin(PI * x) * Math.sin((PI * x) / radius)) / (PI * PI * x * x));
    },
  };
}

const KERNELS: Record<KernelMethod, SamplingKernel> = {
  lanczos3: lanczos(3),
  lanczos5: lanczos(5),
  // sigma = radius / 3
  gaussian: { radius: 1.5, weight: (x) => (Math.abs(x) >= 1.5 ? 0 : f(Math.exp((-x * x) / (2 * 0.5 * 0.5)))) },
  triangle: { radius: 1, weight: (x) => Math.max(0, f(1 - Math.abs(x))) },
  keyscubic: {
    radius: 2,
    weight: (x) => {
      x = Math.abs(x);
      if (x >= 2) return 0;
      if (x >= 1) return f(((-0.5 * x + 2.5) * x - 4) * x + 2);
      return f((1.5 * x - 2.5) * x * x + 1);
    },
  },
  mitchellcubic: {
    radius: 2,
    weight: (x) => {
      x = Math.abs(x);
      if (x >= 2) return 0;
      if (x >= 1) return f((((-7 / 18) * x + 2) * x - 10 / 3) * x + 16 / 9);
      return f(((7 / 6) * x - 2) * x * x + 8 / 9);
    },
  },
};

/** scale_and_translate's weights along one axis (translation 0, scale outSize / inSize). */
export function kernelWeights(method: KernelMethod, inSize: number, outSize: number, antialias: boolean): Float64Array {
  const kernel = KERNELS[method];
  const scale = f(outSize / inSize);
  const invScale = f(1 / scale);
  const kernelScale = antialias ? Math.max(invScale, 1) : 1;
  const reach = f(kernel.radius * kernelScale);
  const overKernelScale = f(1 / kernelScale);
  const w = new Float64Array(outSize * inSize);
  for (let x = 0; x < outSize; x++) {
    const sample = f(f(x + 0.5) * invScale);
    if (sample < 0 || sample > inSize) continue;
    const start = Math.min(Math.max(Math.ceil(f(sample - reach - 0.5)), 0), inSize - 1);
    const end = Math.min(Math.max(Math.floor(f(sample + reach - 0.5)), 0), inSize - 1) + 1;
    let total = 0;
    for (let s = start; s < end; s++) total = f(total + kernel.weight(f(f(f(s + 0.5) - sample) * overKernelScale)));
    if (Math.abs(total) < 1000 * 1.1754943508222875e-38) continue;
    const norm = f(1 / total);
    for (let s = start; s < end; s++) w[x * inSize + s] = f(kernel.weight(f(f(f(s + 0.5) - sample) * overKernelScale)) * norm);
  }
  return w;
}

/** Keys' cubic (a = -0.5) at 1025 offsets: [i*2] the weight of a tap i/1024 away, [i*2 + 1]
 *  of one 1 + i/1024 away (resize_bicubic_op.cc's table). */
const BICUBIC_TABLE = (() => {
  const size = 1024;
  const a = -0.5;
  const table = new Float64Array((size + 1) * 2);
  for (let i = 0; i <= size; i++) {
    const x = f(i / size);
    table[i * 2] = f(f(f(f((a + 2) * x) - (a + 3)) * x) * x + 1);
    const y = f(x + 1);
    table[i * 2 + 1] = f(f(f(f(a * y) - 5 * a) * y + 8 * a) * y - 4 * a);
  }
  return table;
})();

/** ResizeBicubic's weights with half-pixel centres along one axis. */
export function bicubicWeights(inSize: number, outSize: number): Float64Array {
  const scale = f(inSize / outSize);
  const w = new Float64Array(outSize * inSize);
  for (let x = 0; x < outSize; x++) {
    const at = f(f(f(x + 0.5) * scale) - 0.5);
    const base = Math.floor(at);
    const offset = Math.round(f(at - base) * 1024);
    const taps = [
      [base - 1, BICUBIC_TABLE[offset * 2 + 1]],
      [base, BICUBIC_TABLE[offset * 2]],
      [base + 1, BICUBIC_TABLE[(1024 - offset) * 2]],
      [base + 2, BICUBIC_TABLE[(1024 - offset) * 2 + 1]],
    ].filter(([i]) => i >= 0 && i < inSize);
    const total = taps.reduce((s, [, v]) => f(s + v), 0);
    const norm = Math.abs(total) >= 1000 * 1.1754943508222875e-38 ? f(1 / total) : 1;
    for (const [i, v] of taps) w[x * inSize + i] += f(v * norm);
  }
  return w;
}

/** ResizeArea's weights (align_corners false) along one axis: the overlap of each input pixel
 *  with the output's box, over the box's width. */
export function areaWeights(inSize: number, outSize: number): Float64Array {
  const scale = f(inSize / outSize);
  const w = new Float64Array(outSize * inSize);
  for (let x = 0; x < outSize; x++) {
    const from = f(x * scale);
    const to = f(f(x + 1) * scale);
    for (let i = Math.floor(from); i < Math.ceil(to); i++) {
      const overlap = f(Math.min(i + 1, to) - Math.max(i, from));
      w[x * inSize + Math.min(i, inSize - 1)] += overlap / scale;
    }
  }
  return w;
}
