// One measurement of the hostile benchmark (bench/hostile.ts), in a process of its own so
// that it starts cold, as an editor's first analysis of a file does:
//   node dist/bench-hostile-worker.js tgraph|typescript chain|errors LINES
// prints one JSON line: { ms, cpuMs, diagnostics }. `tgraph` is `analyze` (parse, build,
// evaluate); `typescript` is TypeScript's parser and checker on the twin program
// (`getSyntacticDiagnostics` and `getSemanticDiagnostics`, what tsserver computes for a file).
import * as fs from 'fs';
import { analyze } from '../engine/analysis';
import { type HostileInput, TYPESCRIPT_MINIMAL_LIB, hostileText, hostileTypeScript } from './hostileInputs';

/** CPU time of this thread in ms (Linux), NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

function typeScriptDiagnostics(text: string): number {
  // Loaded here: a devDependency, and only the peer needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const files: Record<string, string> = { 'peer.ts': text, 'lib.peer.d.ts': TYPESCRIPT_MINIMAL_LIB };
  const options = { noLib: true, noEmit: true, types: [] as string[] };
  const host = ts.createCompilerHost(options);
  host.getSourceFile = (name, language) => (name in files ? ts.createSourceFile(name, files[name], language, true) : undefined);
  host.fileExists = (name) => name in files;
  host.readFile = (name) => files[name];
  const program = ts.createProgram(['peer.ts', 'lib.peer.d.ts'], options, host);
  return program.getSyntacticDiagnostics().length + program.getSemanticDiagnostics().length;
}

function main(): void {
  const [side, input, lines] = process.argv.slice(2);
  if ((side !== 'tgraph' && side !== 'typescript') || (input !== 'chain' && input !== 'errors')) {
    throw new Error('usage: bench-hostile-worker.js tgraph|typescript chain|errors LINES');
  }
  const n = Number(lines) || 100_000;
  const text = side === 'tgraph' ? hostileText(input as HostileInput, n) : hostileTypeScript(input as HostileInput, n);
  const cpu0 = threadCpuMs();
  const t0 = performance.now();
  const diagnostics = side === 'tgraph' ? analyze(text).diagnostics.length : typeScriptDiagnostics(text);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, cpuMs: threadCpuMs() - cpu0, diagnostics }) + '\n');
}

main();
