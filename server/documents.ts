import * as path from 'path';
import { fileURLToPath } from 'url';
// The open documents and, for each, the latest complete analysis.
//
// Concurrency choice: analysis runs in this process, on the protocol thread, debounced.
// - The engine's Analysis holds graph nodes and closures (valueOf, lookup, user functions),
//   so it cannot cross a worker_threads boundary; a worker would have to precompute a
//   serialisable view of everything any request might ask (hover text for every name,
//   values, explanations, lens state) and run the custom requests (checks, explanations)
//   itself. In-process, every handler reads the Analysis directly and nothing is recomputed.
// - Each run's evaluation is bounded by the engine's budgets (`tgraph.evaluationTimeoutMs`,
//   `tgraph.maxElements`). The price of this choice: requests that arrive while a run is in
//   progress wait for it (parsing and graph building are not under the time budget; on a
//   1,000-statement file a full run takes about 0.4 s; one that reuses all the statements
//   before an edit near the end, a few ms). A worker with a serialisable snapshot would
//   remove that wait, and could be terminated if the engine ever hung.
// - A newer edit cancels older work: edits restart the debounce timer, so a burst of
//   changes (typing, a paste, many didChange messages queued while an analysis ran) is
//   analysed once, for the newest text. A run in progress is synchronous and cannot be
//   interrupted, but no message is handled while it runs, so it is never for a text that
//   has already been replaced when it starts.
// - Requests never wait for a pending analysis: hovers, lenses, hints and tokens answer from
//   the latest complete analysis through a `View` that maps its offsets to the current text
//   (see positions.ts). Requests that produce edits or run checks use `freshView`, which
//   runs the pending analysis first so their edits match the text exactly.
// - A long document's first analysis is published in two steps: the diagnostics of the build
//   (syntax, names, shapes: four fifths of the analysis) as soon as it is built, then the
//   complete ones once it is evaluated, after the messages that arrived meanwhile. Anything
//   that reads the analysis first finishes it (`settle`). Later analyses publish once: the
//   previous diagnostics stay until the new ones are complete.
// - The debounce delay adapts: an edit after a pause is analysed 10 ms later (feedback as
//   fast as the analysis allows); an edit that follows another one closely (the user is
//   typing) on a document whose analysis is slow waits half an analysis (at most 200 ms)
//   for the typing to pause, so the protocol stays free while the user types. An analysis
//   under 20 ms (an edit near the end of a file, which reuses the statements before it)
//   runs 1 ms after every edit.
// Reusing unchanged work between versions is the engine's: each analysis is given the
// previous one's `valueCache` (values by node key) and the previous analysis itself, whose
// graph it keeps for the statements before the edit (an edit near the end of a
// 1,000-statement file rebuilds a few statements, not the whole graph).

import { TextDocuments, type Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, analyzeInStages, type Analysis, type AnalysisOptions, type BuiltAnalysis, type Diagnostic } from '../engine/analysis';
import { explainSite, isExplained } from '../engine/explain';
import { parse } from '../engine/syntax/parser';
import type { Program } from '../engine/syntax/ast';
import { LineIndex } from '../engine/syntax/lineIndex';
import { View } from './positions';

const MIN_DEBOUNCE_MS = 10;
/** Longest stretch of explanation work done ahead of hovers before yielding to messages. */
const EXPLAIN_SLICE_MS = 3;
/** Explanations are computed ahead only once edits have paused this long: while the user
 *  types, the thread is for analysing the edits. */
const EXPLAIN_AFTER_IDLE_MS = 100;
/** ... and once requests have paused this long: a burst of hovers is answered first (a
 *  hover on a gradient not explained yet explains it, well under a slice's cost). */
const EXPLAIN_AFTER_REQUEST_MS = 30;
const MAX_DEBOUNCE_MS = 200;
/** An analysis this fast (an edit near the end, reusing the rest) runs 1 ms after any edit:
 *  waiting for typing to pause would cost more than analysing each keystroke. */
const FAST_ANALYSIS_MS = 20;
/** A document's first analysis whose build takes this long publishes the build's diagnostics
 *  before evaluating (see `runNow`). */
const EARLY_DIAGNOSTICS_MS = 100;

/** The outcome of "Check gradients" run from a lens, kept for the lens title. */
export interface LensCheck {
  passed: boolean;
  title: string;
}

