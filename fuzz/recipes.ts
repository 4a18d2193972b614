// Well-formed calls of the ops whose arguments must agree with each other (conv2d, einsum,
// segment ids, ...): the generator uses one of these for such an op instead of drawing its arguments.

import type { ProgramGenerator } from './generate';
import { type Made, type Sym } from './generatorBase';

export type Recipe = (g: ProgramGenerator, op: string) => Made;

export const depsOf = (...syms: Sym[]) => new Set(syms.flatMap((s) => [...s.deps]));

/** Well-formed calls of ops whose arguments must agree with each other. */
export const RECIPES: Record<string, Recipe> = {
  conv2d: (g) => {
    const r = g.random;
    const [b, h, w, c, o] = [r.int(1, 2), r.int(2, 5), r.int(2, 5), r.int(1, 3), r.int(1, 3)];
    const [fh, fw] = [r.int(1, Math.min(3, h)), r.int(1, Math.min(3, w))];
    const x = g.tensorOf([b, h, w, c]);
    const f = g.tensorOf([fh, fw, c, o]);
    const dilated = r.chance(0.15);
    const strides = dilated ? '1' : r.pick(['1', '2', '[1, 2, 2, 1]', '[1, 1, 2, 1]', '[2, 1]']);
    const padding = r.pick(["'SAME'", "'VALID'"]);
    return {
      text: `${g.name('conv2d')}(${x.name}, ${f.name}, strides=${strides}, padding=${padding}${dilated ? ', dilations=[1, 2, 2, 1]' : ''})`,
      deps: depsOf(x, f),
    };
  },
  max_pool2d: (g, op) => pool(g, op),
  avg_pool2d: (g, op) => pool(g, op),
  depthwise_conv2d: (g) => {
    const r = g.random;
    const [b, h, w, c, m] = [r.int(1, 2), r.int(2, 5), r.int(2, 5), r.int(1, 3), r.int(1, 2)];
    const x = g.tensorOf([b, h, w, c]);
    const f = g.tensorOf([r.int(1, Math.min(3, h)), r.int(1, Math.min(3, w)), c, m]);
    const padding = r.pick(["'SAME'", "'VALID'", `[[0, 0], [${r.int(0, 2)}, ${r.int(0, 1)}], [${r.int(0, 1)}, ${r.int(0, 2)}], [0, 0]]`]);
    return {
      text: `${g.name('depthwise_conv2d')}(${x.name}, ${f.name}, [1, ${r.int(1, 2)}, ${r.int(1, 2)}, 1], ${padding})`,
      deps: depsOf(x, f),
    };
  },
  conv2d_transpose: (g) => {
    const r = g.random;
    // The output first; the input is what a convolution of the output makes.
    const [b, oh, ow, oc, ic] = [r.int(1, 2), r.int(2, 6), r.int(2, 6), r.int(1, 3), r.int(1, 3)];
    const [fh, fw] = [r.int(1, Math.min(3, oh)), r.int(1, Math.min(3, ow))];
    const stride = r.int(1, 2);
    const same = r.chance(0.5);
    const inSize = (o: number, k: number) => (same ? Math.ceil(o / stride) : Math.floor((o - k) / stride) + 1);
    const x = g.tensorOf([b, inSize(oh, fh), inSize(ow, fw), ic]);
    const f = g.tensorOf([fh, fw, oc, ic]);
    return {
      text: `${g.name('conv2d_transpose')}(${x.name}, ${f.name}, [${b}, ${oh}, ${ow}, ${oc}], strides=${stride}, padding=${same ? "'SAME'" : "'VALID'"})`,
      shape: [b, oh, ow, oc],
      deps: depsOf(x, f),
    };
  },
  conv3d: (g) => {
    const r = g.random;
    const [b, d, h, w, c, o] = [r.int(1, 2), r.int(2, 4), r.int(2, 4), r.int(2, 4), r.int(1, 2), r.int(1, 2)];
    const x = g.tensorOf([b, d, h, w, c]);
    const f = g.tensorOf([r.int(1, Math.min(2, d)), r.int(1, Math.min(3, h)), r.int(1, Math.min(3, w)), c, o]);
    const strides = `[1, ${r.int(1, 2)}, ${r.int(1, 2)}, ${r.int(1, 2)}, 1]`;
    return { text: `${g.name('conv3d')}(${x.name}, ${f.name}, ${strides}, ${r.pick(["'SAME'", "'VALID'"])})`, deps: depsOf(x, f) };
  },
  max_pool3d: (g, op) => pool3d(g, op),
  avg_pool3d: (g, op) => pool3d(g, op),
  unsorted_segment_sum: (g, op) => segments(g, op, false),
  unsorted_segment_prod: (g, op) => segments(g, op, false),
  unsorted_segment_max: (g, op) => segments(g, op, false),
  unsorted_segment_min: (g, op) => segments(g, op, false),
  unsorted_segment_mean: (g, op) => segments(g, op, false),
  unsorted_segment_sqrt_n: (g, op) => segments(g, op, false),
  segment_sum: (g, op) => segments(g, op, true),
  segment_prod: (g, op) => segments(g, op, true),
  segment_max: (g, op) => segments(g, op, true),
  segment_min: (g, op) => segments(g, op, true),
  segment_mean: (g, op) => segments(g, op, true),
  resize: (g) => {
    const r = g.random;
    const image = [r.int(1, 4), r.int(1, 4), r.int(1, 2)];
    const x = g.tensorOf(r.chance(0.7) ? [r.int(1, 2), ...image] : image);
    const method = r.pick(['', ", method='nearest'", ", method='bilinear'"]);
    return { text: `${g.name('resize')}(${x.name}, [${r.int(1, 6)}, ${r.int(1, 6)}]${method})`, deps: depsOf(x) };
  },
  crop_to_bounding_box: (g, op) => boundingBox(g, op),
  pad_to_bounding_box: (g, op) => boundingBox(g, op),
  central_crop: (g) => {
    const x = image(g, g.random.int(1, 3));
    return { text: `${g.name('central_crop')}(${x.name}, ${g.random.pick(['0.5', '0.33', '1.0', '0.9', '0.01'])})`, deps: depsOf(x) };
  },
  rgb_to_grayscale: (g) => {
    const x = image(g, 3);
    return { text: `${g.name('rgb_to_grayscale')}(${x.name})`, deps: depsOf(x) };
  },
  grayscale_to_rgb: (g) => {
    const x = image(g, 1);
    return { text: `${g.name('grayscale_to_rgb')}(${x.name})`, deps: depsOf(x) };
  },
  log_poisson_loss: (g) => {
    const shape = [g.random.int(1, 3), g.random.int(1, 3)];
    const z = g.tensorOf(shape);
    const targets = `uniform(${g.shapeOf(shape)}, 0, 4, seed=${g.random.int(0, 9)})`;
    return {
      text: `${g.name('log_poisson_loss')}(constant(${targets}), ${z.name}${g.random.chance(0.5) ? ', compute_full_loss=True' : ''})`,
      shape,
      deps: depsOf(z),
    };
  },
  einsum: (g) => {
    const r = g.random;
    const [i, j, k, b] = [r.int(1, 3), r.int(1, 3), r.int(1, 3), r.int(1, 2)];
    const forms: [string, number[][]][] = [
      [
        'ij,jk->ik',
        [
          [i, j],
          [j, k],
        ],
      ],
      ['ij->ji', [[i, j]]],
      ['ij->', [[i, j]]],
      ['ij->j', [[i, j]]],
      ['i,i->', [[i], [i]]],
      ['i,j->ij', [[i], [j]]],
      [
        'bij,bjk->bik',
        [
          [b, i, j],
          [b, j, k],
        ],
      ],
      ['ii->i', [[i, i]]],
      ['ii', [[i, i]]],
      [
        'ij,ij->ij',
        [
          [i, j],
          [i, j],
        ],
      ],
      ['ijk->kji', [[i, j, k]]],
      [
        'ij,jk,kl->il',
        [
          [i, j],
          [j, k],
          [k, 2],
        ],
      ],
      ['...ij->...ji', [[b, i, j]]],
    ];
    const [eq, shapes] = r.pick(forms);
    const xs = shapes.map((sh) => g.tensorOf(sh));
    return { text: `${g.name('einsum')}('${eq}', ${xs.map((x) => x.name).join(', ')})`, deps: depsOf(...xs) };
  },
  tensordot: (g) => {
    const r = g.random;
    const [i, j, k] = [r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const [sa, sb, axes] = r.pick<[number[], number[], string]>([
      [[i, j], [j, k], '1'],
      [[i, j], [j, k], '[[1], [0]]'],
      [[i, j], [k], '0'],
      [[i, j], [i, j], '2'],
      [[i, j, k], [k, j], '[[1, 2], [1, 0]]'],
    ]);
    const a = g.tensorOf(sa);
    const b = g.tensorOf(sb);
    return { text: `${g.name('tensordot')}(${a.name}, ${b.name}, ${axes})`, deps: depsOf(a, b) };
  },
  trace: (g) => {
    const n = g.random.int(1, 4);
    const x = g.tensorOf(g.random.chance(0.7) ? [n, n] : [2, n, n]);
    return { text: `${g.name('trace')}(${x.name})`, deps: depsOf(x) };
  },
  matrix_diag_part: (g) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 3)]);
    return { text: `${g.name('matrix_diag_part')}(${x.name})`, deps: depsOf(x) };
  },
  sigmoid_cross_entropy_with_logits: (g) => {
    const shape = [g.random.int(1, 3), g.random.int(1, 3)];
    const z = g.tensorOf(shape);
    const labels = `uniform(${g.shapeOf(shape)}, seed=${g.random.int(0, 9)})`;
    return { text: `${g.name('sigmoid_cross_entropy_with_logits')}(labels=constant(${labels}), logits=${z.name})`, shape, deps: depsOf(z) };
  },
  softmax_cross_entropy_with_logits: (g) => {
    const [b, k] = [g.random.int(1, 3), g.random.int(2, 4)];
    const z = g.tensorOf([b, k]);
    const labels = `one_hot(${g.indices(b, k)}, ${k})`;
    return { text: `${g.name('softmax_cross_entropy_with_logits')}(labels=${labels}, logits=${z.name})`, shape: [b], deps: depsOf(z) };
  },
  sparse_softmax_cross_entropy_with_logits: (g) => {
    const [b, k] = [g.random.int(1, 3), g.random.int(2, 4)];
    const z = g.tensorOf([b, k]);
    return {
      text: `${g.name('sparse_softmax_cross_entropy_with_logits')}(labels=${g.indices(b, k)}, logits=${z.name})`,
      shape: [b],
      deps: depsOf(z),
    };
  },
  moments: (g) => {
    const x = g.tensorOf([g.random.int(1, 4), g.random.int(1, 3)]);
    return { text: `${g.name('moments')}(${x.name}, axes=${g.random.pick(['[0]', '[1]', '[0, 1]', '0'])})`, deps: depsOf(x), list: 2 };
  },
  norm: (g) => {
    const r = g.random;
    const x = g.tensorOf([r.int(1, 3), r.int(1, 3)]);
    const [ord, axis] = r.pick<[string, string]>([
      ["'euclidean'", 'None'],
      ['2', '0'],
      ['1', '1'],
      ['inf', '-1'],
      ["'fro'", '[0, 1]'],
      ['1', '[0, 1]'],
      ['inf', '[-2, -1]'],
    ]);
    return { text: `${g.name('norm')}(${x.name}, ord=${ord}, axis=${axis})`, deps: depsOf(x) };
  },
  clip_by_value: (g) => {
    const x = g.tensorOf([g.random.int(1, 4)]);
    const lo = g.random.pick(['-0.5', '0.', '-1.']);
    const hi = g.random.pick(['0.5', '1.', '2.']);
    return { text: `${g.name('clip_by_value')}(${x.name}, ${lo}, ${hi})`, deps: depsOf(x) };
  },
  one_hot: (g) => {
    const k = g.random.int(1, 4);
    return {
      text: `${g.name('one_hot')}(${g.indices(g.random.int(0, 4), k)}, ${k}${g.random.chance(0.3) ? ', on_value=2., off_value=-1.' : ''})`,
      deps: new Set(),
    };
  },
  gather: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 3)];
    const x = g.tensorOf([n, m]);
    const axis = g.random.int(0, 1);
    return { text: `${g.name('gather')}(${x.name}, ${g.indices(g.random.int(1, 4), axis ? m : n)}, axis=${axis})`, deps: depsOf(x) };
  },
  gather_nd: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 3)];
    const x = g.tensorOf([n, m]);
    const full = g.random.chance(0.5);
    const idx = Array.from({ length: g.random.int(1, 3) }, () =>
      full ? `[${g.random.int(0, n - 1)}, ${g.random.int(0, m - 1)}]` : `[${g.random.int(0, n - 1)}]`,
    );
    return { text: `${g.name('gather_nd')}(${x.name}, [${idx.join(', ')}])`, deps: depsOf(x) };
  },
  pad: (g) => {
    const shape = [g.random.int(2, 4), g.random.int(2, 4)];
    const x = g.tensorOf(shape);
    const mode = g.random.pick(["'CONSTANT'", "'REFLECT'", "'SYMMETRIC'"]);
    const p = () => g.random.int(0, 1);
    return { text: `${g.name('pad')}(${x.name}, [[${p()}, ${p()}], [${p()}, ${p()}]], mode=${mode})`, deps: depsOf(x) };
  },
  split: (g) => {
    const n = g.random.int(1, 3);
    const x = g.tensorOf([n * 2, g.random.int(1, 3)]);
    const how = g.random.chance(0.5) ? String(n) : `[${n}, ${n}]`;
    return { text: `${g.name('split')}(${x.name}, ${how})`, deps: depsOf(x), list: g.random.chance(0.5) ? n : 2 };
  },
  unstack: (g) => {
    const n = g.random.int(1, 3);
    const x = g.tensorOf([n, g.random.int(1, 3)]);
    return { text: `${g.name('unstack')}(${x.name})`, deps: depsOf(x), list: n };
  },
  linspace: (g) => ({
    text: `${g.name('linspace')}(${g.random.pick(['0.', '-1.', '2.'])}, ${g.random.pick(['1.', '3.', '-2.'])}, ${g.random.int(1, 6)})`,
    deps: new Set(),
  }),
  eye: (g) => ({
    text: `${g.name('eye')}(${g.random.int(1, 3)}${g.random.chance(0.4) ? `, ${g.random.int(1, 3)}` : ''}${g.random.chance(0.2) ? ', batch_shape=[2]' : ''})`,
    deps: new Set(),
  }),
  batch_jacobian: (g) => {
    const [b, n, m] = [g.random.int(1, 3), g.random.int(1, 3), g.random.int(1, 3)];
    const x = g.tensorOf([b, n]);
    const w = g.tensorOf([n, m]);
    return { text: `${g.name('batch_jacobian')}(${g.name('tanh')}(${x.name} @ ${w.name}), ${x.name})`, deps: depsOf(x, w) };
  },
  jacobian: (g) => {
    const x = g.tensorOf([g.random.int(1, 3)]);
    const f = g.random.pick(['sin', 'exp', 'square', 'tanh', 'softplus']);
    return { text: `${g.name('jacobian')}(${g.name(f)}(${x.name}) * ${x.name}, ${x.name})`, deps: depsOf(x) };
  },
  hessian: (g) => {
    const x = g.tensorOf([g.random.int(1, 3)]);
    return {
      text: `${g.name('hessian')}(${g.name('reduce_sum')}(${x.name} ** 3 + ${g.name('sin')}(${x.name})), ${x.name})`,
      deps: depsOf(x),
    };
  },
  hessians: (g) => {
    const x = g.tensorOf([g.random.int(1, 2), 2]);
    return {
      text: `${g.name('hessians')}(${g.name('reduce_sum')}(${g.name('tanh')}(${x.name}) * ${x.name}), ${x.name})`,
      deps: depsOf(x),
      list: 1,
    };
  },
  cumsum: (g, op) => cumulative(g, op),
  cumprod: (g, op) => cumulative(g, op),
  slice: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 4)];
    const x = g.tensorOf([n, m]);
    const [b0, b1] = [g.random.int(0, n - 1), g.random.int(0, m - 1)];
    return {
      text: `${g.name('slice')}(${x.name}, [${b0}, ${b1}], [${g.random.chance(0.3) ? -1 : g.random.int(0, n - b0)}, ${g.random.int(0, m - b1)}])`,
      deps: depsOf(x),
    };
  },
  strided_slice: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 4)];
    const x = g.tensorOf([n, m]);
    const mask = () => g.random.int(0, 3);
    return {
      text: `${g.name('strided_slice')}(${x.name}, [0, ${g.random.int(0, m - 1)}], [${n}, ${m}], [${g.random.pick([1, 2, -1])}, 1], begin_mask=${mask()}, end_mask=${mask()}, shrink_axis_mask=${g.random.pick([0, 0, 2])})`,
      deps: depsOf(x),
    };
  },
  where: (g) => {
    const shape = [g.random.int(1, 4)];
    const x = g.tensorOf(shape);
    const y = g.tensorOf(shape);
    return { text: `${g.name('where')}(${x.name} > ${y.name}, ${x.name}, ${y.name})`, shape, deps: depsOf(x, y) };
  },
  softmax: (g, op) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 4)]);
    return { text: `${g.name(op)}(${x.name}${g.random.chance(0.4) ? `, axis=${g.random.pick([0, 1, -1])}` : ''})`, deps: depsOf(x) };
  },
  log_softmax: (g, op) => RECIPES.softmax(g, op),
  reduce_logsumexp: (g) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 4)]);
    return { text: `${g.name('reduce_logsumexp')}(${x.name}, axis=${g.random.pick(['None', '0', '1', '[0, 1]'])})`, deps: depsOf(x) };
  },
  matmul: (g) => {
    const r = g.random;
    const [b, i, j, k] = [r.int(1, 2), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const ta = r.chance(0.3);
    const tb = r.chance(0.3);
    const batched = r.chance(0.3);
    const lead = batched ? [b] : [];
    const a = g.tensorOf([...lead, ...(ta ? [j, i] : [i, j])]);
    const c = g.tensorOf(r.chance(0.2) && batched ? (tb ? [k, j] : [j, k]) : [...lead, ...(tb ? [k, j] : [j, k])]);
    return {
      text: `${g.name('matmul')}(${a.name}, ${c.name}${ta ? ', transpose_a=True' : ''}${tb ? ', transpose_b=True' : ''})`,
      deps: depsOf(a, c),
    };
  },
};

