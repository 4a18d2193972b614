// Python recipes for the constructs the corpus reaches seldom: Keras' implicit masks and
// recurrent initial states, the noise layers, every learning-rate schedule, Ftrl and use_ema,
// tf.image's preprocessing ops and cumulative_logsumexp. A mutated test script rarely keeps
// their arguments consistent (a mask beside a sequence, states of the layer's size, a box
// inside the image), so these are written well-formed most of the time, with the odd value
// (zero steps, a negative rate, a box past the edge, -inf, a wrong state count) some of the
// time, and used in a gradient or a few training steps so the gradients run too.

import type { Rng } from './rng';

/** A value usually ordinary, sometimes odd. */
function odd(rng: Rng, usual: readonly string[], unusual: readonly string[]): string {
  return rng.chance(0.8) ? rng.pick(usual) : rng.pick(unusual);
}

const HEADER = 'import tensorflow as tf\nimport numpy as np\n';

function ids(rng: Rng, batch: number, steps: number, vocab: number): string {
  const rows: string[] = [];
  for (let b = 0; b < batch; b++) {
    const real = rng.int(0, steps);
    const row = Array.from({ length: steps }, (_, t) => (t < real ? rng.int(1, vocab - 1) : 0));
    if (rng.chance(0.3)) row.reverse(); // left-padded
    rows.push(`[${row.join(', ')}]`);
  }
  return `tf.constant([${rows.join(', ')}])`;
}

function masked(rng: Rng): string {
  const units = odd(rng, ['2', '3', '4'], ['0', '1', '-1']);
  const steps = rng.int(1, 5);
  const input = rng.chance(0.6)
    ? `x = tf.keras.layers.Embedding(6, 3, mask_zero=True)(${ids(rng, rng.int(1, 3), steps, 6)})`
    : `x = tf.keras.layers.Masking(mask_value=${odd(rng, ['0.0', '-1.0'], ['float("nan")', '1e39'])})(tf.constant(np.random.RandomState(${rng.int(0, 99)}).choice([0.0, -1.0, 0.5, 2.0], size=(2, ${steps}, 3)), tf.float32))`;
  const layer = rng.pick([
    `tf.keras.layers.LSTM(${units}, return_sequences=${rng.pick(['True', 'False'])}, go_backwards=${rng.pick(['True', 'False'])})`,
    `tf.keras.layers.GRU(${units}, return_sequences=${rng.pick(['True', 'False'])})`,
    `tf.keras.layers.SimpleRNN(${units}, return_sequences=True)`,
    `tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(${units}, return_sequences=${rng.pick(['True', 'False'])}), merge_mode=${rng.pick(["'concat'", "'sum'", "'ave'", "'mul'", 'None'])})`,
    `tf.keras.layers.Dense(${units})`,
    'tf.keras.layers.Dropout(0.5)',
    'tf.keras.layers.GlobalAveragePooling1D()',
    'tf.keras.layers.Activation("relu")',
  ]);
  const tail = rng.pick([
    'y = layer(x)',
    `y = tf.keras.layers.GlobalAveragePooling1D()(layer(x))`,
    `y = tf.keras.layers.MultiHeadAttention(num_heads=${odd(rng, ['1', '2'], ['0'])}, key_dim=2)(x, x)`,
    'y = tf.keras.layers.Attention()([x, x])',
    `y = layer(x, mask=${rng.pick(['None', 'tf.constant([[True] * 5])', 'x._keras_mask'])})`,
    'y = layer(x, training=True)',
  ]);
  return `${input}\nlayer = ${layer}\n${tail}\nloss = tf.reduce_sum(y)\n`;
}