export interface DocumentState {
  readonly uri: string;
  /** The latest complete analysis (possibly of an older version of the text). */
  analysis?: Analysis;
  /** Version the latest analysis (or failed attempt) was made for. */
  analysedVersion?: number;
  /** Wall time of the latest analysis, in ms. */
  analysisMs: number;
  /** Set when the engine threw on the latest attempt (an engine bug, reported as a diagnostic). */
  failure?: string;
  timer?: ReturnType<typeof setTimeout>;
  /** When the previous change arrived (performance.now()), to tell typing from a pause. */
  lastChangeAt?: number;
  /** Lens check results by the text of the statement they were run for: an edit of that
   *  statement forgets its result, edits elsewhere keep it. */
  lensChecks: Map<string, LensCheck>;
  /** False once after a settings change: the next analysis starts without cached values. */
  reuseValues?: boolean;
  linesCache?: { version: number; lines: LineIndex };
  /** Cancels the explanations being computed ahead of hovers (see `explainAhead`). */
  stopExplaining?: () => void;
  parseCache?: { version: number; program: Program };
  /** A first analysis built and not yet evaluated (see `runNow`); `settle` finishes it. */
  pending?: { built: BuiltAnalysis; version: number; started: number };
}

export interface DocumentStoreOptions {
  /** Budgets and check defaults from the settings. */
  analysisOptions(): AnalysisOptions;
  /** The workspace folders (file system paths): load() may not read outside them. */
  workspaceRoots?(): string[];
  /** Narrows where load() may read (disabled in an untrusted workspace, see trust.ts). */
  restrictLoad?(load: AnalysisOptions['load']): AnalysisOptions['load'];
  /** Called after each analysis attempt (publish diagnostics, refresh lenses...). */
  onAnalysed(state: DocumentState, document: TextDocument): void;
  /** Called when a long document's first analysis is built, before it evaluates: its
   *  diagnostics so far, and the lines of the text they are for. */
  onBuilt?(state: DocumentState, document: TextDocument, built: { diagnostics: readonly Diagnostic[]; lines: LineIndex }): void;
  /** A document was closed: its diagnostics should go. */
  onClosed(uri: string): void;
  log(message: string): void;
}

export class DocumentStore {
  readonly documents = new TextDocuments(TextDocument);
  private readonly states = new Map<string, DocumentState>();
  /** When a request last read a document (performance.now()), to keep work ahead off its way. */
  private lastRequestAt = -Infinity;

  constructor(private readonly options: DocumentStoreOptions) {
    // Right after startup (before the first document usually arrives).
    setImmediate(() => this.warmUp());
    this.documents.onDidChangeContent(({ document }) => this.schedule(document.uri));
    this.documents.onDidClose(({ document }) => {
      const state = this.states.get(document.uri);
      if (state?.timer) clearTimeout(state.timer);
      state?.stopExplaining?.();
      this.states.delete(document.uri);
      this.options.onClosed(document.uri);
    });
  }

