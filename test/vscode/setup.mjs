#!/usr/bin/env node
// Installs the headless VS Code harness (code-server 4.100.3 + playwright-core) into
// test/vscode/node_modules from this folder's own package.json and lock, when it is
// missing or out of date. Every step below fixes a failure seen on these machines; see
// ../../../shared/guides/headless-vscode.md (the "Facts you need" table).
//
//   node test/vscode/setup.mjs          install if missing (a no-op in ~0.1 s when installed)
//   node test/vscode/setup.mjs --force  reinstall
import { execFileSync, spawnSync } from 'node:child_process';
import { ensureDebianPackages } from '../support/debianPackages.mjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const harnessDir = path.dirname(fileURLToPath(import.meta.url));
const marker = path.join(harnessDir, 'node_modules', '.tgraph-harness-installed');
const entryJs = path.join(harnessDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const playwrightPkg = path.join(harnessDir, 'node_modules', 'playwright-core', 'package.json');

// Native modules of code-server (argon2, spdlog, node-pty, kerberos, ...) build from source;
// kerberos needs gssapi/gssapi.h (libkrb5-dev). ripgrep replaces @vscode/ripgrep's download,
// chromium is the browser that opens the VS Code window.
const debianPackages = ['build-essential', 'python3', 'pkg-config', 'libkrb5-dev', 'ripgrep', 'chromium'];

function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

/** The lock (or the manifest, before a lock exists) decides whether an install is current. */
function installKey() {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    const p = path.join(harnessDir, file);
    if (existsSync(p)) hash.update(readFileSync(p));
  }
  hash.update(process.versions.node.split('.')[0]); // native modules are built per Node major
  return hash.digest('hex');
}

function isInstalled() {
  return existsSync(entryJs) && existsSync(playwrightPkg) && existsSync(marker) && readFileSync(marker, 'utf8').trim() === installKey();
}

/** @vscode/ripgrep 1.15.11's install downloads ripgrep from GitHub unless it finds this
 *  cached download in os.tmpdir(); we put Debian's rg there instead. */
function seedRipgrepCache() {
  const cacheDir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const tarball = path.join(cacheDir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(tarball)) return;
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error('/usr/bin/rg is missing (Debian package ripgrep)');
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'rg-staging-'));
  try {
    copyFileSync(rg, path.join(staging, 'rg'));
    execFileSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`seeded ${tarball}`);
}

function npmInstall() {
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's install script refuses root otherwise
    npm_config_yes: 'true', // node-pty's install runs `npx node-gyp`
    npm_config_nodedir: '/usr', // node-gyp uses /usr/include/node instead of downloading headers
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', // no browser download is possible; we use /usr/bin/chromium
  };
  const hasLock = existsSync(path.join(harnessDir, 'package-lock.json'));
  const args = hasLock ? ['ci'] : ['install'];
  log(`npm ${args.join(' ')} in ${harnessDir} (about 80 s of native compiles)`);
  const r = spawnSync('npm', args, { cwd: harnessDir, env, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed with exit code ${r.status}`);
  if (!existsSync(entryJs)) throw new Error(`code-server did not install: ${entryJs} is missing`);
}

function main() {
  const force = process.argv.includes('--force');
  if (!force && isInstalled()) {
    log('code-server 4.100.3 and playwright-core are installed');
    return;
  }
  const started = Date.now();
  ensureDebianPackages(debianPackages, log);
  seedRipgrepCache();
  npmInstall();
  writeFileSync(marker, installKey() + '\n');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`[setup] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
