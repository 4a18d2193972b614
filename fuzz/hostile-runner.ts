// Runs one hostile input in a fresh process and reports, as one JSON line on stdout, what the
// analysis answered and what it cost. test/engine/hostile.test.ts bundles this file and spawns it
// per case, so that a case that hangs is killed by the clock instead of stalling the test
// run, and so that the peak resident memory of this process belongs to the case.
//
// stdin: {"text": "...", "options": {...}}.

import * as fs from 'fs';
import { analyze, type AnalysisOptions } from '../engine/analysis';
import { formatRun, runJson, stringifyJson } from '../engine/api/report';

export interface HostileReport {
  /** The analysis and the CLI presentation together, and each of them. */
  ms: number;
  analyzeMs: number;
  presentMs: number;
  /** Resident memory before the analysis and the peak of the whole process, in MiB. */
  baseRssMiB: number;
  peakRssMiB: number;
  thrown?: string;
  diagnostics: { code: string; severity: string; line: number; column: number; start: number; end: number; message: string }[];
  /** First values of each top-level tensor binding (null: no value). */
  values: Record<string, number[] | null>;
}

/** The peak resident memory of this program, in MiB. On Linux, VmHWM of this address space:
 *  getrusage's maxRSS survives exec, so it would report the peak of the process that forked
 *  this one (the test runner, hundreds of MiB) when that is higher. */
function peakRssMiB(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024; // KiB on macOS too
}

function main(): void {
  const input = JSON.parse(fs.readFileSync(0, 'utf8')) as { text: string; options?: AnalysisOptions };
  const baseRssMiB = process.memoryUsage.rss() / 1048576;
  const started = performance.now();
  const report: HostileReport = { ms: 0, analyzeMs: 0, presentMs: 0, baseRssMiB, peakRssMiB: 0, diagnostics: [], values: {} };
  try {
    const a = analyze(input.text, input.options ?? {});
    const analysed = performance.now();
    formatRun(a, 'hostile.tgraph');
    stringifyJson(runJson(a));
    report.ms = performance.now() - started;
    report.analyzeMs = analysed - started;
    report.presentMs = report.ms - report.analyzeMs;
    report.diagnostics = a.diagnostics.map((d) => {
      const p = a.lines.positionAt(d.span.start);
      return {
        code: d.code,
        severity: d.severity,
        line: p.line + 1,
        column: p.character + 1,
        start: d.span.start,
        end: d.span.end,
        message: d.message.slice(0, 300),
      };
    });
    for (const b of a.bindings.slice(0, 100)) {
      const t = b.value.kind === 'tensor' ? a.valueOf(b.value.node) : undefined;
      report.values[b.name.slice(0, 40)] = t ? Array.from(t.data.subarray(0, 10), Number) : null;
    }
  } catch (e) {
    report.ms = performance.now() - started;
    report.thrown = (e as Error)?.stack ?? String(e);
  }
  report.peakRssMiB = peakRssMiB();
  process.stdout.write(JSON.stringify(report) + '\n');
}

main();
