// Neovim's built-in LSP client (Debian's neovim, installed by test/editors/setup.mjs) runs
// the language server through the configuration the README gives users, opens the seed
// example, and reports what it received: the hover window on dz_dx, the code lenses and
// the diagnostics.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuilt, ROOT } from '../server/helpers';

const CONFIG = path.join(ROOT, 'test', 'editors', 'neovim', 'tgraph.lua');
const PROBE = path.join(ROOT, 'test', 'editors', 'neovim', 'probe.lua');

interface NeovimReport {
  error?: string;
  filetype: string;
  client: string;
  commands: string[];
  hover_line: number;
  hover: { contents: { kind: string; value: string } };
  hover_window: string[];
  lenses: { line: number; title: string; command: string }[];
  explain: { text: string; rows: number; cols: number; error?: unknown };
  diagnostics: { line: number; message: string }[];
}

function runNeovim(file: string): NeovimReport {
  const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  if (nvim.status !== 0) throw new Error('nvim is missing: run `node test/editors/setup.mjs` (npm test does)');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-nvim-'));
  try {
    // `tgraph` on PATH, as a user who installed the package has it.
    const bin = path.join(home, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(path.join(ROOT, 'bin', 'tgraph.js'), path.join(bin, 'tgraph'));
    const out = path.join(home, 'report.json');
    const env = {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      TGRAPH_PROBE_OUT: out,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_STATE_HOME: path.join(home, 'state'),
    };
    const run = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', CONFIG, file, '-c', `luafile ${PROBE}`], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    if (!fs.existsSync(out)) throw new Error(`Neovim wrote no report (exit ${run.status}, signal ${run.signal}): ${run.stderr}`);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as NeovimReport;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

let report: NeovimReport;
const seedLine = (prefix: string) =>
  fs
    .readFileSync(path.join(ROOT, 'examples', 'seed.tgraph'), 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(prefix));

beforeAll(async () => {
  await ensureServerBuilt();
  report = runNeovim('examples/seed.tgraph');
}, 180_000);

describe('Neovim with the README configuration', () => {
  it('detects the file type and attaches the tgraph server', () => {
    expect(report.error).toBeUndefined();
    expect(report.filetype).toBe('tgraph');
    expect(report.client).toBe('tgraph');
    expect(report.diagnostics).toEqual([]);
  });

  it('shows the hover on dz_dx: the sum over stack, the doubled values, the definition', () => {
    expect(report.hover_line).toBe(seedLine('dz_dx ='));
    expect(report.hover.contents.kind).toBe('markdown');
    const window = report.hover_window.join('\n');
    expect(window).toContain('**dz_dx** · gradient');
    expect(window).toContain('∂(Σz)/∂x');
    expect(window).toContain('each x[i,j] reaches 2 of them');
    expect(window).toContain('[[40. 24. 56.]');
    expect(window).toContain(' [24. 56. 48.]]');
    expect(window).toContain('dz_dx = gradients(z, x)[0]');
    // Neovim turned the fenced blocks into plain lines of the window.
    expect(report.hover_window).not.toContain('```python');
  });

  it('lists the gradient lenses on both gradient statements and the feed lenses on the placeholder', () => {
    const titles = (line: number) => report.lenses.filter((l) => l.line === line).map((l) => l.title);
    const gradientLenses = ['Compute gradients', 'Check gradients', 'Explain sum'];
    expect(titles(seedLine('dy_dx ='))).toEqual(gradientLenses);
    expect(titles(seedLine('dz_dx ='))).toEqual(gradientLenses);
    expect(titles(seedLine('x = placeholder'))).toEqual(['fed float32[4, 3]', 'Randomise feed']);
  });

  it('gets the "Explain sum" lens command\'s data: the explanation and the 24 × 12 Jacobian', () => {
    expect(report.commands).toEqual(expect.arrayContaining(['tgraph.computeGradients', 'tgraph.checkGradients', 'tgraph.explainSum']));
    expect(report.explain).toMatchObject({ rows: 24, cols: 12 });
    expect(report.explain.text).toContain('each x[i,j] reaches 2 of them');
  });

  it('is the configuration the README gives', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(fs.readFileSync(CONFIG, 'utf8').trimEnd());
  });
});