function initialStates(rng: Rng): string {
  const u = rng.int(1, 3);
  const steps = rng.int(1, 4);
  const x = `x = tf.constant(np.random.RandomState(${rng.int(0, 99)}).randn(2, ${steps}, 3), tf.float32)`;
  const states = (kind: string) =>
    kind === 'LSTM'
      ? odd(rng, ['[h, c]', `[tf.zeros([2, ${u}]), tf.ones([2, ${u}])]`], ['[h]', '[h, c, h]', `[tf.zeros([3, ${u}]), c]`, 'h'])
      : odd(rng, ['h', '[h]'], ['[h, h]', `tf.zeros([2, ${u + 1}])`]);
  const kind = rng.pick(['LSTM', 'GRU', 'SimpleRNN']);
  const first =
    kind === 'LSTM'
      ? `_, h, c = tf.keras.layers.LSTM(${u}, return_state=True)(x)`
      : `_, h = tf.keras.layers.${kind}(${u}, return_state=True)(x)`;
  const second = rng.chance(0.7)
    ? `y = tf.keras.layers.${kind}(${u}, return_sequences=${rng.pick(['True', 'False'])})(x, initial_state=${states(kind)})`
    : `both = tf.keras.layers.Bidirectional(tf.keras.layers.${kind}(${u}, return_state=True))\nout = both(x, initial_state=${kind === 'LSTM' ? '[h, c, h, c]' : '[h, h]'})\ny = out[0]`;
  return `${x}\n${first}\n${second}\nloss = tf.reduce_sum(y)\n`;
}

function noise(rng: Rng): string {
  const rate = odd(rng, ['0.1', '0.5'], ['0.0', '1.0', '-0.5', '2', '1e9']);
  const layer = rng.pick([
    `GaussianNoise(${rate})`,
    `GaussianDropout(${rate})`,
    `AlphaDropout(${rate})`,
    `SpatialDropout1D(${rate})`,
    `SpatialDropout2D(${rate})`,
    `SpatialDropout3D(${rate})`,
    `ActivityRegularization(l1=${rate}, l2=${rate})`,
    'Identity()',
    `Rescaling(${odd(rng, ['1.0 / 255', '2.0'], ['0', '-1e39'])}, offset=${odd(rng, ['0.0', '-1.0'], ['float("inf")'])})`,
  ]);
  const rank = rng.int(2, 5);
  const shape = Array.from({ length: rank }, () => rng.int(1, 3)).join(', ');
  const dtype = rng.pick(['tf.float32', 'tf.float32', 'tf.int32']);
  const training = rng.pick(['', ', training=False', ', training=True', ', training=None']);
  return `x = tf.cast(tf.reshape(tf.range(${shape.split(', ').reduce((n, d) => n * Number(d), 1)}), [${shape}]), ${dtype})\ny = tf.keras.layers.${layer}(x${training})\nloss = tf.reduce_sum(tf.cast(y, tf.float32))\n`;
}

function schedule(rng: Rng): string {
  const steps = odd(rng, ['2', '5'], ['0', '-3', '1e-9', '10**18']);
  const rate = odd(rng, ['0.1', '0.5'], ['0.0', '-1.0', 'float("nan")']);
  return rng.pick([
    `tf.keras.optimizers.schedules.ExponentialDecay(${rate}, ${steps}, ${odd(rng, ['0.9', '0.5'], ['0.0', '-2.0', '1e39'])}, staircase=${rng.pick(['True', 'False'])})`,
    `tf.keras.optimizers.schedules.PiecewiseConstantDecay(${odd(rng, ['[1, 3]', '[2]'], ['[3, 1]', '[]', '[1, 1]'])}, ${odd(rng, ['[0.1, 0.05, 0.01]', '[0.2, 0.1]'], ['[0.1]', '[]'])})`,
    `tf.keras.optimizers.schedules.PolynomialDecay(${rate}, ${steps}, end_learning_rate=0.01, power=${odd(rng, ['1.0', '2.0'], ['0.0', '-1.0'])}, cycle=${rng.pick(['True', 'False'])})`,
    `tf.keras.optimizers.schedules.CosineDecay(${rate}, ${steps}, alpha=${odd(rng, ['0.0', '0.1'], ['-1.0', '2.0'])}${rng.chance(0.4) ? `, warmup_target=0.3, warmup_steps=${odd(rng, ['2', '3'], ['0', '-1'])}` : ''})`,
    `tf.keras.optimizers.schedules.CosineDecayRestarts(${rate}, ${steps}, t_mul=${odd(rng, ['2.0', '1.0'], ['0.0', '-1.0'])}, m_mul=${odd(rng, ['1.0', '0.5'], ['0.0'])}, alpha=0.1)`,
    `tf.keras.optimizers.schedules.InverseTimeDecay(${rate}, ${steps}, ${odd(rng, ['0.5', '1.0'], ['-1.0', '0.0'])}, staircase=${rng.pick(['True', 'False'])})`,
  ]);
}

