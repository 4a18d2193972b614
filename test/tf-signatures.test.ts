// Every op's signature against TensorFlow's own (test/fixtures/tf-signatures, written by
// scripts/fixtures/tf_signatures.py from TensorFlow 2's API golden files): the same positional
// order, every TensorFlow keyword accepted, the same defaults, for every function of tf.math,
// tf.nn, tf.linalg, tf.random and the top level that names an op of the registry (the table's
// `sources` say which TensorFlow tree each module was read from).

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { type OpDef, type Param, lookupOp } from '../engine/ops/registry';
import '../engine/ops';

interface Signature {
  args: string[];
  defaults: Record<string, unknown>;
  varargs?: string;
}
const table = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/tf-signatures/signatures.json'), 'utf8')) as {
  v2: Record<string, Signature>;
  modules: { v2: string[] };
  sources: Record<string, string>;
};

/** TensorFlow arguments an op accepts by keyword without acting on them, or does not take,
 *  with why (keyed `op.arg`, or `tfpath.arg` for one TensorFlow name of the op). */
const ACCEPTED_DIFFERENCES: Record<string, string> = {
  'count_nonzero.keepdims': 'TensorFlow defaults it to None, which means False: the same',
  'norm.keepdims': 'TensorFlow defaults it to None, which means False: the same',
  'one_hot.axis': 'TensorFlow defaults it to None, which means -1: the same',
  'gradients.unconnected_gradients': "TensorFlow's default is the enum UnconnectedGradients.NONE, whose value is the string 'none'",
  'top_k.input': 'TensorFlow 2 names it input; values stays an alias',
  'softmax.axis': "TensorFlow's default None means the last axis: tgraph writes it -1 (axis=None is accepted and means the same)",
  'log_softmax.axis': "as softmax's",
  'nn.max_pool.data_format': "tf.nn.max_pool's None means 'NHWC', tf.nn.max_pool2d's default: one record serves both",
  'nn.avg_pool.data_format': "as max_pool's",
  'strided_slice.var': 'the variable a sliced assignment writes to: tgraph has no sliced assignment',
  'linspace.axis': 'later TensorFlow 2 releases add axis after name; the table is from one before',
  'silu.beta': 'later TensorFlow 2 releases add beta to silu; the table (swish) is from one before',
  'dropout.rate': "required in TensorFlow 2; optional here so that TensorFlow 1's keep_prob can be given instead",
  'sigmoid_cross_entropy_with_logits.labels': "TensorFlow defaults it to None only to refuse positional arguments (its _sentinel): it is required",
  'sigmoid_cross_entropy_with_logits.logits': 'as labels',
};

/** Where a TensorFlow name of a module means another op of the registry than its bare name,
 *  as the Python front end resolves them (tf.linalg.transpose is the matrix transpose,
 *  tf.random.normal the registry's random_normal). */
const REDIRECTS: Record<string, string> = {
  'linalg.transpose': 'matrix_transpose',
  'linalg.diag_part': 'matrix_diag_part',
  'random.normal': 'random_normal',
  'random.uniform': 'random_uniform',
};

/** Registry names that are .tgraph's own, not TensorFlow's. */
const TGRAPH_ONLY = new Set(['uniform', 'normal']);

/** The registry op a TensorFlow path of the table names, if any. */
function opOf(tfPath: string): OpDef | undefined {
  const name = REDIRECTS[tfPath] ?? tfPath.slice(tfPath.lastIndexOf('.') + 1);
  if (!(tfPath in REDIRECTS) && TGRAPH_ONLY.has(name)) return undefined;
  const op = lookupOp(name);
  return op && !op.internal ? op : undefined;
}

/** Every (TensorFlow path, registry op) pair of the table; einsum's variadic operands are
 *  its own matter (tested in test/linalg). */
const PAIRS = Object.keys(table.v2)
  .filter((p) => !table.v2[p].varargs)
  .flatMap((p) => {
    const op = opOf(p);
    return op ? [{ path: p, op }] : [];
  });

const accepts = (p: Param, name: string) => p.name === name || (p.aliases ?? []).includes(name);

function sameDefault(ours: unknown, theirs: unknown): boolean {
  if (theirs !== null && typeof theirs === 'object' && 'dtype' in theirs) return ours === (theirs as { dtype: string }).dtype;
  return ours === theirs || (ours === undefined && theirs === undefined);
}

