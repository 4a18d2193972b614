// The `tgraph` command: `run FILE`, `run --json FILE`, `test PATHS...`, `hover FILE:LINE:COL`,
// `explain FILE NAME`, `lsp --stdio`.
// Exit codes are 0 (fine) and 1 (errors or failures); nothing a user gives it prints a stack
// trace. The analysis runs in the analysis worker, as the server's does: a kernel that will
// not stop or an analysis that outgrows its heap becomes a positioned diagnostic, never a
// hang. Output is streamed and bounded (`maxOutputBytes`); a closed stdout (`| head`) ends
// the command quietly.
//
// Budgets: the defaults, then a config file (`--config FILE`, else the first
// `tgraph.config.json` in the current folder or one above it: a JSON object of settings,
// `{"maxElements": 100000000}`, with or without the `tgraph.` prefix), then `--set KEY=VALUE`
// options, which win.

import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_BUDGETS } from '../engine/budgets';
import type { Diagnostic } from '../engine/analysis';
import type { AnalysisHost } from '../engine/api/worker/host';
import { LineIndex } from '../engine/syntax/lineIndex';
import { newHost, out } from './host';
import { explainCommand, hoverCommand } from './inspect';
import { UserError, checksPython, optionsFor, parseArgs, readSource } from './options';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';

enableRelaxedSimd();

const USAGE = `usage:
  tgraph run [OPTIONS] FILE          evaluate a .tgraph file (or a Python script, FILE.py) and print
                                     every name, check and diagnostic (and what the script printed)
  tgraph run --json [OPTIONS] FILE   the same as one JSON object
  tgraph run - [--python]            the same for standard input (a Python script with --python)
  tgraph test [OPTIONS] PATHS...     run every check and assert in files or folders; "N passed, M failed"
  tgraph hover [--json] FILE:LINE:COL
                                     what the editor's hover shows at a position (1-based)
  tgraph explain [--json] [--html OUT] [--svg OUT] FILE NAME
                                     the sum behind the gradient bound to NAME; --html and --svg
                                     write the "Explain sum" picture as a page or an SVG image
  tgraph lsp --stdio                 the language server over standard input/output

options:
  --set KEY=VALUE     a budget, e.g. --set maxElements=1e8 --set evaluationTimeoutMs=20000
                      (the names of the tgraph.* settings; "raise tgraph.X" in a message means --set X=...)
  --config FILE       budgets from a JSON file ({"maxElements": 1e8}); by default the first
                      tgraph.config.json in the current folder or above it
`;

// ---- output ----------------------------------------------------------------------------------

process.stdout.on?.('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
  throw e;
});

/** `FILE:LINE:COL: error: message` for a diagnostic the worker could not report itself. */
function stoppedLine(file: string, text: string, d: Diagnostic): string {
  const p = new LineIndex(text).positionAt(d.span.start);
  return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}: ${d.message}`;
}

function stoppedJson(text: string, d: Diagnostic): string {
  const lines = new LineIndex(text);
  const s = lines.positionAt(d.span.start);
  const e = lines.positionAt(d.span.end);
  const diagnostic = {
    line: s.line + 1,
    column: s.character + 1,
    endLine: e.line + 1,
    endColumn: e.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
  return JSON.stringify({ values: {}, checks: [], asserts: [], diagnostics: [diagnostic], explanations: {} }) + '\n';
}

type RunAnswer = { errors: boolean; complete: boolean } | { stopped: Diagnostic };

async function run(args: string[]): Promise<number> {
  const { positional, json, python, budgets } = parseArgs(args);
  if (positional.length !== 1) throw new UserError('tgraph run takes one FILE');
  const file = positional[0];
  const text = readSource(file);
  const host = newHost(budgets);
  try {
    const maxBytes = budgets.maxOutputBytes ?? DEFAULT_BUDGETS.maxOutputBytes;
    const answer = (await host.run(text, file, optionsFor(file, budgets, python), json, maxBytes, out)) as unknown as RunAnswer;
    if ('stopped' in answer) {
      out(json ? stoppedJson(text, answer.stopped) : stoppedLine(file, text, answer.stopped) + '\n');
      return 1;
    }
    return answer.errors ? 1 : 0;
  } finally {
    host.dispose();
  }
}

/** The .tgraph files (and Python test scripts) under `p`; what cannot be read is reported in `unreadable` and skipped
 *  (a broken link, a link loop, a folder without permission). */
function collect(p: string, files: string[], unreadable: string[], seen: Set<string>): void {
  let stat: fs.Stats;
  let real: string;
  try {
    stat = fs.statSync(p);
    real = fs.realpathSync(p);
  } catch (e) {
    unreadable.push(`${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return;
  }
  if (!stat.isDirectory()) {
    files.push(p);
    return;
  }
  if (seen.has(real)) return; // a link back to a folder already visited
  seen.add(real);
  let entries: string[];
  try {
    entries = fs.readdirSync(p).sort();
  } catch (e) {
    unreadable.push(`${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(p, entry);
    let isDir: boolean;
    try {
      isDir = fs.statSync(full).isDirectory();
    } catch (e) {
      if (entry.endsWith('.tgraph')) unreadable.push(`${full}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    if (isDir || entry.endsWith('.tgraph') || (entry.endsWith('.py') && checksPython(full))) collect(full, files, unreadable, seen);
  }
}