function pool(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const x = g.tensorOf([r.int(1, 2), r.int(2, 5), r.int(2, 5), r.int(1, 2)]);
  const k = r.pick(['1', '2', '3', '[1, 2, 2, 1]', '[2, 2]']);
  const s = r.pick(['1', '2', '[1, 2, 2, 1]', '[1, 1]']);
  return { text: `${g.name(op)}(${x.name}, ksize=${k}, strides=${s}, padding=${r.pick(["'SAME'", "'VALID'"])})`, deps: depsOf(x) };
}

function pool3d(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const x = g.tensorOf([r.int(1, 2), r.int(2, 4), r.int(2, 4), r.int(2, 4), r.int(1, 2)]);
  const k = r.pick(['1', '2', '[2, 2, 1]', '[1, 2, 2, 2, 1]']);
  const s = r.pick(['1', '2', '[1, 2, 1]', '[1, 1, 2, 1, 1]']);
  return { text: `${g.name(op)}(${x.name}, ${k}, ${s}, ${r.pick(["'SAME'", "'VALID'"])})`, deps: depsOf(x) };
}

/** A segment reduction: one id per row (sorted ids for the sorted ops; unsorted ones may
 *  drop a row with -1). */
function segments(g: ProgramGenerator, op: string, sorted: boolean): Made {
  const r = g.random;
  const [rows, cols, count] = [r.int(1, 4), r.int(1, 3), r.int(1, 3)];
  const x = g.tensorOf([rows, cols]);
  const ids = Array.from({ length: rows }, () => r.int(sorted ? 0 : -1, count - 1));
  if (sorted) ids.sort((a, b) => a - b);
  return { text: `${g.name(op)}(${x.name}, [${ids.join(', ')}]${sorted ? '' : `, ${count}`})`, deps: depsOf(x) };
}

