// The fuzz inputs: input number i of a run with seed S is a pure function of (S, i) and the
// corpus, so any worker — or a later rerun — regenerates it exactly.

import * as fs from 'fs';
import * as path from 'path';
import { walk } from './files';
import { Rng, hashString, mixSeed } from './rng';
import { generateProgram, type GenerateOptions } from './generate';
import { mutate } from './mutate';
import { loadPythonCorpus, mutatePython, pythonRecipe } from './python';
import { constructRecipe } from './pythonConstructs';

export interface CorpusFile {
  /** Repository-relative path (or `test.ts#k` for a program embedded in a test). */
  name: string;
  text: string;
}

export type InputKind = 'generated' | 'mutated-file' | 'mutated-generated' | 'recipe';

export interface FuzzInput {
  index: number;
  kind: InputKind;
  /** The corpus file a mutation started from. */
  base?: string;
  text: string;
}

/** Programs written inside test files as template literals: several lines, an `=`, no `${`. */
function embeddedPrograms(source: string): string[] {
  const out: string[] = [];
  const re = /`((?:[^`\\$]|\\.|\$(?!\{))*)`/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const body = m[1];
    if (!body.includes('\n') || !/^\s*[A-Za-z_]\w*\s*=|^\s*(feed|check|assert|def)\b/m.test(body)) continue;
    if (body.length > 20_000) continue;
    // Not TypeScript that a stray backtick in a comment turned into a "literal".
    if (/;\s*$|=>|\bfunction\b|\bconst\b|\blet\b|\breturn\b/m.test(body)) continue;
    out.push(body.replace(/\\`/g, '`').replace(/\\\\/g, '\\'));
  }
  return out;
}

/**
 * Every example, every .tgraph fixture and saved regression, and the programs embedded in
 * the test files. Sorted, so the corpus (and so every input) depends only on the files.
 */
export function loadCorpus(root: string): CorpusFile[] {
  const files: string[] = [];
  // Saved hangs and slow inputs stay out: their mutants mostly hang too, and every hang costs
  // the driver a whole --hang-ms (they are still rerun by the regression test).
  const expensive = /[/\\]fuzz-regressions[/\\](hang|slow|memory|process-died)-[^/\\]*$/;
  // The hostile fixtures each spend a whole budget (time, nodes, memory) by design.
  const hostile = /[/\\]fixtures[/\\]hostile[/\\]/;
  const isProgram = (f: string) => f.endsWith('.tgraph') && !expensive.test(f) && !hostile.test(f);
  walk(path.join(root, 'examples'), files, isProgram);
  walk(path.join(root, 'test'), files, isProgram);
  const corpus: CorpusFile[] = files.map((f) => ({ name: path.relative(root, f).replace(/\\/g, '/'), text: fs.readFileSync(f, 'utf8') }));
  const tests: string[] = [];
  walk(path.join(root, 'test'), tests, (f) => f.endsWith('.test.ts') && !f.includes(`${path.sep}vscode${path.sep}`));
  for (const f of tests) {
    const rel = path.relative(root, f).replace(/\\/g, '/');
    embeddedPrograms(fs.readFileSync(f, 'utf8')).forEach((text, k) => corpus.push({ name: `${rel}#${k}`, text }));
  }
  return corpus.filter((c) => c.text.length <= 200_000);
}

export function corpusFingerprint(corpus: readonly CorpusFile[]): string {
  return hashString(corpus.map((c) => c.name + '\0' + c.text).join('\0'))
    .toString(16)
    .padStart(8, '0');
}

export const QUICK_GENERATOR: GenerateOptions = { maxStatements: 10, maxDim: 4 };

/** The language the fuzzer feeds: `.tgraph` files, or Python scripts (`--python`, passed to
 *  the worker processes through the environment, as `--tight-bounds` is). */
export type FuzzLanguage = 'tgraph' | 'python';

export function fuzzLanguage(): FuzzLanguage {
  return process.env.TGRAPH_FUZZ_LANGUAGE === 'python' ? 'python' : 'tgraph';
}

/** The corpus of the language. */
export function loadLanguageCorpus(root: string, language: FuzzLanguage = fuzzLanguage()): CorpusFile[] {
  return language === 'python' ? loadPythonCorpus(root) : loadCorpus(root);
}

/** Input `index` of the run with `seed`. */
export function makeInput(
  seed: number,
  index: number,
  corpus: readonly CorpusFile[],
  generator: GenerateOptions = QUICK_GENERATOR,
  language: FuzzLanguage = fuzzLanguage(),
): FuzzInput {
  const rng = new Rng(mixSeed(seed, index));
  if (language === 'python') return makePythonInput(rng, index, corpus);
  const kind = corpus.length
    ? rng.weighted<InputKind>([
        [50, 'generated'],
        [30, 'mutated-file'],
        [20, 'mutated-generated'],
      ])
    : 'generated';
  const donors = corpus.map((c) => c.text);
  if (kind === 'generated') return { index, kind, text: generateProgram(rng.fork(), generator) };
  if (kind === 'mutated-file') {
    const base = rng.pick(corpus);
    return { index, kind, base: base.name, text: mutate(rng.fork(), base.text, donors) };
  }
  const program = generateProgram(rng.fork(), generator);
  return { index, kind, text: mutate(rng.fork(), program, donors) };
}

/** A Python input: a corpus script mutated (most), a recipe (a hostile one, or one of the
 *  constructs the corpus seldom reaches well-formed), or a recipe mutated. */
function makePythonInput(rng: Rng, index: number, corpus: readonly CorpusFile[]): FuzzInput {
  const kind = corpus.length
    ? rng.weighted<InputKind>([
        [60, 'mutated-file'],
        [20, 'recipe'],
        [20, 'mutated-generated'],
      ])
    : 'recipe';
  const donors = corpus.map((c) => c.text);
  const recipe = (r: Rng) => (r.chance(0.5) ? pythonRecipe(r.fork()) : constructRecipe(r.fork()));
  if (kind === 'recipe') return { index, kind, text: recipe(rng.fork()) };
  if (kind === 'mutated-file') {
    const base = rng.pick(corpus);
    return { index, kind, base: base.name, text: mutatePython(rng.fork(), base.text, donors) };
  }
  return { index, kind, text: mutatePython(rng.fork(), recipe(rng.fork()), donors) };
}