/** What differs between an op's params and TensorFlow's signature, as sentences. */
function differences(op: OpDef, sig: Signature, tfPath: string): string[] {
  const problems: string[] = [];
  const args = sig.args.filter((a) => a !== 'name');
  const positional = op.params.filter((p) => !p.keywordOnly);
  args.forEach((arg, i) => {
    if (`${op.name}.${arg}` in ACCEPTED_DIFFERENCES || `${tfPath}.${arg}` in ACCEPTED_DIFFERENCES) return;
    const at = positional[i];
    if (at && !accepts(at, arg)) problems.push(`argument ${i + 1} is TensorFlow's \`${arg}\`, ours is \`${at.name}\``);
    const p = op.params.find((q) => accepts(q, arg));
    if (!p) {
      problems.push(`TensorFlow's keyword \`${arg}\` is not accepted`);
      return;
    }
    if (arg in sig.defaults && p.default === undefined) problems.push(`\`${arg}\` is optional in TensorFlow (default ${JSON.stringify(sig.defaults[arg])}), required here`);
    else if (arg in sig.defaults && !sameDefault(p.default, sig.defaults[arg])) {
      problems.push(`\`${arg}\` defaults to ${JSON.stringify(p.default)} here, ${JSON.stringify(sig.defaults[arg])} in TensorFlow`);
    }
  });
  const extra = positional.slice(args.length).filter((p) => !(`${op.name}.${p.name}` in ACCEPTED_DIFFERENCES));
  if (extra.length > 0) problems.push(`takes ${positional.length} positional arguments, TensorFlow ${args.length}`);
  return problems;
}

describe("TensorFlow's signatures", () => {
  it('the table is TensorFlow 2\'s (sanity: a few signatures as TensorFlow documents them)', () => {
    expect(table.v2['math.reduce_sum'].args).toEqual(['input_tensor', 'axis', 'keepdims', 'name']);
    expect(table.v2['math.argmax'].defaults.output_type).toEqual({ dtype: 'int64' });
    // TensorFlow 2's, not TensorFlow 1's (nor a 2.0 preview's): rate, not keep_prob; axis after validate_indices.
    expect(table.v2['nn.dropout'].args).toEqual(['x', 'rate', 'noise_shape', 'seed', 'name']);
    expect(table.v2['gather'].args.slice(0, 4)).toEqual(['params', 'indices', 'validate_indices', 'axis']);
    expect(Object.keys(table.sources).sort()).toEqual(['v2/tensorflow', 'v2/tensorflow.linalg', 'v2/tensorflow.math', 'v2/tensorflow.nn', 'v2/tensorflow.random']);
    for (const module of ['', 'math', 'nn', 'linalg', 'random']) expect(PAIRS.filter((p) => (module ? p.path.startsWith(`${module}.`) : !p.path.includes('.'))).length, module || 'top level').toBeGreaterThan(3);
    expect(PAIRS.length).toBeGreaterThan(230);
  });

  it('every op under every TensorFlow name takes its arguments in TensorFlow\'s order, by TensorFlow\'s keywords, with its defaults', () => {
    const wrong = PAIRS.flatMap(({ path: p, op }) => differences(op, table.v2[p], p).map((d) => `tf.${p} (${op.name}): ${d}`));
    expect(wrong).toEqual([]);
  });

  it('the accepted differences all still apply', () => {
    const used = new Set(PAIRS.flatMap(({ path: p, op }) => table.v2[p].args.flatMap((a) => [`${op.name}.${a}`, `${p}.${a}`])));
    for (const { op } of PAIRS) for (const q of op.params) used.add(`${op.name}.${q.name}`);
    expect(Object.keys(ACCEPTED_DIFFERENCES).filter((k) => !used.has(k))).toEqual([]);
  });

  it('accepts name= on every op, and ignores it; axis=None of softmax is the last axis, as TensorFlow', async () => {
    const { analyze } = await import('../engine/analysis');
    const a = analyze("y = reduce_sum([1., 2.], name='total')\nz = add(1., 2., name='z')\ns = softmax([[1., 2.]], axis=None)\nt = softmax([[1., 2.]])");
    expect(a.diagnostics).toEqual([]);
    const v = (n: string) => { const b = a.lookup(n)!.value; return b.kind === 'tensor' ? Array.from(a.valueOf(b.node)!.data) : []; };
    expect(v('s')).toEqual(v('t'));
  });

});
