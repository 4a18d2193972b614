// Learning-rate decays: Keras' schedules and TF 1.x's decays are one definition each
// (decayFormulas.ts), so both spellings give the same rates, and both match the formulas
// written independently here in float64 (restarts found by walking the periods, not by the
// logarithm TensorFlow uses). Also the optimizer options around them: the pre-2.11 `decay=`,
// Ftrl's l1 band and the eager decays' callables; and their argument errors.

import { describe, expect, it } from 'vitest';
import { data, items, printed, py, val } from './support';

const STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 12];

/** Rates at STEPS through Keras' schedule and TF 1.x's decay of a step variable, eagerly. */
function bothSpellings(keras: string, tf1: string): { keras: number[]; tf1: number[] } {
  const a = py(`import tensorflow as tf
schedule = tf.keras.optimizers.schedules.${keras}
step = tf.Variable(0, dtype=tf.int64)
decayed = tf.compat.v1.train.${tf1}
keras_rates = [schedule(s) for s in ${JSON.stringify(STEPS)}]
tf1_rates = []
for s in ${JSON.stringify(STEPS)}:
    step.assign(s)
    tf1_rates.append(decayed())
`);
  expect(a.diagnostics.map((d) => d.message)).toEqual([]);
  return { keras: items(a, 'keras_rates').map((t) => data(t)[0]), tf1: items(a, 'tf1_rates').map((t) => data(t)[0]) };
}

function expectRates(actual: number[], expected: (step: number) => number): void {
  actual.forEach((r, i) => expect(r, `step ${STEPS[i]}`).toBeCloseTo(expected(STEPS[i]), 6));
}

const halfCosine = (fraction: number) => 0.5 * (1 + Math.cos(Math.PI * fraction));

/** SGDR by walking the periods: restart i lasts first·tMul^i steps and peaks at mMul^i. */
function restarts(initial: number, first: number, tMul: number, mMul: number, alpha: number) {
  return (step: number) => {
    let [start, length, i] = [0, first, 0];
    while (step >= start + length) [start, length, i] = [start + length, length * tMul, i + 1];
    return initial * ((1 - alpha) * mMul ** i * halfCosine((step - start) / length) + alpha);
  };
}

