// The "Explain sum" picture: the payload the server sends (server/explainPayload.ts, through
// `explainStatement`, JSON round-tripped as the language server would) rendered by
// client/explainPicture.ts, checked as markup and then in headless Chromium: the heatmap
// has one cell per Jacobian entry, the summed axes are named, the bars add up to the
// gradient entry, and the screenshot is not blank.
// The README's pictures are screenshots of the CLI's page (test/cli/explain.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, type Analysis } from '../../engine/analysis';
import { explainStatement } from '../../engine/api/gradients';
import { MAX_BLOCK_COLS, explainPicture } from '../../engine/api/picture';
import { renderExplainHtml } from '../../client/explainPicture';
import { hasChromium, launchChromium, pictureFacts, pixelVariance, type Browser, type Page, type PictureFacts } from '../support/chromium';
import { withJumpingClock } from '../support/clock';

const root = path.join(__dirname, '..', '..');

function load(file: string): Analysis {
  const a = analyze(fs.readFileSync(path.join(root, 'examples', file), 'utf8'));
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));
  return a;
}

function lineOf(a: Analysis, prefix: string): number {
  const i = a.text.split('\n').findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no line starts with ${prefix}`);
  return i;
}

function valueOf(a: Analysis, name: string): Float32Array | Float64Array {
  const v = a.lookup(name)!.value;
  if (v.kind !== 'tensor') throw new Error(`${name} is not a tensor`);
  return a.valueOf(v.node)!.data as Float32Array;
}

/** What the client receives for "Explain sum" on the line binding `name`. */
function explainResult(a: Analysis, name: string) {
  return JSON.parse(JSON.stringify(explainStatement('file:///example.tgraph', a, lineOf(a, `${name} =`))));
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

const seed = load('seed.tgraph');
const ddpg = load('ddpg_actor.tgraph');
const seedResult = explainResult(seed, 'dz_dx');
const ddpgResult = explainResult(ddpg, 'actor_grad');

describe('the payload', () => {
  it('dz_dx: the whole 24 × 12 Jacobian, the busiest x element and its 2 terms', () => {
    expect(seedResult.pictures).toHaveLength(1);
    const p = seedResult.pictures[0];
    expect(p.jacobian).toMatchObject({ scope: 'full', rows: 24, cols: 12, xShape: [4, 3], ys: [{ name: 'z', shape: [2, 4, 3] }] });
    expect(p.jacobian.values).toHaveLength(288);
    // z = stack([y, y]) with y = 2x²: each x[i,j] reaches z[0,i,j] and z[1,i,j], both 4·x.
    const x = valueOf(seed, 'x');
    for (let r = 0; r < 24; r++) {
      for (let c = 0; c < 12; c++) {
        const term = r % 12 === c;
        expect(p.jacobian.pattern[r * 12 + c]).toBe(term ? 1 : 0);
        expect(p.jacobian.values[r * 12 + c]).toBeCloseTo(term ? 4 * x[c] : 0, 4);
      }
    }
    // Every element has fan-out 2: the first is chosen.
    expect(p.chosen).toEqual({ flat: 0, index: [0, 0] });
    expect(p.jacobian.chosenCol).toBe(0);
    expect(p.contributions.terms.map((t: { yIndex: number[] }) => t.yIndex)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(p.contributions.total).toBeCloseTo(valueOf(seed, 'dz_dx')[0], 4);
  });

  it('actor_grad: 8 × 6, four weighted terms per entry, one per example', () => {
    const p = ddpgResult.pictures[0];
    expect(p.jacobian).toMatchObject({ scope: 'full', rows: 8, cols: 6 });
    expect(p.contributions.count).toBe(4);
    expect(p.contributions.terms.map((t: { yIndex: number[] }) => t.yIndex[0])).toEqual([0, 1, 2, 3]);
    expect(p.contributions.total).toBeCloseTo(valueOf(ddpg, 'actor_grad')[0], 5);
    expect(p.explanation.advice).toBe('divide');
  });

  it('over the picture budget: the block of the chosen element, values from the gradient', () => {
    const a = analyze('x = variable(uniform([80, 60], seed=1))\ny = stack([x * x, 3 * x])\ng = gradients(y, x)[0]\n');
    const site = a.lookup('g')!.gradient!;
    const p = explainPicture(a, site, 0, 75);
    expect(p.jacobian).not.toBeNull();
    const j = p.jacobian!;
    expect(j.scope).toBe('block');
    expect([j.rows, j.cols]).toEqual([2, MAX_BLOCK_COLS]);
    expect(j.colFlat[j.chosenCol]).toBe(75);
    expect(p.jacobianNote).toMatch(/over the picture's 4096/);
    // Row 0 is y[0, 1, 15] = x² there (derivative 2x), row 1 is y[1, 1, 15] = 3x (derivative 3).
    const x = valueOf(a, 'x');
    expect(j.rowIndex).toEqual([
      { y: 0, index: [0, 1, 15] },
      { y: 0, index: [1, 1, 15] },
    ]);
    expect(j.values[j.chosenCol]).toBeCloseTo(2 * x[75], 5);
    expect(j.values[j.cols + j.chosenCol]).toBeCloseTo(3, 5);
    // Elementwise: only the chosen column is a term in these rows.
    expect(j.pattern.reduce((s, v) => s + v, 0)).toBe(2);
    expect(p.contributions!.total).toBeCloseTo(2 * x[75] + 3, 4);
  });

  it('a gradient path too long to explain in time: the picture says so', () => {
    // A 3,000-statement chain (a path of 6,000 nodes) explained on a clock that moves an hour
    // at each reading: the explanation's budget has run out at its first look at the clock,
    // however fast or busy the machine (a race of 1 ms against the walk would depend on it).
    const lines = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
    for (let i = 1; i < 3000; i++) lines.push(`a${i} = a${i - 1} * 1.00001 + 1.`);
    lines.push('g = gradients(a2999, a0)[0]');
    const a = analyze(lines.join('\n') + '\n');
    const site = a.lookup('g')!.gradient!;
    const p = withJumpingClock(() => explainPicture(a, site, 0, undefined, { timeMs: 1000 }));
    expect(p.explanation.method).toBe('none');
    expect(p.explanation.text).toMatch(/more than can be followed in time/);
    expect(p.jacobian).toBeNull();
    expect(p.jacobianNote).toBe('the explanation could not be computed (it says why), so neither can the picture');
    // Given the time, the same path is explained and drawn.
    expect(explainPicture(a, site, 0, undefined, { timeMs: 600_000 }).explanation.method).not.toBe('none');
  });

  it('a picture whose rows take longer than tgraph.pictureTimeoutMs: the explanation stays, the note says why', () => {
    // One x element reaching 4,096 ys elements: every row of the grid touches the same
    // column, so each is its own gradient evaluation (4,096 of them; 12 s once, on a path
    // of a hundred nodes). Given 1 ms the picture stops and keeps the explanation.
    const src = [
      'x = placeholder(float32, [1])',
      'feed x = [2.]',
      'a = x * cast(range(4096), float32)',
      'b = tanh(a * 0.001) * 3.',
      'g = gradients(b, x)[0]',
    ].join('\n');
    const a = analyze(src + '\n');
    const site = a.lookup('g')!.gradient!;
    const p = explainPicture(a, site, 0, undefined, { pictureTimeoutMs: 1 });
    expect(p.explanation.method).toBe('exact');
    expect(p.explanation.fanOut).toEqual([4096, 4096]);
    expect(p.jacobian?.scope ?? null).not.toBe('full');
    expect(p.jacobianNote).toContain('(raise tgraph.pictureTimeoutMs)');
    expect(p.jacobianNote).toMatch(/time \(1 ms\)/);
    // A y small enough to draw in time: the whole grid, its column the gradient.
    const small = analyze(src.replace('4096', '64') + '\n');
    const q = explainPicture(small, small.lookup('g')!.gradient!, 0);
    expect(q.jacobian?.scope).toBe('full');
    expect(q.jacobianNote).toBeUndefined();
    const column = q.jacobian!.values.reduce((s, v) => s + v, 0);
    const g = small.lookup('g')!.value;
    expect(g.kind).toBe('tensor');
    expect(column).toBeCloseTo(small.valueOf((g as Extract<typeof g, { kind: 'tensor' }>).node)!.data[0], 3);
  });

  it('a statement without a gradient sum gives a message and no pictures', () => {
    const r = explainStatement('file:///seed.tgraph', seed, 0);
    expect(r.pictures).toEqual([]);
    expect(r.message).toMatch(/no/);
  });
});

describe('the markup', () => {
  const html = renderExplainHtml(seedResult, 'seed.tgraph:8');

  it('is self-contained: a CSP, no scripts, no external resources', () => {
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;">`,
    );
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
    expect(html).toMatch(/var\(--vscode-editor-background, #ffffff\)/);
  });

  it('draws one cell per Jacobian entry and names the summed axis', () => {
    expect(count(html, /<rect class="cell /g)).toBe(288);
    expect(count(html, /<rect class="cell on /g)).toBe(24);
    expect(html).toContain('>z axis 0 (stack)</tspan>');
    expect(count(html, /class="group-sep"/g)).toBe(1);
  });

  it('survives anything the server might send', () => {
    for (const r of [
      null,
      undefined,
      'text',
      42,
      {},
      { pictures: [{}] },
      { pictures: [{ explanation: { text: '<b>', summedAxes: [] }, jacobian: null, contributions: null }] },
    ]) {
      const page = renderExplainHtml(r, '<where>');
      expect(page).toContain('&lt;where&gt;');
      expect(page).not.toContain('<b>');
    }
  });
});

// ---- in a browser ---------------------------------------------------------------------------

describe.skipIf(!hasChromium)('in headless Chromium', () => {
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-explain-'));

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(result: unknown, where: string, file: string): Promise<{ page: Page; facts: PictureFacts }> {
    const htmlPath = path.join(dir, `${file}.html`);
    fs.writeFileSync(htmlPath, renderExplainHtml(result, where));
    const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    await page.goto(`file://${htmlPath}`);
    return { page, facts: await pictureFacts(page) };
  }

  it('seed dz_dx: 24 × 12 cells, axis 0 of z (stack) marked, 2 bars adding up to dz_dx[0,0]', async () => {
    const { page, facts } = await open(seedResult, 'seed.tgraph:8', 'seed');
    try {
      expect(facts).toMatchObject({ heatmaps: 1, cells: 24 * 12, terms: 24, rows: 24, cols: 12, separators: 1, bandLabels: ['0', '1'] });
      expect(facts.axisTitles).toEqual(['z axis 0 (stack) / summed by Σ']);
      expect(facts.heatmapSize[0]).toBeGreaterThan(200);
      expect(facts.heatmapSize[1]).toBeGreaterThan(300);
      expect(facts.termFill).not.toBe('none');
      const entry = valueOf(seed, 'dz_dx')[0];
      expect(entry).toBe(40);
      expect(facts.partials).toEqual([20, 20]);
      expect(facts.barTexts).toEqual(['20', '20']);
      expect(facts.partials.reduce((s, v) => s + v, 0)).toBe(entry);
      expect(facts.total).toBe(entry);
      expect(facts.totalText).toBe('40 = dz_dx[0,0]');
      const heatmap = await page.locator('svg.heatmap').screenshot();
      expect(await pixelVariance(browser, heatmap)).toBeGreaterThan(100);
      const shot = await page.screenshot({ fullPage: true });
      expect(await pixelVariance(browser, shot)).toBeGreaterThan(0);
      fs.writeFileSync(path.join(dir, 'seed.png'), shot);
    } finally {
      await page.close();
    }
  });

  it('DDPG actor_grad: 8 × 6 cells, the batch axis of 4 marked, 4 bars adding up to actor_grad[0,0]', async () => {
    const { page, facts } = await open(ddpgResult, 'ddpg_actor.tgraph:10', 'ddpg');
    try {
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
      const entry = valueOf(ddpg, 'actor_grad')[0];
      expect(facts.partials).toHaveLength(4);
      expect(facts.partials.reduce((s, v) => s + v, 0)).toBeCloseTo(entry, 5);
      expect(facts.total).toBeCloseTo(entry, 5);
      // Each bar's label reads weight × derivative = term.
      for (const t of facts.barTexts) expect(t).toMatch(/^−?[\d.e+−-]+ × −?[\d.e+−-]+ = −?[\d.e+−-]+$/);
      const shot = await page.screenshot({ fullPage: true });
      expect(await pixelVariance(browser, shot)).toBeGreaterThan(0);
      fs.writeFileSync(path.join(dir, 'ddpg.png'), shot);
    } finally {
      await page.close();
    }
  });
});
