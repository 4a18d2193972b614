// Keras' functional API: `tf.keras.Input` is a symbolic tensor (None batch, no value; Keras'
// error where a value is needed), `tf.keras.Model(inputs, outputs)` replays the layer calls on
// the tensors it is called on — the same layers, so the same weights, `training=` reaching the
// layers not given one — with its layers and weights in Keras' order. (The numbers of whole
// functional models against PyTorch: models.test.ts' keras13_*.)

import { describe, expect, it } from 'vitest';
import { describeDiagnostic, expectAllClose, printed, py, val } from './support';

const data = (a: ReturnType<typeof py>, name: string) => Array.from(val(a, name).data as ArrayLike<number>);

describe('tf.keras.Input and tf.keras.Model', () => {
  it('records layers, TF ops and operators on inputs, and replays them on real tensors as the same calls do eagerly', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
left = tf.keras.Input(shape=(4,), name='left')
right = tf.keras.Input(shape=(4,))
shared = tf.keras.layers.Dense(3, activation='tanh')
a = shared(left)
b = shared(right)
merged = tf.concat([a, b, a * b], axis=-1)
out = tf.keras.layers.Dense(2)(merged) + a[:, :2]
model = tf.keras.Model(inputs=[left, right], outputs=out)
x = np.arange(8, dtype=np.float32).reshape(2, 4) / 8
y = np.cos(np.arange(8, dtype=np.float32)).reshape(2, 4)
replayed = model([x, y])
ea, eb = shared(x), shared(y)
direct = model.get_layer('dense_1')(tf.concat([ea, eb, ea * eb], axis=-1)) + ea[:, :2]
print(left)
print(out.shape, model.output_shape, len(model.trainable_variables))
print([v.name for v in model.weights])
print([type(l).__name__ for l in model.layers], model.layers[0].name, model.layers[1].name)
print([l.name for l in model.layers[2:]])
`);
    expect(val(a, 'replayed').shape).toEqual([2, 2]);
    expectAllClose(data(a, 'replayed'), data(a, 'direct'));
    expect(printed(a)).toBe(
      `KerasTensor(type_spec=TensorSpec(shape=(None, 4), dtype=tf.float32, name='left'), name='left', description="created by layer 'left'")\n` +
        '(None, 2) (None, 2) 4\n' +
        "['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0']\n" +
        // Keras lists the TF ops and operators applied to its tensors as layers (TFOpLambda).
        "['InputLayer', 'InputLayer', 'Dense', 'TFOpLambda', 'TFOpLambda', 'Dense', 'SlicingOpLambda', 'TFOpLambda'] left input_1\n" +
        "['dense', 'tf.math.multiply', 'tf.concat', 'dense_1', 'tf.__operators__.getitem', 'tf.__operators__.add']\n",
    );
  });

  it('passes training= to the layers not given one: Dropout drops in training, not at inference nor where the graph said training=False', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
inp = tf.keras.Input(shape=(200,))
dropped = tf.keras.layers.Dropout(0.5)(inp)
kept = tf.keras.layers.Dropout(0.5)(inp, training=False)
model = tf.keras.Model(inp, [dropped, kept])
x = np.ones((1, 200), np.float32)
inferred, _ = model(x)
trained, unchanged = model(x, training=True)
`);
    expect(data(a, 'inferred')).toEqual(new Array(200).fill(1));
    expect(data(a, 'unchanged')).toEqual(new Array(200).fill(1));
    const trained = data(a, 'trained');
    expect(new Set(trained)).toEqual(new Set([0, 2]));
  });

  it('nests a model and a Sequential as layers; weights, get_weights and set_weights in Keras order; get_layer by name', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
inp = tf.keras.Input(shape=(3,))
inner = tf.keras.Model(inp, tf.keras.layers.Dense(2, name='encode')(inp), name='inner')
x = tf.keras.Input(shape=(3,))
head = tf.keras.Sequential([tf.keras.layers.Dense(1)])
outputs = {'score': head(inner(x)), 'code': inner(x)}
outer = tf.keras.models.Model(inputs=x, outputs=outputs)
outer.set_weights([np.ones((3, 2)), np.full(2, 0.5), np.full((2, 1), 2.0), np.zeros(1)])
result = outer(np.array([[1.0, 2.0, 3.0]]))
score = result['score']
code = result['code']
shapes = [w.shape for w in outer.get_weights()]
print(shapes, [type(l).__name__ for l in outer.layers], outer.get_layer('inner') is inner)
print(inner.get_layer('encode').kernel.shape, outer.output_shape, len(outer.outputs))
`);
    expect(data(a, 'code')).toEqual([6.5, 6.5]);
    expect(data(a, 'score')).toEqual([26]);
    expect(printed(a)).toBe(
      // A dict of outputs is flattened by its sorted keys, as Keras' model.outputs.
      "[(3, 2), (2,), (2, 1), (1,)] ['InputLayer', 'Functional', 'Sequential'] True\n" + '(3, 2) [(None, 2), (None, 1)] 2\n',
    );
  });

  it('runs in a TF 1.x graph: called on a placeholder, and its own input fed by sess.run', () => {
    const a = py(`
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
inp = tf.keras.Input(shape=(3,))
out = tf.keras.layers.Dense(2, kernel_initializer='ones')(inp)
model = tf.keras.Model(inp, out)
x = tf.placeholder(tf.float32, [None, 3])
y = model(x)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    called = sess.run(y, {x: np.ones((2, 3))})
    fed = sess.run(out, {inp: np.full((1, 3), 2.0)})
`);
    expect(data(a, 'called')).toEqual([3, 3, 3, 3]);
    expect(data(a, 'fed')).toEqual([6, 6]);
  });

  it("says Keras' errors where they are: a symbolic value, a wrong input shape, a disconnected graph; compile is not modelled", () => {
    const src = `import numpy as np
import tensorflow as tf
inp = tf.keras.Input(shape=(3,))
out = tf.keras.layers.Dense(2)(inp)
v = out.numpy()
if out:
    pass
model = tf.keras.Model(inp, out)
model(np.ones((2, 4)))
other = tf.keras.Input(shape=(3,))
broken = tf.keras.Model(inp, out + tf.keras.layers.Dense(2)(other))
model.compile(optimizer='adam', loss='mse')
`;
    const a = py(src, { strict: false });
    const shown = a.diagnostics.map((d) => `${d.severity} ${describeDiagnostic(src, d)}`);
    expect(shown[0]).toMatch(/^error out\.numpy\(\): TypeError: this tensor is a Keras symbolic tensor \(shape \(None, 2\)/);
    expect(shown[1]).toMatch(/^error out: TypeError: this tensor is a Keras symbolic tensor/);
    expect(shown[2]).toBe(
      'error np.ones((2, 4)): ValueError: Input 0 of layer "model" is incompatible with the layer: expected shape=(None, 3), found shape=(2, 4)',
    );
    expect(shown[3]).toMatch(/^error inp: ValueError: Graph disconnected: cannot obtain value for tensor KerasTensor\(.*name='input_2'/);
    expect(shown[4]).toMatch(
      /^information model\.compile\(optimizer='adam', loss='mse'\): not evaluated: `Model\.compile` is not modelled/,
    );
    expect(shown).toHaveLength(5);
  });

  it('describes a name bound to a symbolic tensor: its shape with None, and no value', () => {
    const a = py(`
import tensorflow as tf
inp = tf.keras.Input(shape=(3,))
h = tf.keras.layers.Dense(2)(inp)
`);
    const h = a.lookup('h');
    expect(h?.describe).toBe('a Keras symbolic tensor (from `tf.keras.Input`): no value until a model is called on real inputs');
    expect(h?.value.kind === 'tensor' && h.value.node.type.shape).toEqual([null, 2]);
  });
});

describe('what a call looks through once an Input exists', () => {
  it('a list that holds itself, one nested far deeper than shown, one sharing its items 2^40 times: no stack overflow, no hang (Python fuzz, seed 20261304 input 2975)', () => {
    const a = py(
      `
import tensorflow as tf
inp = tf.keras.Input((2,))
z = tf.keras.layers.Dense(2)(inp)
deep = []
for i in range(5000):
    deep = [deep]
shared = [z]
for i in range(40):
    shared = [shared, shared]
loop = [z]
loop.append(loop)
copied = list([z, deep])
first = tf.keras.layers.Lambda(lambda t: t[0])(loop)
same = tf.keras.layers.Lambda(lambda t: t)(shared)
model = tf.keras.Model(inp, [first, tf.keras.layers.Dropout(0.5)(z)])
out = model(tf.ones((3, 2)))
print(out[0].shape, len(copied))
`,
      { strict: false },
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(printed(a)).toBe('(3, 2) 2\n');
    // Too deep to show item by item: said once, at the name, as a list too large is.
    expect(a.diagnostics.map((d) => d.message)).toContain(
      "`deep` is a list nested more than 100 deep: it is shown as Python's text, not item by item",
    );
  });
});

describe("a functional model's predict", () => {
  it("is the model called on the inputs, each output as NumPy, in the outputs' structure", () => {
    const a = py(`import numpy as np
import tensorflow as tf
inp = tf.keras.Input(shape=(3,))
hidden = tf.keras.layers.Dense(2, kernel_initializer='ones', bias_initializer='ones')(inp)
model = tf.keras.Model(inp, [hidden, tf.nn.relu(hidden - 7.0)])
x = np.array([[1., 2., 3.], [0., 1., -1.]], np.float32)
first, second = model.predict(x)
print(type(first).__name__, first.tolist(), second.tolist(), model.predict_on_batch(x)[0].shape)
`);
    // 1 + the row's sum: [7, 7] and [1, 1]; relu(· - 7): zeros.
    expect(printed(a)).toBe('ndarray [[7.0, 7.0], [1.0, 1.0]] [[0.0, 0.0], [0.0, 0.0]] (2, 2)\n');
  });
});