describe('each decay is one definition: Keras and TF 1.x give the formula', () => {
  const restartCases: [what: string, keras: string, tf1: string, expected: (step: number) => number][] = [
    [
      'periods growing by 1.5 and peaks falling by 0.7',
      'CosineDecayRestarts(0.2, 2, t_mul=1.5, m_mul=0.7, alpha=0.1)',
      'cosine_decay_restarts(0.2, step, 2, t_mul=1.5, m_mul=0.7, alpha=0.1)',
      restarts(0.2, 2, 1.5, 0.7, 0.1),
    ],
    [
      'equal periods',
      'CosineDecayRestarts(0.1, 3, t_mul=1.0, m_mul=0.5)',
      'cosine_decay_restarts(0.1, step, 3, t_mul=1.0, m_mul=0.5)',
      restarts(0.1, 3, 1, 0.5, 0),
    ],
  ];
  for (const [what, keras, tf1, expected] of restartCases)
    it(`cosine decay with restarts, ${what}`, () => {
      const r = bothSpellings(keras, tf1);
      expectRates(r.keras, expected);
      expectRates(r.tf1, expected);
    });

  it('polynomial decay that cycles: each multiple of decay_steps starts a longer decay from the top', () => {
    const r = bothSpellings(
      'PolynomialDecay(0.5, 4, end_learning_rate=0.1, power=2.0, cycle=True)',
      'polynomial_decay(0.5, step, 4, end_learning_rate=0.1, power=2.0, cycle=True)',
    );
    const expected = (step: number) => {
      const span = 4 * Math.max(1, Math.ceil(step / 4));
      return 0.4 * (1 - step / span) ** 2 + 0.1;
    };
    expectRates(r.keras, expected);
    expectRates(r.tf1, expected);
  });

  it('cosine decay (TF 1.x) and exponential decay with stairs, as Keras has them', () => {
    const cosine = bothSpellings('CosineDecay(0.3, 5, alpha=0.2)', 'cosine_decay(0.3, step, 5, alpha=0.2)');
    expectRates(cosine.keras, (s) => 0.3 * (0.8 * halfCosine(Math.min(s, 5) / 5) + 0.2));
    expectRates(cosine.tf1, (s) => 0.3 * (0.8 * halfCosine(Math.min(s, 5) / 5) + 0.2));
    const stairs = bothSpellings('ExponentialDecay(0.3, 3, 0.5, staircase=True)', 'exponential_decay(0.3, step, 3, 0.5, staircase=True)');
    expectRates(stairs.keras, (s) => 0.3 * 0.5 ** Math.floor(s / 3));
    expectRates(stairs.tf1, (s) => 0.3 * 0.5 ** Math.floor(s / 3));
  });

  it("Keras' cosine warmup climbs linearly to the target, then decays from it", () => {
    const a = py(`import tensorflow as tf
schedule = tf.keras.optimizers.schedules.CosineDecay(0.0, 6, alpha=0.1, warmup_target=0.4, warmup_steps=4)
rates = [schedule(s) for s in ${JSON.stringify(STEPS)}]
`);
    const expected = (s: number) => (s < 4 ? (0.4 * s) / 4 : 0.4 * (0.9 * halfCosine(Math.min(s - 4, 6) / 6) + 0.1));
    expectRates(
      items(a, 'rates').map((t) => data(t)[0]),
      expected,
    );
  });

  it("TF 1.x's natural_exp_decay and linear_cosine_decay", () => {
    const a = py(`import tensorflow as tf
step = tf.Variable(0, dtype=tf.int64)
natural = tf.compat.v1.train.natural_exp_decay(0.5, step, 2, 0.3, staircase=True)
linear = tf.compat.v1.train.linear_cosine_decay(0.4, step, 6, num_periods=1.0, alpha=0.1, beta=0.01)
natural_rates, linear_rates = [], []
for s in ${JSON.stringify(STEPS)}:
    step.assign(s)
    natural_rates.append(natural())
    linear_rates.append(linear())
`);
    expectRates(
      items(a, 'natural_rates').map((t) => data(t)[0]),
      (s) => 0.5 * Math.exp(-0.3 * Math.floor(s / 2)),
    );
    expectRates(
      items(a, 'linear_rates').map((t) => data(t)[0]),
      (s) => {
        const c = Math.min(s, 6);
        return 0.4 * ((0.1 + (6 - c) / 6) * halfCosine((2 * c) / 6) + 0.01);
      },
    );
  });
});