function optimizer(rng: Rng): string {
  const lr = rng.chance(0.5) ? schedule(rng) : odd(rng, ['0.1', '0.01'], ['0.0', '-1.0', '1e39']);
  const ema = rng.chance(0.3)
    ? `, use_ema=True, ema_momentum=${odd(rng, ['0.9', '0.5'], ['0.0', '1.0', '-1.0'])}, ema_overwrite_frequency=${odd(rng, ['2', 'None'], ['0', '-1'])}`
    : '';
  return rng.pick([
    `tf.keras.optimizers.Ftrl(${lr}, l1_regularization_strength=${odd(rng, ['0.0', '0.5'], ['-1.0'])}, l2_regularization_strength=${odd(rng, ['0.0', '0.1'], ['-1.0'])}, learning_rate_power=${odd(rng, ['-0.5', '0.0'], ['0.5', '-1e39'])}, beta=${odd(rng, ['0.0', '0.5'], ['-1.0'])}${ema})`,
    `tf.keras.optimizers.SGD(${lr}, momentum=${odd(rng, ['0.0', '0.9'], ['-1.0'])}${ema})`,
    `tf.keras.optimizers.Adam(${lr}${ema})`,
    `tf.keras.optimizers.RMSprop(${lr}${ema})`,
    `tf.keras.optimizers.legacy.Adam(${odd(rng, ['0.1', '0.01'], ['0.0'])}, decay=${odd(rng, ['0.1', '0.01'], ['-1.0', '1e39'])})`,
  ]);
}

function training(rng: Rng): string {
  const steps = rng.int(1, 4);
  const finalize = rng.chance(0.3) ? '\nopt.finalize_variable_values([w, b])' : '';
  const readBack = rng.chance(0.3) ? `\nseen = opt.iterations.numpy()\nrate = opt.learning_rate` : '';
  return (
    [
      'w = tf.Variable([[0.5, -1.0], [2.0, 0.25]])',
      'b = tf.Variable([0.1, -0.2])',
      `opt = ${optimizer(rng)}`,
      `x = tf.constant([[1.0, 2.0], [3.0, -1.0]])`,
      `for step in range(${steps}):`,
      '    with tf.GradientTape() as tape:',
      '        loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w) + b) ** 2)',
      '    grads = tape.gradient(loss, [w, b])',
      '    opt.apply_gradients(zip(grads, [w, b]))',
    ].join('\n') +
    finalize +
    readBack +
    '\n'
  );
}

function tf1Decay(rng: Rng): string {
  const steps = odd(rng, ['2', '4'], ['0', '-1']);
  const decay = rng.pick([
    `tf.compat.v1.train.exponential_decay(0.1, step, ${steps}, 0.5, staircase=${rng.pick(['True', 'False'])})`,
    `tf.compat.v1.train.polynomial_decay(0.1, step, ${steps}, 0.01, power=2.0, cycle=${rng.pick(['True', 'False'])})`,
    `tf.compat.v1.train.cosine_decay(0.1, step, ${steps}, alpha=0.1)`,
    `tf.compat.v1.train.cosine_decay_restarts(0.1, step, ${steps}, t_mul=2.0, m_mul=0.5)`,
    `tf.compat.v1.train.linear_cosine_decay(0.1, step, ${steps})`,
    `tf.compat.v1.train.natural_exp_decay(0.1, step, ${steps}, 0.5)`,
    `tf.compat.v1.train.inverse_time_decay(0.1, step, ${steps}, 0.5)`,
    `tf.compat.v1.train.piecewise_constant(step, [1, 2], [0.1, 0.05, 0.01])`,
  ]);
  const optimizerName = rng.pick([
    'GradientDescentOptimizer(rate)',
    'FtrlOptimizer(rate, l1_regularization_strength=0.1)',
    'AdamOptimizer(rate)',
  ]);
  return (
    [
      'tf.compat.v1.disable_eager_execution()',
      'x = tf.compat.v1.placeholder(tf.float32, [None, 2])',
      'w = tf.compat.v1.Variable([[0.5], [-1.0]])',
      'step = tf.compat.v1.Variable(0, trainable=False)',
      `rate = ${decay}`,
      'loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))',
      `train = tf.compat.v1.train.${optimizerName}.minimize(loss, global_step=step)`,
      'sess = tf.compat.v1.Session()',
      'sess.run(tf.compat.v1.global_variables_initializer())',
      `for i in range(${rng.int(1, 4)}):`,
      '    sess.run(train, {x: [[1.0, 2.0], [0.5, -1.0]]})',
      'final = sess.run([w, rate, step])',
    ].join('\n') + '\n'
  );
}

