// The `tgraph` command: `run FILE`, `run --json FILE`, `test PATHS...`, `lsp --stdio`.
// Exit codes are 0 (fine) and 1 (errors or failures); nothing a user gives it prints a stack trace.

import * as fs from 'fs';
import * as path from 'path';
import { analyze, type Analysis } from '../engine/analysis';
import { formatDiagnostic, formatRun, runJson, stringifyJson } from './present';

const USAGE = `usage:
  tgraph run FILE            evaluate a .tgraph file and print every name, check and diagnostic
  tgraph run --json FILE     the same as one JSON object
  tgraph test PATHS...       run every check and assert in files or folders; "N passed, M failed"
  tgraph lsp --stdio         the language server over standard input/output
`;

function readSource(file: string): string {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new UserError(`${file} is not a file`);
  if (stat.size > 16 * 1024 * 1024) throw new UserError(`${file} is larger than 16 MiB`);
  return fs.readFileSync(file, 'utf8');
}

class UserError extends Error {}

/** load() may read below the current folder when the file is in it, else below the file's folder. */
function analyzeFile(file: string): Analysis {
  const dir = path.dirname(path.resolve(file));
  const cwd = process.cwd();
  const inCwd = dir === cwd || dir.startsWith(cwd + path.sep);
  return analyze(readSource(file), { load: { baseDir: dir, workspaceRoots: [inCwd ? cwd : dir], enabled: true } });
}

function run(args: string[]): number {
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1) throw new UserError('tgraph run takes one FILE');
  const file = files[0];
  const a = analyzeFile(file);
  if (json) process.stdout.write(stringifyJson(runJson(a)) + '\n');
  else process.stdout.write(formatRun(a, file));
  return a.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

function collect(p: string, out: string[]): void {
  const stat = fs.statSync(p);
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(p).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const full = path.join(p, entry);
      if (fs.statSync(full).isDirectory() || entry.endsWith('.tgraph')) collect(full, out);
    }
  } else out.push(p);
}

function test(args: string[]): number {
  if (args.length === 0) throw new UserError('tgraph test takes files or folders');
  const files: string[] = [];
  for (const p of args) {
    if (!fs.existsSync(p)) throw new UserError(`${p} does not exist`);
    collect(p, files);
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let a: Analysis;
    try {
      a = analyzeFile(file);
    } catch (e) {
      failed++;
      process.stdout.write(`${file}: ${(e as Error).message}\n`);
      continue;
    }
    const outcomes = [
      ...a.checks.map((c) => ({ span: c.stmt.span, passed: c.passed, expectFail: c.expectFail, message: c.message || c.summary, kind: 'check' })),
      ...a.asserts.map((s) => ({ span: s.stmt.span, passed: s.passed, expectFail: s.expectFail, message: s.message, kind: 'assert' })),
    ];
    for (const o of outcomes) {
      const where = formatDiagnostic(a, file, { span: o.span, severity: 'error', code: '', message: '' }).replace(/: error: $/, '');
      if (o.passed !== o.expectFail) passed++;
      else {
        failed++;
        process.stdout.write(`${where}: ${o.expectFail ? `${o.kind} marked expect-fail passed` : o.message}\n`);
      }
    }
    // Errors outside checks and asserts make the file itself a failure.
    const claimed = new Set(['check-failed', 'assert-failed', 'unexpected-pass']);
    for (const d of a.diagnostics) {
      if (d.severity !== 'error' || claimed.has(d.code)) continue;
      failed++;
      process.stdout.write(formatDiagnostic(a, file, d) + '\n');
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return run(rest);
      case 'test':
        return test(rest);
      case 'lsp': {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const server = require('../server/main') as { startStdio(): void };
        server.startStdio();
        return -1;
      }
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case '--version':
        process.stdout.write('tgraph 0.1.0\n');
        return 0;
      default:
        process.stderr.write(USAGE);
        return 1;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof UserError) process.stderr.write(`tgraph: ${e.message}\n`);
    else if (err && err.code === 'ENOENT') process.stderr.write(`tgraph: no such file: ${err.path ?? ''}\n`);
    else if (err && (err.code === 'EACCES' || err.code === 'EISDIR')) process.stderr.write(`tgraph: cannot read ${err.path ?? ''}: ${err.code}\n`);
    else process.stderr.write(`tgraph: internal error: ${(err && err.message) || String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
