#!/usr/bin/env node
// Runs the extension's VS Code tests (test/vscode/suite/index.ts, @vscode/test-electron's
// `run()` contract) in a real VS Code:
//
// - by default in code-server 4.100.3 (VS Code 1.100.3 with a Node extension host) opened
//   in Debian's headless Chromium through playwright-core, offline, as
//   shared/guides/headless-vscode.md describes;
// - with @vscode/test-electron instead when VSCODE_EXECUTABLE names a VS Code binary, or
//   when TGRAPH_VSCODE_DOWNLOAD=1 (a machine that can download VS Code).
//
// With --web, the web extension instead (package.json's browser entry, suite/web.ts) in
// code-server's web worker extension host, as in VS Code for the Web. That host refuses a
// Worker to an extension installed on the remote ("Creating workers from remote extensions
// is currently not supported"), so the extension runs its server in the host's thread there
// (client/browser.ts); the server in a real Worker is tested by vitest's web-server project.
//
// Exit code: the tests' (0 pass, 1 fail), 2 for a harness failure (timeout, no window).
// Expects the extension built (`npm run build`); `npm run test:vscode` builds, installs
// the harness if missing (setup.mjs) and runs this.
//
// Environment: TGRAPH_VSCODE_TIMEOUT_MS (overall limit, default 240000), TGRAPH_VSCODE_VERBOSE=1
// (also print code-server's own log), TGRAPH_VSCODE_KEEP=1 (keep the temp folder).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const harnessDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(harnessDir, '..', '..');
// --web: the web extension in code-server's web worker extension host (suite/web.ts), as in
// VS Code for the Web; otherwise the desktop extension in the Node host (suite/index.ts).
const web = process.argv.includes('--web');
const suiteSource = path.join(harnessDir, 'suite', web ? 'web.ts' : 'index.ts');
const suiteOut = path.join(harnessDir, 'out', web ? 'web-suite.js' : 'suite.js');
const timeoutMs = Number(process.env.TGRAPH_VSCODE_TIMEOUT_MS) || 240_000;
const verbose = process.env.TGRAPH_VSCODE_VERBOSE === '1';
const started = Date.now();
/** The suite's closing counts, read from the window's console. */
let suiteSummary;

