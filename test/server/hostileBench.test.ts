// The hostile section of `npm run bench` (bench/hostile.ts), run small so that it never
// rots: the cold analysis, the server's first and complete answers and the TypeScript peer
// each measure what they say, on twins with the same problems. Timings are the benchmark's
// to print, never asserted here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { build } from 'esbuild';
import { measureHostile } from '../../bench/hostile';
import { hostileText, hostileTypeScript } from '../../bench/hostileInputs';
import { SERVER, ensureServerBuilt } from './helpers';

const root = path.resolve(__dirname, '..', '..');
let dir = '';
let worker = '';

beforeAll(async () => {
  // Under node_modules, so that the bundle finds TypeScript (external, as in bench/build.mjs).
  const cache = path.join(root, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  dir = fs.mkdtempSync(path.join(cache, 'tgraph-hostile-bench-'));
  worker = path.join(dir, 'bench-hostile-worker.js');
  await build({
    absWorkingDir: root,
    entryPoints: ['bench/hostile-worker.ts'],
    outfile: worker,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['typescript'],
  });
  await ensureServerBuilt();
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('hostile inputs benchmark (bench/hostile.ts)', () => {
  it('the tgraph inputs and their TypeScript twins have the same number of lines', () => {
    for (const input of ['chain', 'errors'] as const) {
      const tgraph = hostileText(input, 1000).trimEnd().split('\n');
      const twin = hostileTypeScript(input, 1000).trimEnd().split('\n');
      expect(twin.length, input).toBe(tgraph.length);
    }
    expect(hostileText('chain', 1000).trimEnd().split('\n').at(-1)).toBe('undefined_at_the_end + 1');
  });

  it('measures the analysis, the server and the peer, each with the problems of its input', async () => {
    const rows = await measureHostile({ worker, server: SERVER, lines: 2000, runs: 1 });
    expect(rows.map((r) => r.input)).toEqual(['chain', 'errors']);
    const [chain, errors] = rows;
    // The chain: one unknown name, for tgraph and for TypeScript alike (no spurious errors
    // from the minimal standard library the peer is checked with).
    expect(chain.diagnostics).toBe(1);
    expect(chain.peerDiagnostics).toBe(1);
    // The erroneous lines: capped at the default 1,000 and one more; TypeScript reports all.
    expect(errors.diagnostics).toBe(1001);
    expect(errors.peerDiagnostics).toBeGreaterThan(2000);
    for (const r of rows) {
      for (const s of [r.analysis, r.editorFirst, r.editorComplete, r.peer]) {
        expect(s.samples).toHaveLength(1);
        expect(s.median).toBeGreaterThan(0);
      }
      // The complete analysis is published at or after the first diagnostics.
      expect(r.editorComplete.median).toBeGreaterThanOrEqual(r.editorFirst.median);
      expect(r.ratio).toBeCloseTo(r.analysis.median / r.peer.median, 10);
    }
  }, 120_000);
});
