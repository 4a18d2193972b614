// The optimizers' update rules, one definition each: the slots a variable gets (with their
// starting values) and one step on a variable's values. They are TensorFlow's: the TF 1.x
// kernels (ApplyGradientDescent, ApplyMomentum, ApplyAdam, ApplyRMSProp, ApplyAdagrad,
// ApplyAdadelta, ApplyFtrl(V2)) and Keras' optimizers' update steps, which agree where both exist once the
// defaults are set apart (TF 1.x's RMSProp starts its mean square at 1, Keras' at 0; TF 1.x's
// Adagrad has no epsilon). Epsilon sits where TensorFlow puts it, not where PyTorch does:
// inside the square root for RMSprop, Adagrad and Adadelta, outside it for the Adams.
//
// Keras' legacy optimizers differ where noted (`legacy`).
//
// Each slot is rounded as the variable's dtype rounds (a float32 variable keeps float32 slots).

export type RuleName =
  'sgd' | 'momentum' | 'kerasMomentum' | 'adam' | 'adamax' | 'nadam' | 'lion' | 'rmsprop' | 'adagrad' | 'adadelta' | 'ftrl';

export interface Hyper {
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
  /** RMSprop's and Adadelta's decay of the running averages (TF 1.x's `decay`). */
  rho: number;
  centered: boolean;
  /** Where Adagrad's sum of squares and TF 1.x's RMSProp mean square start. */
  initialAccumulator: number;
  /** Keras' legacy optimizers (TF 2.0-2.15's `tf.keras.optimizers.legacy`): epsilon outside
   *  the root for Adagrad and momentum-free RMSprop, and Nadam's slower momentum schedule. */
  legacy: boolean;
  /** FTRL's regularisation: l1 and l2 on the weights, l2 shrinkage on the gradient, and beta
   *  (added to l2 as beta / 2·lr); its rate falls as the accumulator to `learningRatePower`. */
  l1: number;
  l2: number;
  l2Shrinkage: number;
  ftrlBeta: number;
  learningRatePower: number;
}

export const NO_HYPER: Hyper = {
  momentum: 0,
  nesterov: false,
  beta1: 0,
  beta2: 0,
  epsilon: 0,
  amsgrad: false,
  rho: 0,
  centered: false,
  initialAccumulator: 0,
  legacy: false,
  l1: 0,
  l2: 0,
  l2Shrinkage: 0,
  ftrlBeta: 0,
  learningRatePower: -0.5,
};

/** One step: its learning rate, its number (the first step is 1), the rounding of the dtype. */
export interface StepContext {
  lr: number;
  t: number;
  h: Hyper;
  round: (y: number) => number;
}

interface UpdateRule {
  /** Each slot's starting value (one slot array per entry). */
  slots(h: Hyper): number[];
  /** Updates the values `x` in place from the gradient `g`. */
  apply(x: Float64Array, g: ArrayLike<number>, slots: Float64Array[], c: StepContext): void;
}

/** Nadam's momentum at step t, μ_t = β1 (1 - ½·0.96^t) (legacy: 0.96^(0.004·t)). */
function nadamMomentum(h: Hyper, t: number): number {
  return h.beta1 * (1 - 0.5 * 0.96 ** (h.legacy ? 0.004 * t : t));
}

/** μ_t and the product of μ_1..μ_t. */
function nadamSchedule(h: Hyper, t: number): { mu: number; product: number } {
  let product = 1;
  let mu = 0;
  for (let i = 1; i <= t; i++) product *= mu = nadamMomentum(h, i);
  return { mu, product };
}

