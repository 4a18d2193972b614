// Real models written as users write them — TF 1.x and TF 2 conv nets (VALID and strided SAME
// convolutions and pooling), a transformer block, Keras layers, an LSTM and a GRU unrolled by hand,
// batch norm with three losses and weight decay, a Conv1D net loaded with set_weights, Keras losses
// and recurrent layers, and the op table in combinations (convolutions and pooling beyond the
// basics, gathers and scatters, scans, clips, norms, linear algebra, pads, a tile to a fed batch;
// 3-D convolution and pooling, segment products, the Poisson loss, explicit and transposed
// paddings, image resizing and preprocessing, log-space scans), Keras' transposed, depthwise and
// separable convolutions, its attention layers, its wrappers (Bidirectional, TimeDistributed,
// Lambda) and its resizing and activation layers, masked text models and an encoder-decoder passing
// its states (Keras' implicit masks, initial_state), and whole training scripts (every Keras
// optimizer's steps, by TensorFlow's update rules, with their schedules and the TF 1.x decays) —
// against PyTorch: the loss and every gradient the script asks for, computed in float64 from the
// same float32 inputs (scripts/fixtures/torch_models.py wrote test/fixtures/torch-models/*.json);
// an LSTM and a conv net written as .tgraph files likewise, through the CLI's `run --json` as a
// user's tools read it.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { items, py } from './support';

const DIR = path.join(__dirname, '..', 'fixtures', 'torch-models');
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

type Reference = { loss: number; grads: number[][] };
const reference = (model: string): Reference => JSON.parse(fs.readFileSync(path.join(DIR, `${model}.json`), 'utf8')) as Reference;

/** float32 arithmetic against float64: each element within atol + rtol·scale, where the scale
 *  is the largest magnitude of that gradient; atol is float32's rounding of O(1) terms that
 *  cancel (a bias before batch norm has a gradient of exactly 0 in float64, ~1e-8 in float32). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= 1e-5 * scale + 1e-7)) throw new Error(`${what}[${i}]: ${actual[i]} vs PyTorch's ${expected[i]} (largest ${scale})`);
  }
}

describe('real models against PyTorch (float64)', () => {
  for (const model of [
    'convnet_tf1',
    'transformer_tf2',
    'keras_layers_tf2',
    'lstm_tf1',
    'gru_tf2',
    'batchnorm_tf2',
    'convnet_same_tf2',
    'smoothing_tf1',
    'smoothing_tf2',
    'conv1d_weights_tf2',
    'keras_losses_tf2',
    'keras_rnn_tf2',
    'conv_ops_tf2',
    'conv_more_tf2',
    'gather_scatter_tf2',
    'scans_clips_tf2',
    'linalg_pads_tf2',
    'tile_fed_tf1',
    'optimizers_tf2',
    'schedules_tf2',
    'ddpg_tf1',
    'gan_vae_tf2',
    'tape_tricks_tf2',
    'optimizer_api_tf2',
    'decay_tf1',
    'legacy_optimizers_tf2',
    'keras_convolutions_tf2',
    'keras_attention_tf2',
    'keras_wrappers_tf2',
    'keras_resizing_tf2',
    'ops11_volumes_tf2',
    'ops11_segments_tf2',
    'ops11_padding_tf2',
    'ops11_resize_tf2',
    // keras12: Keras' implicit masks, recurrent initial states.
    'keras12_masking_tf2',
    'keras12_seq2seq_tf2',
    // ops12: tf.image preprocessing, cumulative_logsumexp.
    'ops12_images_tf2',
    'ops12_scans_tf2',
    // scripts12: the schedules, decays and optimizer options that had been refused.
    'scripts12_schedules_tf2',
    'scripts12_decay_ftrl_ema_tf2',
    'scripts12_decays_tf1',
    // keras13: Keras' functional API (shared layers, a skip connection, nested models).
    'keras13_siamese_tf2',
    'keras13_resnet_tf2',
    'keras13_nested_tf2',
    // layers13: Keras' 3-D layers, Conv1DTranspose, cells, normalizations.
    'layers13_volumes_tf2',
    'layers13_normalization_tf2',
    'layers13_cells_tf2',
    'layers13_merging_tf2',
    // models14: Bidirectional over every recurrent layer, concat attention, preprocessing layers.
    'models14_bidirectional_tf2',
    'models14_attention_preprocessing_tf2',
    'models14_attention_axes_tf2',
    'models14_conv3d_transpose_tf2',
    'models14_conv_lstm_tf2',
    // models15: ConvLSTM2D with a mask and an initial_state.
    'models15_conv_lstm_states_tf2',
  ]) {
    it(`${model}: the loss and every gradient`, () => {
      const expected = reference(model);
      const a = py(fs.readFileSync(path.join(DIR, `${model}.py`), 'utf8'));
      expect(a.diagnostics.map((d) => d.message)).toEqual([]);
      const [loss, ...grads] = items(a, 'out');
      expectClose(loss.data, [expected.loss], 'loss');
      expect(grads.length).toBe(expected.grads.length);
      grads.forEach((g, i) => expectClose(g.data, expected.grads[i], `gradient ${i}`));
    });
  }
});

describe('the same models as .tgraph files, through `tgraph run --json`', () => {
  beforeAll(() => {
    if (!fs.existsSync(CLI)) spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  });

  for (const model of ['lstm', 'convnet']) {
    it(`${model}.tgraph: the loss, every gradient and the gradient check`, () => {
      const expected = reference(model);
      const r = spawnSync(process.execPath, [CLI, 'run', '--json', path.join(DIR, `${model}.tgraph`)], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        values: { loss: { data: number[] }; grads: { data: number[] }[] };
        checks: { passed: boolean }[];
        diagnostics: { message: string }[];
      };
      expect(out.diagnostics.map((d) => d.message)).toEqual([]);
      expect(out.checks.map((c) => c.passed)).toEqual([true]);
      expectClose(out.values.loss.data, [expected.loss], 'loss');
      expect(out.values.grads.length).toBe(expected.grads.length);
      out.values.grads.forEach((g, i) => expectClose(g.data, expected.grads[i], `gradient ${i}`));
    });
  }
});
