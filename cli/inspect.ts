// What the editor shows, without an editor: `tgraph hover FILE:LINE:COL` prints the hover at
// a position, `tgraph explain FILE NAME` the explanation of the gradient bound to NAME and,
// with `--html OUT` / `--svg OUT`, writes the "Explain sum" picture. Both analyse the file in
// the analysis worker as the server does, and answer from the same snapshot and requests:
// the hover is server/hover.ts's, the picture client/explainPicture.ts's.

import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Diagnostic } from '../engine/analysis';
import type { DocumentSnapshot } from '../engine/api/snapshot';
import type { ExplainResult } from '../engine/api/results';
import { LineIndex } from '../engine/syntax/lineIndex';
import { hover, unexplainedTarget } from '../server/hover';
import { View } from '../server/positions';
import { renderExplainHtml, renderExplainSvg } from '../client/explainPicture';
import { newHost, out } from './host';
import { UserError, optionsFor, parseArgs, readSource, type Parsed } from './options';
import type { AnalysisHost } from '../engine/api/worker/host';

interface Analysed {
  host: AnalysisHost;
  uri: string;
  text: string;
  snapshot: DocumentSnapshot;
}

/** Analyses `file` in a worker and hands its snapshot to `use`; the worker ends after. */
async function withAnalysis<R>(file: string, budgets: Parsed['budgets'], use: (a: Analysed) => Promise<R>): Promise<R> {
  const text = readSource(file);
  const uri = pathToFileURL(path.resolve(file)).href;
  let settle!: (outcome: { snapshot: DocumentSnapshot } | { stopped: Diagnostic }) => void;
  const analysed = new Promise<{ snapshot: DocumentSnapshot } | { stopped: Diagnostic }>((resolve) => (settle = resolve));
  const host = newHost(budgets, {
    snapshot: (_uri, _version, snapshot) => settle({ snapshot }),
    stopped: (_uri, _version, diagnostic) => settle({ stopped: diagnostic }),
  });
  try {
    host.analyse(uri, 1, text, optionsFor(file, budgets));
    const outcome = await analysed;
    if ('stopped' in outcome) {
      const p = new LineIndex(text).positionAt(outcome.stopped.span.start);
      throw new UserError(`${file}:${p.line + 1}:${p.character + 1}: ${outcome.stopped.message}`);
    }
    return await use({ host, uri, text, snapshot: outcome.snapshot });
  } finally {
    host.dispose();
  }
}

/** `FILE:LINE:COL`, 1-based, columns as the diagnostics print them (UTF-16 code units). */
function parseLocation(spec: string): { file: string; line: number; column: number } {
  const m = /^(.*):(\d+):(\d+)$/.exec(spec);
  if (!m || !m[1]) throw new UserError(`tgraph hover takes FILE:LINE:COL (1-based), got '${spec}'`);
  const line = Number(m[2]);
  const column = Number(m[3]);
  if (line < 1 || column < 1) throw new UserError(`${spec}: lines and columns start at 1`);
  return { file: m[1], line, column };
}

/** `tgraph hover [--json] FILE:LINE:COL`: the hover's markdown (or the LSP Hover as JSON). */
export async function hoverCommand(args: string[]): Promise<number> {
  const { positional, json, budgets } = parseArgs(args);
  if (positional.length !== 1) throw new UserError('tgraph hover takes one FILE:LINE:COL');
  const { file, line, column } = parseLocation(positional[0]);
  return withAnalysis(file, budgets, async ({ host, uri, text, snapshot }) => {
    const lines = new LineIndex(text);
    if (line > lines.lineCount) throw new UserError(`${file} has ${lines.lineCount} lines, not ${line}`);
    const view = new View(uri, snapshot, text, text, lines);
    const position = { line: line - 1, character: column - 1 };
    // A gradient's hover waits for its explanation: asked for, as the server does.
    const target = unexplainedTarget(view, position);
    if (target !== undefined) {
      const answer = await host.request<{ version: number; hover?: string }>(uri, 'explainTarget', target);
      if (answer?.hover !== undefined) snapshot.targets[target].hover = answer.hover;
    }
    const shown = hover(view, position, false);
    if (json) {
      out(JSON.stringify(shown) + '\n');
      return shown ? 0 : 1;
    }
    if (!shown) {
      process.stderr.write(`tgraph: nothing to show at ${file}:${line}:${column}\n`);
      return 1;
    }
    out(`${(shown.contents as { value: string }).value}\n`);
    return 0;
  });
}

/** `tgraph explain [--json] [--html OUT] [--svg OUT] FILE NAME`: the explanation of the
 *  gradient bound to NAME; the picture as a standalone page or SVG. */
export async function explainCommand(args: string[]): Promise<number> {
  const { positional, json, budgets, values } = parseArgs(args, ['html', 'svg']);
  if (positional.length !== 2) throw new UserError('tgraph explain takes FILE NAME (a name bound to a gradient)');
  const [file, name] = positional;
  return withAnalysis(file, budgets, async ({ host, uri, text, snapshot }) => {
    const binding = snapshot.targets.find((t) => t.kind === 'binding' && t.name === name && t.definition);
    if (!binding) throw new UserError(`${file} binds no name '${name}'`);
    const lines = new LineIndex(text);
    const line = lines.positionAt(binding.definition!.start).line;
    const result = await host.request<ExplainResult | null>(uri, 'explain', line);
    if (!result || result.explanations.length === 0) {
      throw new UserError(`${file}:${line + 1}: ${result?.message ?? `'${name}' is not a gradient`}`);
    }
    const where = `${path.basename(file)}:${line + 1}`;
    if (values.html) writeOutput(values.html, renderExplainHtml(result, where));
    if (values.svg) writeOutput(values.svg, renderExplainSvg(result, where));
    if (json) out(JSON.stringify(result) + '\n');
    else if (!values.html && !values.svg) {
      for (const e of result.explanations) out(`${e.text}\n`);
    }
    return 0;
  });
}

function writeOutput(file: string, content: string): void {
  try {
    fs.writeFileSync(file, content);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
