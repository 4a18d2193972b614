// docs/ops.md is the registry's: every op a file may call is on it, as the registry defines
// it, and the committed page is what the build writes.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { opsReference } from '../../scripts/opsReference';
import { allOps } from '../../engine/ops/registry';

const page = path.join(__dirname, '..', '..', 'docs', 'ops.md');

describe('the op reference page', () => {
  it('is up to date with the registry (npm run build rewrites it)', () => {
    expect(fs.readFileSync(page, 'utf8'), 'docs/ops.md is stale: run npm run build').toBe(opsReference());
  });

  it('has one row per op a file may call, with its aliases, arguments and description', () => {
    const text = opsReference();
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    const ops = allOps().filter((op) => !op.internal);
    expect(rows.length).toBe(ops.length);
    expect(text).not.toContain('`sum_to_like`');
    const sum = rows.find((r) => r.startsWith('| `reduce_sum`'))!;
    expect(sum).toContain('`axis=None`');
    expect(sum).toContain('`keepdims=False`');
    expect(sum).toContain('own rule');
    expect(rows.find((r) => r.startsWith('| `negative`'))).toContain('`neg`');
    expect(rows.find((r) => r.startsWith('| `gradients`'))).toContain('takes derivatives');
    expect(rows.find((r) => r.startsWith('| `allclose`'))).toContain('| none |');
  });
});
