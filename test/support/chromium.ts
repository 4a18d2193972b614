// Headless Chromium (Debian's, driven by the playwright-core that test/vscode/setup.mjs
// installs) for the tests that look at what tgraph draws: the "Explain sum" page and SVG,
// and the web bundle's server in a real Worker.

import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';

export const CHROMIUM = '/usr/bin/chromium';
const PLAYWRIGHT = path.join(__dirname, '..', 'vscode', 'node_modules', 'playwright-core');
/** Chromium and playwright-core are both installed (npm test's setup installs them). */
export const hasChromium = fs.existsSync(CHROMIUM) && fs.existsSync(PLAYWRIGHT);

// The little of playwright's API the tests use (it is not a dependency of the project).
export interface Page {
  goto(url: string): Promise<unknown>;
  setContent(html: string): Promise<unknown>;
  screenshot(options?: { fullPage?: boolean; path?: string }): Promise<Buffer>;
  evaluate(expression: string): Promise<unknown>;
  locator(selector: string): { screenshot(): Promise<Buffer>; count(): Promise<number> };
  on(event: 'console', listener: (message: { text(): string }) => void): void;
  exposeFunction(name: string, fn: (...args: never[]) => unknown): Promise<void>;
  close(): Promise<void>;
}
export interface Browser {
  newPage(options?: { viewport?: { width: number; height: number }; deviceScaleFactor?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const require = createRequire(__filename);
  const { chromium } = require(PLAYWRIGHT);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** The "Explain sum" picture as the browser drew it: counts, texts and the bars' numbers. */
export interface PictureFacts {
  heatmaps: number;
  cells: number;
  terms: number;
  rows: number;
  cols: number;
  heatmapSize: number[];
  axisTitles: string[];
  separators: number;
  bandLabels: string[];
  partials: number[];
  barTexts: string[];
  total: number;
  totalText: string;
  advice: string;
  termFill: string;
  /** Set when the browser could not parse the document (an SVG that is not well-formed). */
  parseError: string;
}

export async function pictureFacts(page: Page): Promise<PictureFacts> {
  // Runs in the page (a string: this project's TypeScript has no DOM library).
  return (await page.evaluate(`(() => {
    const svg = document.querySelector('svg.heatmap');
    const box = svg?.getBoundingClientRect();
    return {
      heatmaps: document.querySelectorAll('svg.heatmap').length,
      cells: document.querySelectorAll('svg.heatmap rect.cell').length,
      terms: document.querySelectorAll('svg.heatmap rect.cell.on').length,
      rows: Number(svg?.getAttribute('data-rows')),
      cols: Number(svg?.getAttribute('data-cols')),
      heatmapSize: box ? [box.width, box.height] : [0, 0],
      axisTitles: [...document.querySelectorAll('svg.heatmap text.axis-title')].map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' / ')),
      separators: document.querySelectorAll('svg.heatmap line.group-sep').length,
      bandLabels: [...document.querySelectorAll('svg.heatmap text.band-label')].map((t) => t.textContent ?? ''),
      partials: [...document.querySelectorAll('svg.bars rect.bar:not(.total)')].map((r) => Number(r.getAttribute('data-partial'))),
      barTexts: [...document.querySelectorAll('svg.bars text.bar-value:not(.total)')].map((t) => t.textContent ?? ''),
      total: Number(document.querySelector('svg.bars rect.bar.total')?.getAttribute('data-total')),
      totalText: document.querySelector('svg.bars text.bar-value.total')?.textContent ?? '',
      advice: document.querySelector('.advice, text.svg-advice')?.textContent ?? '',
      // The cell fill the browser computed: the theme fallbacks resolved to colours.
      termFill: svg ? getComputedStyle(svg.querySelector('rect.cell.on')).fill : '',
      parseError: document.querySelector('parsererror')?.textContent ?? '',
    };
  })()`)) as PictureFacts;
}

/** The variance of the grey levels of a PNG, measured by the browser on a blank page. */
export async function pixelVariance(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return (await page.evaluate(`(async (data) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + data;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, img.width, img.height).data;
      let sum = 0;
      let sum2 = 0;
      const n = px.length / 4;
      for (let i = 0; i < px.length; i += 4) {
        const g = (px[i] + px[i + 1] + px[i + 2]) / 3;
        sum += g;
        sum2 += g * g;
      }
      return sum2 / n - (sum / n) ** 2;
    })(${JSON.stringify(png.toString('base64'))})`)) as number;
  } finally {
    await page.close();
  }
}
