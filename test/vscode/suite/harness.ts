// What both extension suites share (suite/index.ts in the Node extension host, suite/web.ts
// in the web worker extension host): a small test runner, and waiting for the language
// server. No Node modules: the web suite runs in a browser worker.
import * as vscode from 'vscode';

export const EXTENSION_ID = 'tgraph.tgraph';
const WAIT_MS = 30_000;

interface TestCase {
  name: string;
  fn: () => Promise<void>;
}
const tests: TestCase[] = [];
export function test(name: string, fn: () => Promise<void>): void {
  tests.push({ name, fn });
}

export function log(message: string): void {
  // Forwarded to the runner's output by the window's console.
  console.log(`[tgraph-suite] ${message}`);
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value that is not undefined (the language server
 *  answers from its latest complete analysis, which may lag an edit by a few ms). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await sleep(100);
  }
}

export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

export function hintLabel(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join('');
}

export function positionOf(document: vscode.TextDocument, needle: string, occurrence = 0): vscode.Position {
  let index = -1;
  for (let i = 0; i <= occurrence; i++) {
    index = document.getText().indexOf(needle, index + 1);
    if (index === -1) throw new Error(`${needle} not found in ${document.uri.toString()}`);
  }
  return document.positionAt(index);
}

export function lineOf(document: vscode.TextDocument, startsWith: string): number {
  for (let i = 0; i < document.lineCount; i++) if (document.lineAt(i).text.startsWith(startsWith)) return i;
  throw new Error(`no line starts with ${startsWith}`);
}

/** Runs the registered tests in order, one line each, then the closing counts; `stop()` says
 *  when a failure leaves nothing for the later tests to work on. Rejects when any failed. */
export async function runTests(options: {
  stop(): boolean;
  done?(counts: { passed: number; failed: number; skipped: number }): void | Promise<void>;
}): Promise<void> {
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  for (const t of tests) {
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      log(`✓ ${t.name} (${Date.now() - t0} ms)`);
    } catch (error) {
      failed++;
      log(
        `✗ ${t.name} (${Date.now() - t0} ms)\n    ${error instanceof Error ? (error.stack ?? error.message).replace(/\n/g, '\n    ') : String(error)}`,
      );
      if (options.stop()) break;
    }
  }
  const skipped = tests.length - passed - failed;
  // The runner prints the closing counts from this line (or from what done() writes).
  await options.done?.({ passed, failed, skipped });
  log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (failed > 0 || skipped > 0) throw new Error(`${failed} VS Code test(s) failed`);
}
