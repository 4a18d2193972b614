// Activations that TensorFlow writes in Python from other ops (tf.math.log_sigmoid,
// tf.nn.silu/swish, tf.nn.gelu): built here from the same ops, so their values and gradients
// are TensorFlow's and the gradients come from the primitives' rules.

import { type Param, defineOps } from './registry';
import { composite, floatInput } from './compose';

const features: Param = { name: 'features', kind: 'tensor', dtypes: 'float', aliases: ['x'] };

defineOps([
  composite({
    name: 'log_sigmoid',
    doc: 'log(sigmoid(x)), computed stably as -softplus(-x) (tf.math.log_sigmoid).',
    params: [{ name: 'x', kind: 'tensor', dtypes: 'float' }],
    compose: (b, args) => b.neg(b.op('softplus', [b.neg(floatInput(args, 'x'))])),
  }),
  composite({
    name: 'crelu',
    doc: 'Concatenated ReLU: concat([relu(x), relu(-x)], axis), which doubles the size of that axis (tf.nn.crelu).',
    params: [features, { name: 'axis', kind: 'axis', default: -1 }],
    compose: (b, args) => {
      const x = floatInput(args, 'features');
      return b.op('concat', [b.op('relu', [x]), b.op('relu', [b.neg(x)])], { axis: args.int('axis') });
    },
  }),
  composite({
    name: 'silu',
    aliases: ['swish'],
    doc: 'x * sigmoid(beta * x), the SiLU / swish activation (tf.nn.silu).',
    params: [features, { name: 'beta', kind: 'float', default: 1 }],
    compose: (b, args) => {
      const x = floatInput(args, 'features');
      const beta = args.float('beta');
      return b.mul(x, b.op('sigmoid', [beta === 1 ? x : b.scale(x, beta)]));
    },
  }),
  composite({
    name: 'gelu',
    doc: 'Gaussian error linear unit: 0.5 x (1 + erf(x / sqrt 2)), or its tanh approximation (tf.nn.gelu).',
    params: [features, { name: 'approximate', kind: 'bool', default: false }],
    compose: (b, args) => {
      const x = floatInput(args, 'features');
      const dtype = x.type.dtype;
      const one = b.scalar(1, dtype);
      if (args.bool('approximate')) {
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), as TensorFlow writes it.
        const cube = b.op('pow', [x, b.scalar(3, dtype)]);
        const inner = b.scale(b.add(x, b.scale(cube, 0.044715)), 0.7978845608028654);
        return b.mul(b.scale(x, 0.5), b.add(one, b.op('tanh', [inner])));
      }
      return b.mul(b.scale(x, 0.5), b.add(one, b.op('erf', [b.div(x, b.scalar(1.4142135623730951, dtype))])));
    },
  }),
]);
