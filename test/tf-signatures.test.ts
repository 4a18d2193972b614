// Every op's signature against TensorFlow's own (test/fixtures/tf-signatures, written by
// scripts/fixtures/tf_signatures.py from TensorFlow's API golden files): the same positional
// order, every TensorFlow keyword accepted, the same defaults. The table holds tf.math (v2) so
// far: the ops of other modules (tf.nn, tf.linalg, tf.random, the top level) are not checked
// yet.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { allOps, type OpDef, type Param } from '../engine/ops/registry';
import '../engine/ops';

interface Signature {
  args: string[];
  defaults: Record<string, unknown>;
}
const table = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/tf-signatures/signatures.json'), 'utf8')) as {
  v2: Record<string, Signature>;
  modules: { v2: string[] };
};

/** TensorFlow arguments an op accepts by keyword without acting on them, or does not take,
 *  with why (keyed `op.arg`). */
const ACCEPTED_DIFFERENCES: Record<string, string> = {
  'count_nonzero.keepdims': 'TensorFlow defaults it to None, which means False: the same',
  'top_k.input': 'TensorFlow 2 names it input; values stays an alias',
  'softmax.axis': "TensorFlow's default None means the last axis: tgraph writes it -1 (axis=None is accepted and means the same)",
  'log_softmax.axis': "as softmax's",
};

/** The TensorFlow path of a registry op in the table (its name or an alias under tf.math). */
function tfPath(op: OpDef): string | undefined {
  for (const name of [op.name, ...(op.aliases ?? [])]) if (`math.${name}` in table.v2) return `math.${name}`;
  return undefined;
}

const accepts = (p: Param, name: string) => p.name === name || (p.aliases ?? []).includes(name);

function sameDefault(ours: unknown, theirs: unknown): boolean {
  if (theirs !== null && typeof theirs === 'object' && 'dtype' in theirs) return ours === (theirs as { dtype: string }).dtype;
  return ours === theirs || (ours === undefined && theirs === undefined);
}

/** What differs between an op's params and TensorFlow's signature, as sentences. */
function differences(op: OpDef, sig: Signature): string[] {
  const problems: string[] = [];
  const args = sig.args.filter((a) => a !== 'name');
  const positional = op.params.filter((p) => !p.keywordOnly);
  args.forEach((arg, i) => {
    const key = `${op.name}.${arg}`;
    if (key in ACCEPTED_DIFFERENCES) return;
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
  if (positional.length > args.length) problems.push(`takes ${positional.length} positional arguments, TensorFlow ${args.length}`);
  return problems;
}

describe("TensorFlow's signatures", () => {
  const covered = allOps().filter((op) => !op.internal && tfPath(op));

  it('the table is TensorFlow\'s (sanity: a few signatures as TensorFlow documents them)', () => {
    expect(table.v2['math.reduce_sum'].args).toEqual(['input_tensor', 'axis', 'keepdims', 'name']);
    expect(table.v2['math.argmax'].defaults.output_type).toEqual({ dtype: 'int64' });
    expect(covered.length).toBeGreaterThan(60);
  });

  it('every op in tf.math takes its arguments in TensorFlow\'s order, by TensorFlow\'s keywords, with its defaults', () => {
    const wrong = covered.flatMap((op) => differences(op, table.v2[tfPath(op)!]).map((d) => `${op.name}: ${d}`));
    expect(wrong).toEqual([]);
  });

  it('accepts name= on every op, and ignores it; axis=None of softmax is the last axis, as TensorFlow', async () => {
    const { analyze } = await import('../engine/analysis');
    const a = analyze("y = reduce_sum([1., 2.], name='total')\nz = add(1., 2., name='z')\ns = softmax([[1., 2.]], axis=None)\nt = softmax([[1., 2.]])");
    expect(a.diagnostics).toEqual([]);
    const v = (n: string) => { const b = a.lookup(n)!.value; return b.kind === 'tensor' ? Array.from(a.valueOf(b.node)!.data) : []; };
    expect(v('s')).toEqual(v('t'));
  });

});