function log(message) {
  process.stdout.write(`[run ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

/** The tests module, bundled like the extension (CommonJS, `vscode` external). */
async function buildSuite() {
  const rootRequire = createRequire(path.join(repoRoot, 'package.json'));
  const { build } = rootRequire('esbuild');
  await build({
    entryPoints: [suiteSource],
    outfile: suiteOut,
    bundle: true,
    platform: web ? 'browser' : 'node',
    target: web ? 'es2022' : 'node20',
    format: 'cjs',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

/** A folder the tests open: a copy of examples/ (edits made by the tests never touch the
 *  repository's files), with the spec's seed example when examples/ has none yet. */
function makeWorkspace(tmp) {
  const workspace = path.join(tmp, 'workspace');
  const examples = path.join(workspace, 'examples');
  mkdirSync(examples, { recursive: true });
  const source = path.join(repoRoot, 'examples');
  if (existsSync(source)) cpSync(source, examples, { recursive: true });
  const seed = path.join(examples, 'seed.tgraph');
  if (!existsSync(seed)) {
    writeFileSync(
      seed,
      [
        '# The question, as a .tgraph file',
        'x_dims = 3',
        'x = placeholder(float32, [None, x_dims])',
        'feed x = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]',
        'y = 2 * x**2',
        "z = stack([y, y])          # twice as many z's as x's",
        'dy_dx = gradients(y, x)[0] # [[20, 12, 28], [8, 8, 20], [28, 20, 0], [12, 28, 24]]',
        'dz_dx = gradients(z, x)[0] # twice dy_dx: each x reaches two elements of z',
        'check gradients(z, x)',
        'assert allclose(dz_dx, 2 * dy_dx)',
        '',
      ].join('\n'),
    );
  }
  return workspace;
}

async function runWithTestElectron(workspace, resultFile) {
  const rootRequire = createRequire(path.join(repoRoot, 'package.json'));
  const { runTests } = rootRequire('@vscode/test-electron');
  log(`@vscode/test-electron with ${process.env.VSCODE_EXECUTABLE ?? 'a downloaded VS Code'}`);
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suiteOut,
      extensionTestsEnv: { TGRAPH_TEST_WORKSPACE: workspace, TGRAPH_SUITE_RESULT: resultFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (error) {
    log(`tests failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Settings that keep VS Code from reaching out or opening anything but the tests. */
const USER_SETTINGS = {
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'security.workspace.trust.enabled': false,
  'files.hotExit': 'off',
};

async function runWithCodeServer(workspace, tmp, cleanups, resultFile) {
  const entry = path.join(harnessDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const harnessRequire = createRequire(path.join(harnessDir, 'package.json'));
  if (!existsSync(entry)) {
    log('code-server is not installed: running setup.mjs');
    const setup = spawn(process.execPath, [path.join(harnessDir, 'setup.mjs')], { stdio: 'inherit' });
    const code = await new Promise((resolve) => setup.on('exit', resolve));
    if (code !== 0) throw new Error('setup.mjs failed');
  }
  const { chromium } = harnessRequire('playwright-core');

  const userDataDir = path.join(tmp, 'user-data');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  // The web worker host runs an extension whose kind is "web" (its browser entry).
  const settings = web ? { ...USER_SETTINGS, 'remote.extensionKind': { 'tgraph.tgraph': ['web'] } } : USER_SETTINGS;
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const extensionsDir = path.join(tmp, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const configFile = path.join(tmp, 'code-server.yaml');
  writeFileSync(configFile, '');
  const xdg = path.join(tmp, 'xdg');
  mkdirSync(path.join(xdg, 'config'), { recursive: true });
  mkdirSync(path.join(xdg, 'data'), { recursive: true });

  const port = await freePort();
  const args = [
    entry,
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ];
  const server = spawn(process.execPath, args, {
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{}',
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_DATA_HOME: path.join(xdg, 'data'),
      TGRAPH_TEST_WORKSPACE: workspace,
      TGRAPH_SUITE_RESULT: resultFile, // reaches the extension host, where the suite writes its counts
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cleanup ends its children too
  });
  cleanups.push(() => killGroup(server));

  let serverLog = '';
  const listening = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      const text = chunk.toString();
      serverLog += text;
      if (verbose) process.stdout.write(`[code-server] ${text}`);
      if (serverLog.includes('HTTP server listening')) resolve();
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`code-server exited with ${code} before listening:\n${serverLog}`)));
  });
  await listening;
  log(`code-server listening on 127.0.0.1:${port}`);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
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
  cleanups.push(() => browser.close().catch(() => undefined));
  const context = await browser.newContext();
  // Nothing leaves the machine: every request that is not to code-server is aborted.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    return route.abort();
  });
  const page = await context.newPage();

  let resolveExit;
  const exitCode = new Promise((resolve) => (resolveExit = resolve));
  // VS Code calls this when the tests module's run() settles (0 resolved, 1 rejected).
  await page.exposeFunction('codeAutomationExit', (code) => {
    log(`the window exits with ${code}`);
    resolveExit(Number(code));
  });
  page.on('console', (message) => {
    const text = message
      .text()
      .replace(/%c/g, '')
      .replace(/ color: [^ ;]+;?/g, '');
    const summary = /\[tgraph-suite\] (\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(text);
    if (summary) suiteSummary = { passed: Number(summary[1]), failed: Number(summary[2]), skipped: Number(summary[3] ?? 0) };
    // The workbench's own chatter (and the open-source build's two vsda 404s) only with
    // TGRAPH_VSCODE_VERBOSE=1; the suite's lines, the extension's and errors always.
    const ours = text.includes('tgraph');
    if (!verbose && !ours && (message.type() !== 'error' || /Failed to load resource|vsda/.test(text))) return;
    process.stdout.write(`[window:${message.type()}] ${text}\n`);
  });
  page.on('pageerror', (error) => process.stdout.write(`[window:pageerror] ${error.message}\n`));

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repoRoot)],
    ['extensionTestsPath', remote(suiteOut)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  // The workbench keeps loading after DOMContentLoaded; the tests' exit is what we wait for.
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  log('window opened; waiting for the tests');
  return exitCode;
}

function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000);
  timer.unref();
  return new Promise((resolve) => {
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.exitCode !== null || child.signalCode !== null) resolve();
  });
}

async function main() {
  const bundles = web ? ['dist/web/extension.js', 'dist/web/server.js'] : ['dist/extension.js', 'dist/server.js', 'dist/analysisWorker.js'];
  if (bundles.some((b) => !existsSync(path.join(repoRoot, b)))) {
    process.stderr.write(`${bundles.join(' or ')} is missing: run \`npm run build\` first (npm run test:vscode does)\n`);
    return 2;
  }
  await buildSuite();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tgraph-vscode-'));
  const cleanups = [];
  const workspace = makeWorkspace(tmp);
  const resultFile = path.join(tmp, 'suite-result.json');
  let code;
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => {
      log(`timed out after ${timeoutMs / 1000} s`);
      resolve(2);
    }, timeoutMs);
  });
  try {
    const useElectron = Boolean(process.env.VSCODE_EXECUTABLE) || process.env.TGRAPH_VSCODE_DOWNLOAD === '1';
    code = await Promise.race([
      useElectron ? runWithTestElectron(workspace, resultFile) : runWithCodeServer(workspace, tmp, cleanups, resultFile),
      timeout,
    ]);
  } catch (error) {
    log(`harness failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    code = 2;
  } finally {
    clearTimeout(timer);
    log('cleaning up');
    if (existsSync(resultFile)) {
      try {
        suiteSummary = JSON.parse(readFileSync(resultFile, 'utf8'));
      } catch {
        // keep what the console said
      }
    }
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning
      }
    }
    if (process.env.TGRAPH_VSCODE_KEEP === '1') log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  // The closing line CI reads (the suite's counts; a harness failure counts as one failure).
  const counts = { passed: 0, failed: 0, skipped: 0, ...suiteSummary };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  log(`exit ${code}`);
  process.stdout.write(
    `${web ? 'vscode-web' : 'vscode'}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`,
  );
  return code;
}

process.exitCode = await main();
