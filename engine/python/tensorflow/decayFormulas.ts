// Learning-rate decays, one definition each, read by both of TensorFlow's spellings: Keras'
// schedules (`tf.keras.optimizers.schedules.*`, evaluated as numbers at a step) and TF 1.x's
// decays (`tf.train.*_decay`, built as graph ops of the global step). A formula is written once
// over an `Arithmetic` and each side supplies its own (numbers, or ops on tensors); Python
// arguments that choose the formula's shape (staircase, cycle, t_mul = 1) are read as plain
// values on both sides, as TensorFlow reads them.

/** The operations a decay is written with. */
export interface Arithmetic<T> {
  lift(x: number): T;
  add(a: T, b: T): T;
  subtract(a: T, b: T): T;
  multiply(a: T, b: T): T;
  divide(a: T, b: T): T;
  pow(a: T, b: T): T;
  minimum(a: T, b: T): T;
  floor(a: T): T;
  ceil(a: T): T;
  cos(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  sqrt(a: T): T;
  /** A standard normal sample of the graph's generator, a new one at each step (TensorFlow
   *  draws one per run): only TF 1.x's noisy decay draws them. */
  standardNormal?(step: T): T;
  /** `then` where a <= b, else `otherwise`. */
  ifLessEqual(a: T, b: T, then: T, otherwise: T): T;
  /** `then` where a < b, else `otherwise`. */
  ifLess(a: T, b: T, then: T, otherwise: T): T;
}

/** A decay's arguments as the caller bound them. */
export interface DecayArgs<T> {
  /** The starting rate (Keras' initial_learning_rate, TF 1.x's learning_rate). */
  rate(): T;
  value(name: string, fallback?: number): T;
  /** A Python number that the formula's shape depends on. */
  number(name: string, fallback?: number): number;
  /** A Python number that must be > 0 (a step count the formula divides by). */
  positive(name: string): number;
  flag(name: string): boolean;
  isNone(name: string): boolean;
  values(name: string): readonly T[];
  /** Raises Python's ValueError at the argument. */
  invalid(name: string, message: string): never;
}

export interface Decay {
  /** Keras' schedule's name and parameters, when Keras has it. */
  keras?: { name: string; params: string[] };
  /** TF 1.x's function's name and parameters (the step is `global_step`, or `x`). */
  tf1?: { name: string; params: string[] };
  rate<T>(A: Arithmetic<T>, step: T, a: DecayArgs<T>): T;
}

/** step / decay_steps, floored when `staircase` (the rate drops in stairs). */
function progress<T>(A: Arithmetic<T>, step: T, a: DecayArgs<T>): T {
  const fraction = A.divide(step, A.lift(a.positive('decay_steps')));
  return a.flag('staircase') ? A.floor(fraction) : fraction;
}

/** Half a cosine from 1 down to alpha over `fraction` in [0, 1]; m_mul scales a restart's peak. */
function cosineShape<T>(A: Arithmetic<T>, fraction: T, alpha: number, peak: T = A.lift(1)): T {
  const half = A.multiply(A.multiply(A.lift(0.5), peak), A.add(A.lift(1), A.cos(A.multiply(A.lift(Math.PI), fraction))));
  return A.add(A.multiply(A.lift(1 - alpha), half), A.lift(alpha));
}

const STAIRCASE_DECAY = ['decay_steps', 'decay_rate', 'staircase', 'name'];
const keras = (name: string, params: string[]) => ({ name, params: ['initial_learning_rate', ...params] });
const tf1 = (name: string, params: string[]) => ({ name, params: ['learning_rate', 'global_step', ...params] });

export const DECAYS: Decay[] = [
  // rate · decay_rate^(step / decay_steps)
  {
    keras: keras('ExponentialDecay', STAIRCASE_DECAY),
    tf1: tf1('exponential_decay', STAIRCASE_DECAY),
    rate: (A, step, a) => A.multiply(a.rate(), A.pow(a.value('decay_rate'), progress(A, step, a))),
  },
  // rate · e^(-decay_rate · step / decay_steps), as TensorFlow computes it: (e^-decay_rate)^progress.
  {
    tf1: tf1('natural_exp_decay', STAIRCASE_DECAY),
    rate: (A, step, a) => A.multiply(a.rate(), A.pow(A.exp(A.subtract(A.lift(0), a.value('decay_rate'))), progress(A, step, a))),
  },
  // rate / (1 + decay_rate · step / decay_steps)
  {
    keras: keras('InverseTimeDecay', STAIRCASE_DECAY),
    tf1: tf1('inverse_time_decay', STAIRCASE_DECAY),
    rate: (A, step, a) => A.divide(a.rate(), A.add(A.lift(1), A.multiply(a.value('decay_rate'), progress(A, step, a)))),
  },
  // values[i] while step <= boundaries[i], the last value past the last boundary.
  {
    keras: { name: 'PiecewiseConstantDecay', params: ['boundaries', 'values', 'name'] },
    tf1: { name: 'piecewise_constant', params: ['x', 'boundaries', 'values', 'name'] },
    rate: (A, step, a) => {
      const [boundaries, values] = [a.values('boundaries'), a.values('values')];
      if (values.length !== boundaries.length + 1)
        a.invalid(
          'values',
          `The length of boundaries should be 1 less than the length of values (got ${boundaries.length} and ${values.length})`,
        );
      let rate = A.multiply(values[values.length - 1], A.lift(1));
      for (let i = boundaries.length - 1; i >= 0; i--) rate = A.ifLessEqual(step, boundaries[i], values[i], rate);
      return rate;
    },
  },
  // (rate - end) · (1 - step/decay_steps)^power + end; with `cycle` the decay restarts from the
  // top at each multiple of decay_steps, over a span that grows to the next multiple.
  {
    keras: keras('PolynomialDecay', ['decay_steps', 'end_learning_rate', 'power', 'cycle', 'name']),
    tf1: tf1('polynomial_decay', ['decay_steps', 'end_learning_rate', 'power', 'cycle', 'name']),
    rate: (A, step, a) => {
      const end = a.value('end_learning_rate', 0.0001);
      let span = A.lift(a.positive('decay_steps'));
      if (a.flag('cycle')) span = A.multiply(span, A.ifLessEqual(step, A.lift(0), A.lift(1), A.ceil(A.divide(step, span))));
      else step = A.minimum(step, span);
      const remaining = A.subtract(A.lift(1), A.divide(step, span));
      return A.add(A.multiply(A.subtract(a.rate(), end), A.pow(remaining, a.value('power', 1))), end);
    },
  },
  // Half a cosine from the rate down to alpha times it, then flat. Keras' warmup first climbs
  // linearly from the rate to warmup_target over warmup_steps, then decays from the target.
  {
    keras: keras('CosineDecay', ['decay_steps', 'alpha', 'name', 'warmup_target', 'warmup_steps']),
    tf1: tf1('cosine_decay', ['decay_steps', 'alpha', 'name']),
    rate: (A, step, a) => {
      const span = a.positive('decay_steps');
      const alpha = a.number('alpha', 0);
      const decayFrom = (top: typeof step, s: typeof step) => A.multiply(top, cosineShape(A, A.divide(s, A.lift(span)), alpha));
      if (a.isNone('warmup_target')) return decayFrom(a.rate(), A.minimum(step, A.lift(span)));
      const warmupSteps = a.number('warmup_steps', 0);
      const [initial, target] = [a.rate(), a.value('warmup_target')];
      const clamped = A.minimum(step, A.lift(span + warmupSteps));
      const warmup = A.add(A.multiply(A.subtract(target, initial), A.divide(clamped, A.lift(warmupSteps))), initial);
      return A.ifLess(clamped, A.lift(warmupSteps), warmup, decayFrom(target, A.subtract(clamped, A.lift(warmupSteps))));
    },
  },
  // SGDR: cosine decays that restart, each period t_mul times the last and its peak m_mul
  // times the last.
  {
    keras: keras('CosineDecayRestarts', ['first_decay_steps', 't_mul', 'm_mul', 'alpha', 'name']),
    tf1: tf1('cosine_decay_restarts', ['first_decay_steps', 't_mul', 'm_mul', 'alpha', 'name']),
    rate: (A, step, a) => {
      const fraction = A.divide(step, A.lift(a.positive('first_decay_steps')));
      const growth = a.number('t_mul', 2);
      let restart: typeof fraction;
      let within: typeof fraction;
      if (growth === 1) {
        restart = A.floor(fraction);
        within = A.subtract(fraction, restart);
      } else {
        // Periods 1, t, t², …: the restart whose geometric sum of periods the fraction has passed.
        restart = A.floor(A.divide(A.log(A.subtract(A.lift(1), A.multiply(fraction, A.lift(1 - growth)))), A.lift(Math.log(growth))));
        const passed = A.divide(A.subtract(A.lift(1), A.pow(A.lift(growth), restart)), A.lift(1 - growth));
        within = A.divide(A.subtract(fraction, passed), A.pow(A.lift(growth), restart));
      }
      const peak = A.pow(A.lift(a.number('m_mul', 1)), restart);
      return A.multiply(a.rate(), cosineShape(A, within, a.number('alpha', 0), peak));
    },
  },
  // (alpha + linear decay) · cosine of num_periods periods + beta, times the rate.
  {
    tf1: tf1('linear_cosine_decay', ['decay_steps', 'num_periods', 'alpha', 'beta', 'name']),
    rate: (A, step, a) => linearCosine(A, step, a, (linear) => linear),
  },
  // linear_cosine_decay with normal noise added to the linear part, its variance
  // initial_variance / (1 + step)^variance_decay.
  {
    tf1: tf1('noisy_linear_cosine_decay', ['decay_steps', 'initial_variance', 'variance_decay', 'num_periods', 'alpha', 'beta', 'name']),
    rate: (A, step, a) =>
      linearCosine(A, step, a, (linear, clamped) => {
        if (!A.standardNormal) throw new Error('internal: noisy_linear_cosine_decay needs a random generator');
        const variance = A.divide(
          A.lift(a.number('initial_variance', 1)),
          A.pow(A.add(A.lift(1), clamped), A.lift(a.number('variance_decay', 0.55))),
        );
        return A.add(linear, A.multiply(A.sqrt(variance), A.standardNormal(step)));
      }),
  },
];

/** linear_cosine_decay's shape, (alpha + linear) · cosine of num_periods periods + beta,
 *  times the rate; `linear` (the linear part, and the step clamped to decay_steps) may add noise. */
function linearCosine<T>(A: Arithmetic<T>, step: T, a: DecayArgs<T>, linearPart: (linear: T, clamped: T) => T): T {
  const span = A.lift(a.positive('decay_steps'));
  const clamped = A.minimum(step, span);
  const linear = linearPart(A.divide(A.subtract(span, clamped), span), clamped);
  const periods = A.multiply(A.lift(2 * a.number('num_periods', 0.5)), A.divide(clamped, span));
  const cosine = A.multiply(A.lift(0.5), A.add(A.lift(1), A.cos(A.multiply(A.lift(Math.PI), periods))));
  const shaped = A.add(A.multiply(A.add(A.lift(a.number('alpha', 0)), linear), cosine), A.lift(a.number('beta', 0.001)));
  return A.multiply(a.rate(), shaped);
}

/** Plain float64 numbers. */
export const NUMBERS: Arithmetic<number> = {
  lift: (x) => x,
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  pow: (a, b) => a ** b,
  minimum: Math.min,
  floor: Math.floor,
  ceil: Math.ceil,
  cos: Math.cos,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  ifLessEqual: (a, b, then, otherwise) => (a <= b ? then : otherwise),
  ifLess: (a, b, then, otherwise) => (a < b ? then : otherwise),
};
