// The dependence declarations of the op table (engine/ops/dependence.ts): every primitive
// with a gradient declares how its outputs depend on its inputs, so the explainer never has
// to guess. An op added without one fails here, naming it.

import { describe, expect, it } from 'vitest';
import '../../engine/ops/index';
import { allOps } from '../../engine/ops/registry';

describe('every differentiable primitive declares its dependence', () => {
  const primitives = allOps().filter((op) => op.grad && (op.kernel || op.infer));

  it('covers the table', () => {
    expect(primitives.length).toBeGreaterThan(100);
  });

  it('no primitive with a gradient lacks a declaration', () => {
    const missing = primitives.filter((op) => !op.dependence).map((op) => op.name);
    expect(missing).toEqual([]);
  });
});