  /** Runs the engine's paths once on a small document: an analysis, re-analyses of an edit
   *  near its end, and explanations. The first edit and the first gradient hover of a real
   *  document otherwise run in the interpreter (several times slower, 100+ ms on a large
   *  file); this costs about 100 ms at startup, when nothing waits. */
  private warmUp(): void {
    try {
      const lines = ['x = placeholder(float32, [None, 3])', 'feed x = uniform([4, 3], seed=1)', 'w = variable(ones([3, 3]))'];
      for (let b = 0; b < 4; b++) {
        lines.push(
          `a${b} = tanh(x @ w) + 0.${b + 1}`,
          `c${b} = a${b} / (1. + reduce_sum(a${b}, axis=1, keepdims=True) ** 2)`,
          `d${b} = softmax(c${b}) - sigmoid(a${b})`,
          `g${b} = gradients(reduce_mean(d${b} * x), [x, w])`,
          `n${b} = concat([reduce_max(stack([d${b}, c${b}]), axis=0), x], axis=1)`,
        );
      }
      const text = lines.join('\n') + '\nloss = reduce_sum(x * 1.5)\n';
      let analysis = analyze(text);
      for (let i = 0; i < 8; i++) {
        analysis = analyze(text.replace('1.5', `${i + 2}.5`), { cache: analysis.valueCache, previous: analysis });
        for (const site of analysis.gradientSites) site.xs.forEach((_, x) => explainSite(analysis, site, x));
      }
    } catch (e) {
      this.options.log(`warming up the engine failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  listen(connection: Connection): void {
    this.documents.listen(connection);
  }

  document(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  state(uri: string): DocumentState | undefined {
    return this.states.get(uri);
  }

  /** Re-analyses every open document from scratch (the settings changed: values cached
   *  under the old budgets are not reused). */
  reanalyseAll(): void {
    for (const doc of this.documents.all()) {
      this.stateFor(doc.uri).reuseValues = false;
      this.schedule(doc.uri, 0);
    }
  }

  /** The options for analysing a document again: the settings, plus the previous analysis's
   *  values by node key (the engine re-evaluates only the nodes whose key changed). */
  optionsFor(state: DocumentState): AnalysisOptions {
    const load = loadContextFor(state.uri, this.options.workspaceRoots?.() ?? []);
    const base = { ...this.options.analysisOptions(), load: this.options.restrictLoad ? this.options.restrictLoad(load) : load };
    return state.reuseValues === false || !state.analysis ? base : { ...base, cache: state.analysis.valueCache };
  }

  /** Analyses after a delay; a newer call replaces an older pending one. */
  schedule(uri: string, delay?: number): void {
    const state = this.stateFor(uri);
    if (state.timer) clearTimeout(state.timer);
    const now = performance.now();
    const typing = state.lastChangeAt !== undefined && now - state.lastChangeAt < Math.max(state.analysisMs, 50);
    state.lastChangeAt = now;
    const wait =
      delay ??
      (!state.analysis ? 0 : state.analysisMs < FAST_ANALYSIS_MS ? 1 : typing ? Math.min(MAX_DEBOUNCE_MS, Math.max(MIN_DEBOUNCE_MS, state.analysisMs / 2)) : MIN_DEBOUNCE_MS);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.runNow(uri);
    }, wait);
  }

  /** The latest complete analysis as seen from the current text; analyses now only when
   *  the document has never been analysed. */
  view(uri: string): View | undefined {
    this.lastRequestAt = performance.now();
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    let state = this.states.get(uri);
    if (state) this.settle(state);
    if (!state?.analysis && state?.analysedVersion !== doc.version) {
      this.runNow(uri);
      state = this.states.get(uri);
    }
    if (!state?.analysis) return undefined;
    return new View(uri, state.analysis, doc.getText(), this.currentLines(state, doc));
  }

  /** An analysis of exactly the current text (runs a pending analysis now). */
  freshView(uri: string): View | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const state = this.states.get(uri);
    if (state) this.settle(state);
    if (!state || state.analysedVersion !== doc.version) this.runNow(uri);
    return this.view(uri);
  }

  /** The syntax tree of the current text (not the analysed one): completion and signature
   *  help run right after a keystroke, before its analysis, and need the call being typed. */
  parsed(uri: string): { text: string; program: Program; lines: LineIndex } | undefined {
    this.lastRequestAt = performance.now();
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const state = this.stateFor(uri);
    this.settle(state);
    const text = doc.getText();
    if (state.analysis && state.analysis.text === text) return { text, program: state.analysis.program, lines: state.analysis.lines };
    if (state.parseCache?.version !== doc.version) state.parseCache = { version: doc.version, program: parse(text) };
    return { text, program: state.parseCache.program, lines: this.currentLines(state, doc) };
  }

  private currentLines(state: DocumentState, doc: TextDocument): LineIndex {
    if (state.analysis && state.analysedVersion === doc.version) return state.analysis.lines;
    if (state.linesCache?.version !== doc.version) state.linesCache = { version: doc.version, lines: new LineIndex(doc.getText()) };
    return state.linesCache.lines;
  }

  private stateFor(uri: string): DocumentState {
    let state = this.states.get(uri);
    if (!state) {
      state = { uri, analysisMs: 0, lensChecks: new Map() };
      this.states.set(uri, state);
    }
    return state;
  }

  private runNow(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const state = this.stateFor(uri);
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.settle(state);
    const started = performance.now();
    let analysis: Analysis | undefined;
    let failure: string | undefined;
    try {
      const options = this.optionsFor(state);
      // `previous` lets the engine take over the graph of the statements before the edit.
      // Only here: the previous analysis is replaced right below and never read again (a
      // side analysis, like the one checkGradients makes with `optionsFor`, must not take
      // over the document's analysis).
      if (options.cache && state.analysis) options.previous = state.analysis;
      state.reuseValues = true;
      try {
        const built = analyzeInStages(doc.getText(), options);
        // A long document just opened shows the diagnostics of its build (syntax, names,
        // shapes) at once, and its evaluation's a moment later: the build is four fifths of
        // the analysis. Only the first analysis: after an edit, the previous diagnostics
        // stay until the new ones are complete rather than lose their evaluation's ones.
        if (!state.analysis && this.options.onBuilt && performance.now() - started >= EARLY_DIAGNOSTICS_MS) {
          state.pending = { built, version: doc.version, started };
          this.options.onBuilt(state, doc, { diagnostics: built.builtDiagnostics, lines: built.lines });
          setImmediate(() => this.settle(state));
          return;
        }
        analysis = built.finish();
      } catch (e) {
        if (!options.previous) throw e;
        // The previous analysis may have been half taken over: drop it, and try once more
        // from scratch (a bug in reusing would not then cost the document its analysis).
        state.analysis = undefined;
        this.options.log(`incremental analysis of ${uri} failed, analysing from scratch: ${(e as Error)?.stack ?? String(e)}`);
        analysis = analyze(doc.getText(), this.options.analysisOptions());
      }
    } catch (e) {
      failure = this.engineFailure(uri, e);
    }
    this.analysed(state, doc.version, started, analysis, failure);
  }

  /** Finishes a first analysis whose build diagnostics were published (see `runNow`): when
   *  its turn comes, or before anything reads the document's analysis. */
  private settle(state: DocumentState): void {
    const pending = state.pending;
    if (!pending) return;
    state.pending = undefined;
    if (this.states.get(state.uri) !== state) return; // closed meanwhile
    let analysis: Analysis | undefined;
    let failure: string | undefined;
    try {
      analysis = pending.built.finish();
    } catch (e) {
      failure = this.engineFailure(state.uri, e);
    }
    this.analysed(state, pending.version, pending.started, analysis, failure);
  }

  /** The engine turns bad input into diagnostics; an exception is an engine bug. The
   *  previous analysis is kept for requests and the failure reported as a diagnostic. */
  private engineFailure(uri: string, e: unknown): string {
    this.options.log(`analysis of ${uri} failed: ${(e as Error)?.stack ?? String(e)}`);
    return `internal error: the analysis failed (${(e as Error)?.message ?? String(e)})`;
  }

  private analysed(state: DocumentState, version: number, started: number, analysis: Analysis | undefined, failure: string | undefined): void {
    if (analysis) state.analysis = analysis;
    state.failure = failure;
    state.analysedVersion = version;
    state.analysisMs = performance.now() - started;
    const doc = this.documents.get(state.uri);
    if (!doc || this.states.get(state.uri) !== state) return;
    try {
      this.options.onAnalysed(state, doc);
    } catch (e) {
      this.options.log(`after analysing ${state.uri}: ${(e as Error)?.stack ?? String(e)}`);
    }
    this.explainAhead(state);
  }

  /** Computes the explanation of every gradient of the latest analysis in slices of a few
   *  ms between messages, so that a hover on a gradient is a lookup (the first explanation
   *  of a site can take tens of ms), once edits have paused (EXPLAIN_AFTER_IDLE_MS: the
   *  thread is the edits' while the user types) and requests (EXPLAIN_AFTER_REQUEST_MS).
   *  Stops when a newer analysis is pending or made; the
   *  engine keeps explanations of sites an incremental analysis kept, so after an edit near
   *  the end only the new sites are explained again. */
  private explainAhead(state: DocumentState): void {
    state.stopExplaining?.();
    state.stopExplaining = undefined;
    const analysis = state.analysis;
    if (!analysis) return;
    const todo: [number, number][] = [];
    analysis.gradientSites.forEach((site, i) => site.xs.forEach((_, x) => todo.push([i, x])));
    let next = 0;
    const later = (ms: number) => {
      if (ms > 0) {
        const t = setTimeout(slice, ms);
        state.stopExplaining = () => clearTimeout(t);
      } else {
        const t = setImmediate(slice);
        state.stopExplaining = () => clearImmediate(t);
      }
    };
    const slice = () => {
      state.stopExplaining = undefined;
      if (state.analysis !== analysis || state.timer || this.states.get(state.uri) !== state) return;
      const sinceChange = state.lastChangeAt === undefined ? Infinity : performance.now() - state.lastChangeAt;
      if (sinceChange < EXPLAIN_AFTER_IDLE_MS) return later(EXPLAIN_AFTER_IDLE_MS - sinceChange);
      const sinceRequest = performance.now() - this.lastRequestAt;
      if (sinceRequest < EXPLAIN_AFTER_REQUEST_MS) return later(EXPLAIN_AFTER_REQUEST_MS - sinceRequest);
      const started = performance.now();
      while (next < todo.length && performance.now() - started < EXPLAIN_SLICE_MS) {
        const [i, x] = todo[next++];
        const site = analysis.gradientSites[i];
        if (isExplained(analysis, site, x)) continue;
        try {
          explainSite(analysis, site, x);
        } catch (e) {
          this.options.log(`explaining a gradient of ${state.uri}: ${(e as Error)?.stack ?? String(e)}`);
        }
      }
      if (next < todo.length) later(0);
    };
    later(0);
  }
}

/** Where load('x.npy') may read for a document: its folder, inside the workspace folders
 *  (or its own folder when it is outside them); nothing for an unsaved document. */
export function loadContextFor(uri: string, roots: readonly string[]): AnalysisOptions['load'] {
  if (!uri.startsWith('file:')) return { baseDir: null, workspaceRoots: [], enabled: true };
  let dir: string;
  try {
    dir = path.dirname(fileURLToPath(uri));
  } catch {
    return { baseDir: null, workspaceRoots: [], enabled: true };
  }
  const inside = roots.filter((r) => dir === r || dir.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  return { baseDir: dir, workspaceRoots: inside.length ? inside : [dir], enabled: true };
}
