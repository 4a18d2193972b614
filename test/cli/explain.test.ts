// What the editor shows, from the command line: `tgraph hover FILE:LINE:COL` and `tgraph
// explain FILE NAME [--html OUT] [--svg OUT]`, run as a user runs them (node dist/cli.js),
// and the page and the SVG they write opened in headless Chromium, as the webview is.
//
// `UPDATE_SCREENSHOT=1 npx vitest run test/cli/explain.test.ts` rewrites the README's
// pictures, docs/explain-sum.png (seed, dz_dx) and docs/explain-ddpg.png (DDPG, actor_grad),
// from the pages this command writes.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuilt, ROOT } from '../server/helpers';
import { hasChromium, launchChromium, pictureFacts, pixelVariance, type Browser } from '../support/chromium';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-cli-explain-'));

function tgraph(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await ensureServerBuilt();
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tgraph hover', () => {
  it('prints the hover of dz_dx: the sum over stack, the doubled values, the definition', () => {
    const r = tgraph(['hover', 'examples/seed.tgraph:8:2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('**dz_dx** · gradient');
    expect(r.stdout).toContain('each x[i,j] reaches 2 of them (axis 0 of z, size 2, from stack at line 6)');
    expect(r.stdout).toContain('[[40. 24. 56.]');
    expect(r.stdout).toContain('dz_dx = gradients(z, x)[0]');
  });

  it("prints the DDPG gradient's advice, the check's outcome, and the LSP Hover with --json", () => {
    const ddpg = tgraph(['hover', 'examples/ddpg_actor.tgraph:11:1']);
    expect(ddpg.stdout).toContain('divide by the batch size 4 for the mean');
    const check = tgraph(['hover', 'examples/seed.tgraph:9:1']);
    expect(check.stdout).toContain('check passed ✓');
    const json = JSON.parse(tgraph(['hover', '--json', 'examples/seed.tgraph:3:1']).stdout);
    expect(json.contents.kind).toBe('markdown');
    expect(json.contents.value).toContain('**x** · placeholder');
    expect(json.range).toEqual({ start: { line: 2, character: 0 }, end: { line: 2, character: 1 } });
  });

  it('says what is wrong with a location, and when there is nothing to show', () => {
    expect(tgraph(['hover', 'examples/seed.tgraph'])).toMatchObject({ code: 1, stderr: expect.stringContaining('FILE:LINE:COL') });
    expect(tgraph(['hover', 'examples/seed.tgraph:99:1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('has 11 lines') });
    expect(tgraph(['hover', 'examples/seed.tgraph:6:40'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('nothing to show at'),
    });
    expect(tgraph(['hover', 'examples/missing.tgraph:1:1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('no such file') });
  });
});

describe('tgraph explain', () => {
  it('prints the explanation, and the result with its picture data with --json', () => {
    const r = tgraph(['explain', 'examples/seed.tgraph', 'dz_dx']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      '∂(Σz)/∂x: z has 24 elements; each x[i,j] reaches 2 of them (axis 0 of z, size 2, from stack at line 6), so each entry is a sum of 2 terms — 2 × ∂y/∂x.',
    );
    const json = JSON.parse(tgraph(['explain', '--json', 'examples/seed.tgraph', 'dz_dx']).stdout);
    expect(json.pictures[0].jacobian).toMatchObject({ rows: 24, cols: 12 });
  });

  it('refuses a name that is not bound or not a gradient', () => {
    expect(tgraph(['explain', 'examples/seed.tgraph', 'nope'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("binds no name 'nope'"),
    });
    expect(tgraph(['explain', 'examples/seed.tgraph', 'y'])).toMatchObject({ code: 1, stderr: expect.stringContaining('seed.tgraph:5:') });
    expect(tgraph(['explain', 'examples/seed.tgraph'])).toMatchObject({ code: 1, stderr: expect.stringContaining('FILE NAME') });
    expect(tgraph(['explain', 'examples/seed.tgraph', 'dz_dx', '--html'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--html takes a value'),
    });
  });
});

describe.skipIf(!hasChromium)('the page and the SVG in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Writes the picture with the CLI, opens it, and returns what the browser drew. */
  async function render(file: string, name: string, format: 'html' | 'svg', screenshotTo?: string) {
    const out = path.join(dir, `${name}.${format}`);
    const r = tgraph(['explain', file, name, `--${format}`, out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    try {
      await page.goto(`file://${out}`);
      const facts = await pictureFacts(page);
      // A full-page screenshot of an SVG document never completes: the viewport is the page.
      const shot = await page.screenshot({ fullPage: format === 'html' });
      if (screenshotTo && process.env.UPDATE_SCREENSHOT) fs.writeFileSync(screenshotTo, shot);
      return { facts, variance: await pixelVariance(browser, shot) };
    } finally {
      await page.close();
    }
  }

  for (const format of ['html', 'svg'] as const) {
    it(`seed dz_dx as ${format}: the 24 × 12 Jacobian, the stack band, 2 bars adding up to dz_dx[0,0] = 40`, async () => {
      const { facts, variance } = await render(
        'examples/seed.tgraph',
        'dz_dx',
        format,
        format === 'html' ? path.join(ROOT, 'docs', 'explain-sum.png') : undefined,
      );
      expect(facts.parseError).toBe('');
      expect(facts).toMatchObject({ heatmaps: 1, cells: 24 * 12, terms: 24, rows: 24, cols: 12, separators: 1, bandLabels: ['0', '1'] });
      expect(facts.axisTitles).toEqual(['z axis 0 (stack) / summed by Σ']);
      expect(facts.heatmapSize[0]).toBeGreaterThan(200);
      expect(facts.heatmapSize[1]).toBeGreaterThan(300);
      expect(facts.termFill).not.toBe('none');
      expect(facts.partials).toEqual([20, 20]);
      expect(facts.total).toBe(40);
      expect(facts.totalText).toBe('40 = dz_dx[0,0]');
      expect(variance).toBeGreaterThan(100);
    });
  }

  it('DDPG actor_grad as html: the batch axis of 4, the advice to divide, 4 weighted terms', async () => {
    const { facts, variance } = await render(
      'examples/ddpg_actor.tgraph',
      'actor_grad',
      'html',
      path.join(ROOT, 'docs', 'explain-ddpg.png'),
    );
    expect(facts).toMatchObject({
      heatmaps: 1,
      cells: 8 * 6,
      terms: 24,
      rows: 8,
      cols: 6,
      separators: 3,
      bandLabels: ['0', '1', '2', '3'],
    });
    expect(facts.axisTitles).toEqual(['actions axis 0 (batch of s) / summed by Σ']);
    expect(facts.advice).toContain('divide by 4');
    expect(facts.partials).toHaveLength(4);
    expect(facts.partials.reduce((s, v) => s + v, 0)).toBeCloseTo(facts.total, 5);
    expect(variance).toBeGreaterThan(100);
  });
});
