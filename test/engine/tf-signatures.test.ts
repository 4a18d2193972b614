// Every op's signature against TensorFlow's own (test/fixtures/tf-signatures, written by
// scripts/fixtures/tf_signatures.py from TensorFlow 2's API golden files): the same positional
// order, every TensorFlow keyword accepted, the same defaults, for every function of tf.math,
// tf.nn, tf.linalg, tf.random and the top level that names an op of the registry (the table's
// `sources` say which TensorFlow tree each module was read from).

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { type OpDef, type Param, lookupOp } from '../../engine/ops/registry';
import '../../engine/ops';
import { Builder } from '../../engine/builder';
import { Graph } from '../../engine/graph';

interface Signature {
  args: string[];
  defaults: Record<string, unknown>;
  varargs?: string;
}
const table = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures/tf-signatures/signatures.json'), 'utf8')) as {
  v1: Record<string, Signature>;
  v2: Record<string, Signature>;
  modules: { v1: string[]; v2: string[] };
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
  'silu.beta': 'later TensorFlow 2 releases add beta to silu; the table (swish) is from one before',
  'dropout.rate': "required in TensorFlow 2; optional here so that TensorFlow 1's keep_prob can be given instead",
  'sigmoid_cross_entropy_with_logits.labels':
    'TensorFlow defaults it to None only to refuse positional arguments (its _sentinel): it is required',
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
    if (arg in sig.defaults && p.default === undefined)
      problems.push(`\`${arg}\` is optional in TensorFlow (default ${JSON.stringify(sig.defaults[arg])}), required here`);
    else if (arg in sig.defaults && !sameDefault(p.default, sig.defaults[arg])) {
      problems.push(`\`${arg}\` defaults to ${JSON.stringify(p.default)} here, ${JSON.stringify(sig.defaults[arg])} in TensorFlow`);
    }
  });
  const extra = positional.slice(args.length).filter((p) => !(`${op.name}.${p.name}` in ACCEPTED_DIFFERENCES));
  if (extra.length > 0) problems.push(`takes ${positional.length} positional arguments, TensorFlow ${args.length}`);
  return problems;
}

/** TensorFlow 1's keywords an op does not take, with why (keyed `op.arg`). */
const ACCEPTED_V1: Record<string, string> = {
  'strided_slice.var': ACCEPTED_DIFFERENCES['strided_slice.var'],
};

/** Every (TensorFlow 1 path, registry op) pair of the table. */
const V1_PAIRS = Object.keys(table.v1).flatMap((p) => {
  const op = opOf(p);
  return op ? [{ path: p, op }] : [];
});

/** How a TensorFlow 1 call's positional arguments bind, against TensorFlow 1's own order. */
function v1Differences(op: OpDef, sig: Signature): string[] {
  const problems: string[] = [];
  const args = sig.args.filter((a) => a !== '_sentinel');
  for (const arg of args) {
    if (arg === 'name' || `${op.name}.${arg}` in ACCEPTED_V1) continue;
    if (!op.params.some((q) => accepts(q, arg))) problems.push(`TensorFlow 1's keyword \`${arg}\` is not accepted`);
  }
  // Positional arguments are refused anyway where TensorFlow has a _sentinel.
  if (op.sentinel) return problems;
  if (op.tf1Positional) {
    if (JSON.stringify(op.tf1Positional) !== JSON.stringify(args))
      problems.push(`tf1Positional is ${JSON.stringify(op.tf1Positional)}, TensorFlow 1's order ${JSON.stringify(args)}`);
    return problems;
  }
  const named = args.indexOf('name');
  const before = named < 0 ? args : args.slice(0, named);
  const positional = op.params.filter((q) => !q.keywordOnly);
  before.forEach((arg, i) => {
    if (`${op.name}.${arg}` in ACCEPTED_V1) return;
    const at = positional[i];
    if (at && !accepts(at, arg))
      problems.push(`TensorFlow 1's argument ${i + 1} is \`${arg}\`, ours is \`${at.name}\`: declare tf1Positional`);
  });
  const extra = positional.slice(before.length).filter((q) => !(`${op.name}.${q.name}` in ACCEPTED_V1));
  if (named >= 0 && extra.length > 0)
    problems.push(`TensorFlow 1's argument ${named + 1} is \`name\`, ours is \`${extra[0].name}\`: declare tf1Positional`);
  return problems;
}