export const UPDATE_RULES: Record<RuleName, UpdateRule> = {
  sgd: {
    slots: () => [],
    apply(x, g, _s, { lr, round }) {
      for (let i = 0; i < x.length; i++) x[i] = round(x[i] - lr * g[i]);
    },
  },
  // TF 1.x: accum = μ·accum + g; x -= lr·accum (Nesterov: lr·g + lr·μ·accum).
  momentum: {
    slots: () => [0],
    apply(x, g, [accum], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        accum[i] = round(h.momentum * accum[i] + g[i]);
        x[i] = round(x[i] - (h.nesterov ? lr * g[i] + lr * h.momentum * accum[i] : lr * accum[i]));
      }
    },
  },
  // Keras keeps the velocity itself, v = μ·v - lr·g, so a rate that changes between steps
  // (a schedule) scales only the new gradient, not the whole accumulated sum as TF 1.x's does.
  kerasMomentum: {
    slots: () => [0],
    apply(x, g, [v], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        v[i] = round(h.momentum * v[i] - lr * g[i]);
        x[i] = round(x[i] + (h.nesterov ? h.momentum * v[i] - lr * g[i] : v[i]));
      }
    },
  },
  // lr·√(1-β2^t)/(1-β1^t) · m / (√v + ε); AMSGrad divides by the largest v so far.
  adam: {
    slots: () => [0, 0, 0],
    apply(x, g, [m, v, vMax], { lr, t, h, round }) {
      const alpha = (lr * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
      for (let i = 0; i < x.length; i++) {
        m[i] = round(m[i] + (g[i] - m[i]) * (1 - h.beta1));
        v[i] = round(v[i] + (g[i] * g[i] - v[i]) * (1 - h.beta2));
        let denominator = v[i];
        if (h.amsgrad) denominator = vMax[i] = Math.max(vMax[i], v[i]);
        x[i] = round(x[i] - (alpha * m[i]) / (Math.sqrt(denominator) + h.epsilon));
      }
    },
  },
  // The infinity norm u = max(β2·u, |g|) in place of Adam's second moment.
  adamax: {
    slots: () => [0, 0],
    apply(x, g, [m, u], { lr, t, h, round }) {
      const correction = 1 - h.beta1 ** t;
      for (let i = 0; i < x.length; i++) {
        m[i] = round(m[i] + (g[i] - m[i]) * (1 - h.beta1));
        u[i] = round(Math.max(h.beta2 * u[i], Math.abs(g[i])));
        x[i] = round(x[i] - (lr * m[i]) / (correction * (u[i] + h.epsilon)));
      }
    },
  },
  // Adam with Nesterov momentum under Keras' momentum schedule: the corrected first moment
  // looks one step ahead (μ_{t+1}) and adds the current gradient's share.
  nadam: {
    slots: () => [0, 0],
    apply(x, g, [m, v], { lr, t, h, round }) {
      const now = nadamSchedule(h, t);
      const muNext = nadamMomentum(h, t + 1);
      const productNext = now.product * muNext;
      const secondCorrection = 1 - h.beta2 ** t;
      for (let i = 0; i < x.length; i++) {
        m[i] = round(m[i] + (g[i] - m[i]) * (1 - h.beta1));
        v[i] = round(v[i] + (g[i] * g[i] - v[i]) * (1 - h.beta2));
        const mHat = (muNext * m[i]) / (1 - productNext) + ((1 - now.mu) * g[i]) / (1 - now.product);
        x[i] = round(x[i] - (lr * mHat) / (Math.sqrt(v[i] / secondCorrection) + h.epsilon));
      }
    },
  },
  // Only the sign of the interpolated momentum steps (each weight moves by exactly lr); the
  // momentum itself decays with β2.
  lion: {
    slots: () => [0],
    apply(x, g, [m], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        x[i] = round(x[i] - lr * Math.sign(m[i] * h.beta1 + g[i] * (1 - h.beta1)));
        m[i] = round(m[i] * h.beta2 + g[i] * (1 - h.beta2));
      }
    },
  },
  // ms = ρ·ms + (1-ρ)·g²; step lr·g/√(ms + ε) (centered: √(ms - mg² + ε)), through a
  // momentum accumulator when momentum > 0.
  rmsprop: {
    slots: (h) => [h.initialAccumulator, 0, 0],
    apply(x, g, [ms, mom, mg], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        ms[i] = round(h.rho * ms[i] + (1 - h.rho) * g[i] * g[i]);
        let meanSquare = ms[i];
        if (h.centered) {
          mg[i] = round(h.rho * mg[i] + (1 - h.rho) * g[i]);
          meanSquare -= mg[i] * mg[i];
        }
        const outside = h.legacy && !(h.momentum > 0);
        const increment = (lr * g[i]) / (outside ? Math.sqrt(meanSquare) + h.epsilon : Math.sqrt(meanSquare + h.epsilon));
        if (h.momentum > 0) x[i] = round(x[i] - (mom[i] = round(h.momentum * mom[i] + increment)));
        else x[i] = round(x[i] - increment);
      }
    },
  },
  adagrad: {
    slots: (h) => [h.initialAccumulator],
    apply(x, g, [sum], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        sum[i] = round(sum[i] + g[i] * g[i]);
        x[i] = round(x[i] - (lr * g[i]) / (h.legacy ? Math.sqrt(sum[i]) + h.epsilon : Math.sqrt(sum[i] + h.epsilon)));
      }
    },
  },
  // The step is the gradient scaled by RMS(past steps)/RMS(gradients), then times lr.
  adadelta: {
    slots: () => [0, 0],
    apply(x, g, [squares, steps], { lr, h, round }) {
      for (let i = 0; i < x.length; i++) {
        squares[i] = round(h.rho * squares[i] + (1 - h.rho) * g[i] * g[i]);
        const delta = (Math.sqrt(steps[i] + h.epsilon) / Math.sqrt(squares[i] + h.epsilon)) * g[i];
        steps[i] = round(h.rho * steps[i] + (1 - h.rho) * delta * delta);
        x[i] = round(x[i] - lr * delta);
      }
    },
  },
  // FTRL-proximal: `linear` sums the (shrunk) gradients less what the weight already explains
  // (the growth of the per-coordinate 1/rate times the weight), and the weight is the closed-form
  // minimiser of linear·x + quadratic·x²/2 + l1·|x|: exactly 0 while |linear| <= l1. The
  // accumulator sums the raw gradient's squares.
  ftrl: {
    slots: (h) => [h.initialAccumulator, 0],
    apply(x, g, [accum, linear], { lr, h, round }) {
      const l2 = h.l2 + h.ftrlBeta / (2 * lr);
      const power = -h.learningRatePower;
      for (let i = 0; i < x.length; i++) {
        const shrunk = g[i] + 2 * h.l2Shrinkage * x[i];
        const next = accum[i] + g[i] * g[i];
        linear[i] = round(linear[i] + shrunk - ((next ** power - accum[i] ** power) / lr) * x[i]);
        accum[i] = round(next);
        const quadratic = next ** power / lr + 2 * l2;
        x[i] = round((Math.min(Math.max(linear[i], -h.l1), h.l1) - linear[i]) / quadratic);
      }
    },
  },
};