function cumulative(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const x = g.tensorOf([r.int(1, 4), r.int(1, 3)]);
  return {
    text: `${g.name(op)}(${x.name}, axis=${r.pick([0, 1, -1])}${r.chance(0.3) ? ', exclusive=True' : ''}${r.chance(0.3) ? ', reverse=True' : ''})`,
    deps: depsOf(x),
  };
}

/** An image of `channels` channels, batched or not, with small sides. */
function image(g: ProgramGenerator, channels: number): Sym {
  const r = g.random;
  const sides = [r.int(1, 5), r.int(1, 5), channels];
  return g.tensorOf(r.chance(0.6) ? [r.int(1, 2), ...sides] : sides);
}

/** crop_to_bounding_box / pad_to_bounding_box with a box that fits (crop: inside the image;
 *  pad: around it). */
function boundingBox(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const [h, w] = [r.int(1, 5), r.int(1, 5)];
  const x = g.tensorOf(r.chance(0.6) ? [r.int(1, 2), h, w, r.int(1, 3)] : [h, w, r.int(1, 3)]);
  const crop = op === 'crop_to_bounding_box';
  const [top, left] = crop ? [r.int(0, h - 1), r.int(0, w - 1)] : [r.int(0, 3), r.int(0, 3)];
  const [height, width] = crop ? [r.int(1, h - top), r.int(1, w - left)] : [top + h + r.int(0, 3), left + w + r.int(0, 3)];
  return { text: `${g.name(op)}(${x.name}, ${top}, ${left}, ${height}, ${width})`, deps: depsOf(x) };
}