describe("TensorFlow's signatures", () => {
  it("the table is TensorFlow 2's (sanity: a few signatures as TensorFlow documents them)", () => {
    expect(table.v2['math.reduce_sum'].args).toEqual(['input_tensor', 'axis', 'keepdims', 'name']);
    expect(table.v2['math.argmax'].defaults.output_type).toEqual({ dtype: 'int64' });
    // TensorFlow 2's, not TensorFlow 1's (nor a 2.0 preview's): rate, not keep_prob; axis after validate_indices.
    expect(table.v2['nn.dropout'].args).toEqual(['x', 'rate', 'noise_shape', 'seed', 'name']);
    expect(table.v2['gather'].args.slice(0, 4)).toEqual(['params', 'indices', 'validate_indices', 'axis']);
    expect(Object.keys(table.sources).sort()).toEqual([
      'v1/tensorflow',
      'v1/tensorflow.nn',
      'v2/tensorflow',
      'v2/tensorflow.linalg',
      'v2/tensorflow.math',
      'v2/tensorflow.nn',
      'v2/tensorflow.random',
    ]);
    for (const module of ['', 'math', 'nn', 'linalg', 'random'])
      expect(
        PAIRS.filter((p) => (module ? p.path.startsWith(`${module}.`) : !p.path.includes('.'))).length,
        module || 'top level',
      ).toBeGreaterThan(3);
    expect(PAIRS.length).toBeGreaterThan(230);
  });

  it("every op under every TensorFlow name takes its arguments in TensorFlow's order, by TensorFlow's keywords, with its defaults", () => {
    const wrong = PAIRS.flatMap(({ path: p, op }) => differences(op, table.v2[p], p).map((d) => `tf.${p} (${op.name}): ${d}`));
    expect(wrong).toEqual([]);
  });

  it("TensorFlow 1 scripts bind positional arguments by TensorFlow 1's order, and every TensorFlow 1 keyword is accepted", () => {
    expect(table.v1['nn.dropout'].args.slice(0, 2)).toEqual(['x', 'keep_prob']);
    expect(V1_PAIRS.length).toBeGreaterThan(150);
    const wrong = V1_PAIRS.flatMap(({ path: p, op }) => v1Differences(op, table.v1[p]).map((d) => `tf.compat.v1.${p} (${op.name}): ${d}`));
    expect(wrong).toEqual([]);
  });

  it('an op declares a TensorFlow 1 order only where TensorFlow 1 differs', () => {
    const declared = new Set(V1_PAIRS.filter(({ op }) => op.tf1Positional).map(({ op }) => op.name));
    const needless = [...declared].filter((name) => {
      const op = lookupOp(name)!;
      const plain = { ...op, tf1Positional: undefined };
      return V1_PAIRS.filter((q) => q.op === op).every(({ path: p }) => v1Differences(plain, table.v1[p]).length === 0);
    });
    expect(needless).toEqual([]);
  });

  it("Builder.bind follows TensorFlow 1's order when asked, and TensorFlow 2's otherwise", () => {
    const b = new Builder(new Graph(), { constantValue: () => undefined });
    const args = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: { kind: 'none' as const }, span: { start: 10 * i, end: 10 * i + 1 } }));
    const at = (op: string, n: number, name: string, tf1: boolean) =>
      b.bind(lookupOp(op)!, args(n), { start: 0, end: 100 }, { tf1 }).span(name).start / 10;
    expect(at('in_top_k', 3, 'predictions', true)).toBe(0);
    expect(at('in_top_k', 3, 'predictions', false)).toBe(1);
    expect(at('dropout', 2, 'keep_prob', true)).toBe(1);
    expect(at('dropout', 2, 'rate', false)).toBe(1);
    // TensorFlow 1's positional name is taken and changes nothing: output_type is the 5th.
    expect(at('argmax', 5, 'output_type', true)).toBe(4);
    expect(at('argmax', 3, 'output_type', false)).toBe(2);
    expect(at('conv2d', 6, 'data_format', true)).toBe(5);
    expect(() => b.bind(lookupOp('in_top_k')!, args(5), { start: 0, end: 100 }, { tf1: true })).toThrow(
      'at most 4 positional arguments in TensorFlow 1',
    );
    // Ops TensorFlow 1 orders as TensorFlow 2 bind the same either way.
    expect(at('reduce_sum', 3, 'keepdims', true)).toBe(2);
  });

  it('the accepted differences all still apply', () => {
    const used = new Set(PAIRS.flatMap(({ path: p, op }) => table.v2[p].args.flatMap((a) => [`${op.name}.${a}`, `${p}.${a}`])));
    for (const { op } of PAIRS) for (const q of op.params) used.add(`${op.name}.${q.name}`);
    expect(Object.keys(ACCEPTED_DIFFERENCES).filter((k) => !used.has(k))).toEqual([]);
  });

  it('accepts name= on every op, and ignores it; axis=None of softmax is the last axis, as TensorFlow', async () => {
    const { analyze } = await import('../../engine/analysis');
    const a = analyze(
      "y = reduce_sum([1., 2.], name='total')\nz = add(1., 2., name='z')\ns = softmax([[1., 2.]], axis=None)\nt = softmax([[1., 2.]])",
    );
    expect(a.diagnostics).toEqual([]);
    const v = (n: string) => {
      const b = a.lookup(n)!.value;
      return b.kind === 'tensor' ? Array.from(a.valueOf(b.node)!.data) : [];
    };
    expect(v('s')).toEqual(v('t'));
  });
});