describe('optimizer options around the rate', () => {
  it("the pre-2.11 decay divides each step's rate by 1 + decay·iterations", () => {
    const a = py(`import tensorflow as tf
w = tf.Variable([3.0])
opt = tf.keras.optimizers.SGD(lr=0.5, decay=1.0)
seen = []
for _ in range(3):
    before = w.numpy()
    opt.minimize(lambda: tf.reduce_sum(w), [w])
    seen.append(before - w)
`);
    // The gradient is 1, so each step moves w by exactly the step's rate: 0.5/1, 0.5/2, 0.5/3.
    items(a, 'seen').forEach((t, i) => expect(data(t)[0]).toBeCloseTo(0.5 / (1 + i), 6));
  });

  it("the rate and the step count read back as TensorFlow's variables, and assigning the rate steers the next step", () => {
    const a = py(`import tensorflow as tf
w = tf.Variable([3.0])
opt = tf.keras.optimizers.SGD(0.5)
opt.minimize(lambda: tf.reduce_sum(w), [w])
print(opt.iterations)
print(opt.lr)
opt.learning_rate.assign(0.25)
before = w.numpy()
opt.minimize(lambda: tf.reduce_sum(w), [w])
moved = before - w
count = opt.iterations.numpy()
`);
    expect(printed(a)).toBe(
      "<tf.Variable 'iteration:0' shape=() dtype=int64, numpy=1>\n<tf.Variable 'learning_rate:0' shape=() dtype=float32, numpy=0.5>\n",
    );
    expect(data(val(a, 'moved'))[0]).toBeCloseTo(0.25, 6);
    expect(data(val(a, 'count'))).toEqual([2]);
  });

  it("a script's own LearningRateSchedule (the transformer tutorial's) is called with the step count before each step", () => {
    const a = py(`import tensorflow as tf

class InverseSchedule(tf.keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, top):
        super().__init__()
        self.top = top

    def __call__(self, step):
        return self.top / (tf.cast(step, tf.float32) + 1.0)

w = tf.Variable([3.0])
schedule = InverseSchedule(0.6)
opt = tf.keras.optimizers.SGD(schedule)
seen = []
for _ in range(3):
    before = w.numpy()
    opt.minimize(lambda: tf.reduce_sum(w), [w])
    seen.append(before - w)
rate_now = opt.learning_rate
`);
    expect(a.diagnostics.map((d) => d.message)).toEqual([]);
    items(a, 'seen').forEach((t, i) => expect(data(t)[0]).toBeCloseTo(0.6 / (i + 1), 6));
    expect(data(val(a, 'rate_now'))[0]).toBeCloseTo(0.6 / 4, 6);
  });

  it('a class deriving from a Keras model stays outside the subset; super().__init__() of object does nothing', () => {
    const a = py(
      `import tensorflow as tf
class Net(tf.keras.Model):
    pass
class Plain(object):
    def __init__(self):
        super().__init__()
        self.k = 2
print(Plain().k)
`,
      { strict: false },
    );
    expect(a.diagnostics.map((d) => d.message)).toEqual([
      "not evaluated: a class inheriting from `tf.keras.Model` is outside tgraph's subset (classes are namespaces, with no base but `object`)",
    ]);
    expect(printed(a)).toBe('2\n');
  });

  it("Ftrl sets a weight to exactly 0 while its gradients' sum stays inside the l1 band", () => {
    const a = py(`import tensorflow as tf
w = tf.Variable([0.5, -0.5])
opt = tf.keras.optimizers.Ftrl(0.1, l1_regularization_strength=1.0)
for _ in range(2):
    opt.minimize(lambda: tf.reduce_sum(w * tf.constant([0.3, 5.0])), [w])
final = w.numpy()
`);
    const w = data(val(a, 'final'));
    expect(w[0]).toBe(0);
    expect(w[1]).toBeLessThan(0);
  });

  it('an eager TF 1.x decay is a callable that a Keras optimizer calls before each step', () => {
    const a = py(`import tensorflow as tf
w = tf.Variable([3.0])
step = tf.Variable(0, dtype=tf.int64)
rate = tf.compat.v1.train.exponential_decay(0.5, step, 1, 0.5)
opt = tf.keras.optimizers.SGD(rate)
seen = []
for _ in range(3):
    before = w.numpy()
    opt.minimize(lambda: tf.reduce_sum(w), [w])
    step.assign_add(1)
    seen.append(before - w)
`);
    items(a, 'seen').forEach((t, i) => expect(data(t)[0]).toBeCloseTo(0.5 * 0.5 ** i, 6));
  });
});

describe("the decays' argument errors are TensorFlow's and point at the argument", () => {
  const failure = (src: string) => {
    const a = py(`import tensorflow as tf\n${src}`, { strict: false });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    const full = `import tensorflow as tf\n${src}`;
    return { message: errors[0].message, at: full.slice(errors[0].span.start, errors[0].span.end) };
  };

  it('a negative decay, a decay of no step and a piecewise decay with too few values', () => {
    const decay = failure('opt = tf.keras.optimizers.Adam(0.1, decay=-0.5)\n');
    expect(decay.message).toMatch(/ValueError: decay cannot be less than 0/);
    expect(decay.at).toBe('-0.5');
    const noStep = failure('r = tf.compat.v1.train.cosine_decay(0.1, None, 10)\n');
    expect(noStep.message).toMatch(/ValueError: global_step is required for cosine_decay/);
    const piecewise = failure('s = tf.Variable(0)\nr = tf.compat.v1.train.piecewise_constant(s, [1, 2], [0.1, 0.01])\n');
    expect(piecewise.message).toMatch(/ValueError: The length of boundaries should be 1 less than the length of values/);
    expect(piecewise.at).toBe('[0.1, 0.01]');
  });

  it('a restart period of 0', () => {
    const f = failure('s = tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 0)\n');
    expect(f.message).toMatch(/ValueError: first_decay_steps must be positive/);
    expect(f.at).toBe('0');
  });
});