function image(rng: Rng): string {
  const batched = rng.chance(0.5);
  const h = rng.int(1, 5);
  const w = rng.int(1, 5);
  const c = odd(rng, ['3', '1'], ['2', '4', '0']);
  const shape = batched ? `[2, ${h}, ${w}, ${c}]` : `[${h}, ${w}, ${c}]`;
  const n = (batched ? 2 : 1) * h * w * Number(c);
  const image = `img = tf.reshape(tf.range(${n}, dtype=tf.float32) / ${Math.max(1, n)}, ${shape})`;
  const off = () => odd(rng, ['0', '1'], ['-1', '10**9', String(h)]);
  const size = () => odd(rng, ['1', '2'], ['0', '-2', '10**6']);
  const op = rng.pick([
    'tf.image.flip_left_right(img)',
    'tf.image.flip_up_down(img)',
    `tf.image.crop_to_bounding_box(img, ${off()}, ${off()}, ${size()}, ${size()})`,
    `tf.image.pad_to_bounding_box(img, ${off()}, ${off()}, ${h + rng.int(0, 3)}, ${w + rng.int(-1, 3)})`,
    `tf.image.central_crop(img, ${odd(rng, ['0.5', '0.75', '1.0'], ['0.0', '1.5', '-0.1', '1e-9'])})`,
    'tf.image.rgb_to_grayscale(img)',
    'tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(img))',
    'tf.image.grayscale_to_rgb(img)',
    `tf.image.adjust_brightness(img, ${odd(rng, ['0.1', '-0.2'], ['1e39', 'float("nan")'])})`,
    `tf.image.adjust_contrast(img, ${odd(rng, ['2.0', '0.5'], ['0.0', '-1e39'])})`,
    'tf.image.per_image_standardization(img)',
    `tf.image.resize(img, [${size()}, ${size()}], method=${rng.pick(["'bilinear'", "'nearest'", "'bicubic'"])})`,
  ]);
  return `${image}\nwith tf.GradientTape() as tape:\n    tape.watch(img)\n    out = ${op}\n    loss = tf.reduce_sum(out * out)\ng = tape.gradient(loss, img)\n`;
}

function logsumexp(rng: Rng): string {
  const values = Array.from({ length: rng.int(0, 6) }, () =>
    odd(rng, ['1.0', '-2.0', '0.5', '3.0'], ['float("-inf")', 'float("inf")', 'float("nan")', '1e38', '-1e38', '100.0']),
  );
  const matrix = rng.chance(0.4);
  const literal = matrix ? `[[${values.join(', ') || '0.0'}], [${values.join(', ') || '0.0'}]]` : `[${values.join(', ')}]`;
  const axis = odd(rng, matrix ? ['0', '1', '-1'] : ['0', '-1'], ['2', '-3']);
  const dtype = rng.pick(['tf.float32', 'tf.float32', 'tf.float64']);
  return (
    [
      `x = tf.constant(${literal}, ${dtype})`,
      'with tf.GradientTape() as tape:',
      '    tape.watch(x)',
      `    y = tf.math.cumulative_logsumexp(x, axis=${axis}, exclusive=${rng.pick(['True', 'False'])}, reverse=${rng.pick(['True', 'False'])})`,
      `    loss = tf.reduce_sum(y${rng.chance(0.5) ? ' * y' : ''})`,
      'g = tape.gradient(loss, x)',
    ].join('\n') + '\n'
  );
}

