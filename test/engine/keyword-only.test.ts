// TensorFlow's `_sentinel` functions refuse positional arguments: in TensorFlow 1.x (and
// tf.compat.v1) sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits and
// sparse_softmax_cross_entropy_with_logits begin with `_sentinel=None`, and
// `_ensure_xent_args` raises "Only call `NAME` with named arguments (labels=..., logits=...,
// ...)" when it is given. `softmax_cross_entropy_with_logits(out_layer, labels)` — a
// well-known snippet — would otherwise swap labels and logits and print a wrong loss.
// softmax_cross_entropy_with_logits_v2 has no sentinel since TensorFlow 1.14 (tf.compat.v1
// keeps that): labels, then logits, positionally.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';

const PRELUDE = `logits = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]
labels = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
ids = [0, 1]
`;

function diagnosticsOf(line: string) {
  const text = PRELUDE + line + '\n';
  const a = analyze(text);
  const lineStart = text.length - line.length - 1;
  return {
    a,
    errors: a.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => ({ code: d.code, message: d.message, at: d.span.start - lineStart, to: d.span.end - lineStart })),
  };
}

const message = (name: string) => `Only call \`${name}\` with named arguments (labels=..., logits=..., ...)`;

describe('positional arguments refused where TensorFlow refuses them', () => {
  for (const [name, args] of [
    ['softmax_cross_entropy_with_logits', 'logits, labels'],
    ['sparse_softmax_cross_entropy_with_logits', 'ids, logits'],
    ['sigmoid_cross_entropy_with_logits', 'labels, logits'],
  ] as const) {
    it(`${name}: TensorFlow's message, at the first positional argument`, () => {
      const line = `loss = ${name}(${args})`;
      const { errors, a } = diagnosticsOf(line);
      const first = line.indexOf('(') + 1;
      expect(errors).toEqual([{ code: 'positional-argument', message: message(name), at: first, to: first + args.split(',')[0].length }]);
      // The rest of the file still analyses: the binding is there, without a value.
      expect(a.lookup('logits')?.value.kind).toBe('tensor');
    });

    it(`${name}: one positional argument before keywords is refused too`, () => {
      const [first, second] = args.split(', ');
      const { errors } = diagnosticsOf(`loss = ${name}(${first}, logits=${second})`);
      expect(errors.map((e) => e.message)).toEqual([message(name)]);
    });

    it(`${name}: named arguments (the tf. prefix too) are accepted`, () => {
      const [l, g] = name === 'sparse_softmax_cross_entropy_with_logits' ? ['ids', 'logits'] : ['labels', 'logits'];
      const { errors, a } = diagnosticsOf(`loss = tf.nn.${name}(labels=${l}, logits=${g})`);
      expect(errors).toEqual([]);
      expect(a.lookup('loss')?.value.kind).toBe('tensor');
    });
  }

  it('softmax_cross_entropy_with_logits_v2 takes labels and logits positionally (no sentinel since TensorFlow 1.14)', () => {
    const { errors, a } = diagnosticsOf('loss = softmax_cross_entropy_with_logits_v2(labels, logits)');
    expect(errors).toEqual([]);
    const named = analyze(PRELUDE + 'loss = softmax_cross_entropy_with_logits(labels=labels, logits=logits)\n');
    const value = (x: typeof a) => {
      const v = x.lookup('loss')!.value;
      return v.kind === 'tensor' ? Array.from(x.valueOf(v.node)!.data) : null;
    };
    expect(value(a)).toEqual(value(named));
  });
});