async function test(args: string[]): Promise<number> {
  const { positional, budgets } = parseArgs(args);
  if (positional.length === 0) throw new UserError('tgraph test takes files or folders');
  const files: string[] = [];
  const unreadable: string[] = [];
  const seen = new Set<string>();
  for (const p of positional) {
    if (!fs.existsSync(p) && !isLink(p)) throw new UserError(`${p} does not exist`);
    collect(p, files, unreadable, seen);
  }
  let passed = 0;
  // An unreadable test file is a failure: its checks did not run.
  let failed = unreadable.length;
  for (const line of unreadable) out(`${line}\n`);
  const host = newHost(budgets);
  try {
    for (const file of files) {
      let text: string;
      try {
        text = readSource(file);
      } catch (e) {
        failed++;
        out(`${file}: ${(e as Error).message}\n`);
        continue;
      }
      const outcome = (await host.test(text, file, optionsFor(file, budgets))) as
        Awaited<ReturnType<AnalysisHost['test']>> | { stopped: Diagnostic };
      if ('stopped' in outcome) {
        failed++;
        out(stoppedLine(file, text, outcome.stopped) + '\n');
        continue;
      }
      passed += outcome.passed;
      failed += outcome.failed;
      for (const line of outcome.lines) out(`${line}\n`);
    }
  } finally {
    host.dispose();
  }
  out(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function failure(e: unknown): number {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof UserError) process.stderr.write(`tgraph: ${e.message}\n`);
  else if (err && err.code === 'ENOENT') process.stderr.write(`tgraph: no such file: ${err.path ?? ''}\n`);
  else if (err && (err.code === 'EACCES' || err.code === 'EISDIR' || err.code === 'ELOOP'))
    process.stderr.write(`tgraph: cannot read ${err.path ?? ''}: ${err.code}\n`);
  else process.stderr.write(`tgraph: internal error: ${(err && err.message) || String(e)}\n`);
  return 1;
}

/** Runs a command; the exit code, or -1 for the language server (which keeps running). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest);
      case 'test':
        return await test(rest);
      case 'hover':
        return await hoverCommand(rest);
      case 'explain':
        return await explainCommand(rest);
      case 'lsp': {
        // Loaded only for `lsp`, so the other commands never load the server.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const server = require('../server/main') as { startStdio(): void };
        server.startStdio();
        return -1;
      }
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return 0;
      case '--version':
        out('tgraph 0.1.0\n');
        return 0;
      default:
        process.stderr.write(USAGE);
        return 1;
    }
  } catch (e) {
    return failure(e);
  }
}

/** The exit code once stdout has taken everything written (a pipe may still be draining). */
export function finish(code: number): void {
  if (code < 0) return;
  process.exitCode = code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(finish);
}