// ---- hostile arguments (issue 15, session 15) -----------------------------------------------
// TF and NumPy calls at the extremes of their arguments: sizes past int32, 2^53 and the element
// budget on tensors with no elements (whose shapes still carry them), ranks up to NumPy's 64 and
// past it, format widths at and past their bound, '%*d', and brackets nested until the
// grammar gives up. Each line stands alone (one failing does not hide the others), and a tape
// takes the gradient of whatever was made.

const HUGE = ['0', '1', '-1', '2**31 - 1', '2**31', '2**32 + 1', '10**12', '2**53 + 1', '10**18', '2**62', '2**63'];

function hostileArguments(rng: Rng): string {
  const n = () => rng.pick(HUGE);
  const rank = () => rng.pick([0, 1, 33, 64, 65, 300]);
  const width = () => rng.pick(['5', '10000', '10001', '10**9']);
  const nested = () => {
    const depth = rng.pick([10, 199, 201, 1000, 3000]);
    return `${'('.repeat(depth)}1${')'.repeat(depth)}`;
  };
  const lines = [
    () => `tf.reshape(tf.zeros([0]), [${n()}, ${rng.pick(['0', '-1'])}])`,
    () => `tf.tile(tf.zeros([0, 2]), [${n()}, ${n()}])`,
    () => `tf.tile(x, [${n()}])`,
    () => `tf.pad(x, [[${n()}, ${n()}]])`,
    () => `tf.one_hot(tf.constant([], tf.int32), ${n()})`,
    () => `tf.one_hot([0, 1], ${n()})`,
    () => `tf.range(${n()})`,
    () => `tf.fill([${n()}, 0], 1.0)`,
    () => `tf.random.normal([0, ${n()}])`,
    () => `tf.broadcast_to(tf.zeros([0, 1]), [0, ${n()}])`,
    () => `tf.reduce_sum(tf.zeros([0, ${n()}]), axis=0)`,
    () => `tf.split(tf.zeros([0]), ${n()})`,
    () => `tf.unstack(tf.zeros([${n()}, 0]))`,
    () => `tf.gather(x, [${n()}])`,
    () => `tf.zeros([1] * ${rank()})`,
    () => `tf.reduce_sum(x, axis=${n()})`,
    () => `np.zeros((${n()}, 0)).reshape(-1, 7)`,
    () => `np.ones([1] * ${rank()})`,
    () => `np.zeros((0, ${n()})).sum(axis=0)`,
    () => `np.arange(0, 1, ${rng.pick(['1e-300', '0.5', '-1'])})`,
    () => `np.tile(np.ones(2), ${n()})`,
    () => `f"{1:>${width()}}"`,
    () => `"{:${rng.pick(['>', '<', '^', '0'])}${width()}}".format(1)`,
    () => `"%*d" % (${width()}, 1)`,
    () => `"%.*f" % (${rng.pick(['3', '10001', '-1'])}, 1.5)`,
    () => `"x".ljust(${n()})`,
    () => nested(),
  ];
  const out = ['x = tf.Variable([1.0, 2.0, 3.0])', 'with tf.GradientTape() as tape:'];
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) out.push(`    h${i} = ${rng.pick(lines)()}`);
  out.push('    loss = tf.reduce_sum(x * x)', 'g = tape.gradient(loss, x)', `print(${rng.chance(0.5) ? 'h0' : 'g'})`);
  return out.join('\n') + '\n';
}

const CONSTRUCTS: readonly (readonly [number, (rng: Rng) => string])[] = [
  [3, masked],
  [2, initialStates],
  [2, noise],
  [3, training],
  [2, tf1Decay],
  [3, image],
  [2, logsumexp],
  [3, hostileArguments],
];

/** A script of one or two of the constructs above (the second may read the first's names). */
export function constructRecipe(rng: Rng): string {
  let text = HEADER + rng.weighted(CONSTRUCTS)(rng);
  if (rng.chance(0.25)) text += rng.weighted(CONSTRUCTS)(rng);
  return text;
}
