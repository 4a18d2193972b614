// The open documents and, for each, the latest published snapshot of its analysis.
//
// The analysis runs in a worker (engine/api/worker): this thread only routes messages. Each
// edit sends the new text to the worker (which cancels the work in progress on the older
// one); each finished analysis comes back as a plain `DocumentSnapshot` (hovers, lenses,
// hints, tokens, symbols, diagnostics), after the first as a delta the host applies, and its
// diagnostics are published with it. Hovers, lenses, hints, tokens and navigation answer
// from the latest snapshot at once, through a `View` that maps its offsets to the current
// text (see positions.ts); nothing here waits for an analysis, except what produces edits
// or runs on the graph (rename, the lens requests), which waits for the snapshot of the
// current text.
//
// The gradients' explanations are computed by the worker after it publishes a snapshot, and
// arrive one by one (`explained`): a hover on a gradient shows its explanation as soon as it
// is there, and says it is coming before.

import { TextDocuments, type Connection, type Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalysisOptions, Diagnostic } from '../engine/analysis';
import type { DocumentSnapshot } from '../engine/api/snapshot';
import { AnalysisHost, withHover, type HostOptions } from '../engine/api/worker/host';
import type { PlainOptions } from '../engine/api/worker/messages';
import { parse } from '../engine/syntax/parser';
import type { Program } from '../engine/syntax/ast';
import { LineIndex } from '../engine/syntax/lineIndex';
import { View } from './positions';
import type { LensCheck } from './lenses';
import type { CurrentText } from './completion';
import type { DocumentKind } from './documentKind';

/** An edit is sent at once when the worker is done with the previous text; edits that follow
 *  each other closely (typing) while a slow analysis of an earlier one still runs wait this
 *  long for a pause, at most. */
const TYPING_DEBOUNCE_MS = 50;
/** An analysis this fast is sent for every keystroke. */
const FAST_ANALYSIS_MS = 20;
/** How long a request that needs the current text's analysis waits for it, at most, beyond
 *  the analysis's own time budget: parsing a file of megabytes and describing a hundred
 *  thousand statements take seconds on a busy machine. */
const FRESH_WAIT_EXTRA_MS = 20_000;
/** Completion and signature help parse a document of at most this many characters whole;
 *  a longer one, from a statement start at most PARSE_WINDOW_LINES_BEFORE lines (and
 *  PARSE_WINDOW_CHARS characters) before the cursor to PARSE_WINDOW_LINES_AFTER lines after. */
const PARSE_WINDOW_CHARS = 64 * 1024;
const PARSE_WINDOW_LINES_BEFORE = 200;
const PARSE_WINDOW_LINES_AFTER = 20;

/** The first line of the parse window before `line`: a line that starts a statement (a name
 *  at column 0, the previous line not continued by `\`), as far back as the bounds allow. */
function windowStart(text: string, lines: LineIndex, line: number): number {
  const floor = lines.offsetAt({ line, character: 0 }) - PARSE_WINDOW_CHARS;
  let first = line;
  for (let k = line; k >= 0 && line - k <= PARSE_WINDOW_LINES_BEFORE && lines.lineStart(k) >= floor; k--) {
    const at = lines.lineStart(k);
    const continued = k > 0 && text.charCodeAt(lines.lineEnd(k - 1) - 1) === 92; // '\\'
    if (/[A-Za-z_]/.test(text[at] ?? '') && !continued) first = k;
  }
  return first;
}
/** An analysis's diagnostics wait for its snapshot (a delta, made and applied in a few ms
 *  after an edit), so that both are published together: a client that sees the diagnostics
 *  of a version and hovers sees its values, and no request waits for a snapshot. Past this
 *  (a snapshot that failed, or a huge file's first one) the diagnostics go alone. */
const DIAGNOSTICS_HOLD_MS = 2000;
/** A request that reads the snapshot (lenses, hints, navigation, not hovers) on a document
 *  whose analysis is done but whose snapshot is being made waits for it at most this long,
 *  and only when the previous snapshot took no longer to land; else it answers from the
 *  previous snapshot. */
const SNAPSHOT_SOON_MS = 4;
/** Closed documents whose snapshot is kept. */
const CLOSED_SNAPSHOTS = 8;

export interface DocumentState {
  readonly uri: string;
  /** The latest published snapshot (possibly of an older version of the text). */
  snapshot?: DocumentSnapshot;
  /** The text that snapshot was made from. */
  snapshotText?: string;
  /** The version whose analysis was last asked for. */
  sentVersion?: number;
  timer?: ReturnType<typeof setTimeout>;
  lastChangeAt?: number;
  /** Lens check results by the text of the statement they were run for: an edit of that
   *  statement forgets its result, edits elsewhere keep it. */
  lensChecks: Map<string, LensCheck>;
  /** False once after a settings change: the next analysis starts without cached values. */
  reuseValues?: boolean;
  linesCache?: { version: number; lines: LineIndex };
  parseCache?: { version: number; program: Program };
  viewCache?: { snapshot: DocumentSnapshot; version: number; view: View };
  /** How long the last snapshot took to land after its diagnostics, ms. */
  snapshotLagMs?: number;
  /** Waiting for the snapshot of a version. */
  waiters: { version: number; resolve: () => void; soon?: boolean }[];
  /** Diagnostics waiting (at most DIAGNOSTICS_HOLD_MS) for the snapshot of their version. */
  held?: {
    /** When they arrived (performance.now()). */
    at: number;
    version: number;
    diagnostics: Diagnostic[];
    status: DocumentSnapshot['status'];
    text: string;
    timer: ReturnType<typeof setTimeout>;
  };
  /** How the last text sent was analysed; null: the document is left alone (see documentKind.ts). */
  kind?: DocumentKind | null;
}

export interface DocumentStoreOptions {
  /** How a document's current text is analysed, or null to leave it alone. */
  kindOf(document: TextDocument): DocumentKind | null;
  /** Budgets and check defaults from the settings. */
  analysisOptions(): AnalysisOptions;
  /** Where load() may read for a document (its folder, inside the workspace folders). */
  loadContext?(uri: string): AnalysisOptions['load'];
  /** Where the engine cannot read files (a browser): reads the files a text's load() calls
   *  name and returns the load context with them; the analysis waits for it. */
  readLoads?(uri: string, text: string, load: AnalysisOptions['load']): Promise<AnalysisOptions['load']>;
  /** Narrows where load() may read (disabled in an untrusted workspace, see trust.ts). */
  restrictLoad?(load: AnalysisOptions['load']): AnalysisOptions['load'];
  /** The diagnostics of the current text's analysis (publish them and the status), as soon
   *  as it is done: its snapshot follows. `lines` index the text they are for. */
  onDiagnostics(
    uri: string,
    document: TextDocument,
    diagnostics: readonly Diagnostic[],
    status: DocumentSnapshot['status'],
    lines: LineIndex,
  ): void;
  /** A new snapshot of the current text (refresh lenses, hints, tokens...). */
  onAnalysed(state: DocumentState, document: TextDocument): void;
  /** A long document's first build: its diagnostics before its evaluation. */
  onBuilt?(state: DocumentState, document: TextDocument, diagnostics: readonly Diagnostic[], lines: LineIndex): void;
  /** A document was closed: its diagnostics should go. */
  onClosed(uri: string): void;
  /** How the analysis worker is made (a worker thread; a same-thread loop in tests). */
  connect: HostOptions['connect'];
  /** See HostOptions (tests take snapshots in one step per task). */
  arrivalSliceMs?: number;
  /** See HostOptions: the protocol's own queued tasks go before a snapshot's slices. */
  yieldToProtocol?(): boolean;
  log(message: string): void;
}

export class DocumentStore {
  readonly documents = new TextDocuments(TextDocument);
  private readonly states = new Map<string, DocumentState>();
  readonly host: AnalysisHost;

  constructor(private readonly options: DocumentStoreOptions) {
    this.host = new AnalysisHost(
      {
        snapshot: (uri, version, snapshot, text) => this.received(uri, version, snapshot, text),
        diagnostics: (uri, version, diagnostics, status, text) => {
          const doc = this.documents.get(uri);
          if (!doc || doc.version !== version) return;
          const state = this.stateFor(uri);
          this.dropHeld(state);
          const timer = setTimeout(() => this.publishHeld(uri), DIAGNOSTICS_HOLD_MS);
          state.held = { at: performance.now(), version, diagnostics, status, text, timer };
        },
        explained: (uri, version, target, hover) => {
          const s = this.states.get(uri)?.snapshot;
          if (s && s.version === version && s.targets[target]) s.targets[target] = withHover(s.targets[target], hover);
        },
        built: (uri, version, diagnostics, text) => {
          const doc = this.documents.get(uri);
          const state = this.states.get(uri);
          if (doc && state && doc.version === version && !state.snapshot)
            this.options.onBuilt?.(state, doc, diagnostics, new LineIndex(text));
        },
        stopped: (uri, version, diagnostic, text) => this.stopped(uri, version, diagnostic, text),
        log: (m) => this.options.log(m),
      },
      {
        connect: options.connect,
        arrivalSliceMs: options.arrivalSliceMs,
        yieldToProtocol: options.yieldToProtocol,
        limits: () => {
          const o = this.options.analysisOptions();
          return { graceMs: o.workerStopTimeoutMs ?? 2000, heapMb: o.maxWorkerHeapMb ?? 1024 };
        },
      },
    );
    this.documents.onDidChangeContent(({ document }) => this.schedule(document.uri));
    this.documents.onDidClose(({ document }) => {
      const state = this.states.get(document.uri);
      if (state?.snapshot && state.snapshotText !== undefined) this.remember(document.uri, state.snapshot, state.snapshotText);
      if (state?.timer) clearTimeout(state.timer);
      if (state) this.dropHeld(state);
      for (const w of state?.waiters ?? []) w.resolve();
      this.states.delete(document.uri);
      this.host.close(document.uri);
      this.options.onClosed(document.uri);
    });
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

  dispose(): void {
    this.host.dispose();
  }

  /** Analyses every open document again from scratch (the settings or the trust changed:
   *  values cached under the old budgets are not reused). */
  reanalyseAll(): void {
    this.host.applyLimits();
    for (const doc of this.documents.all()) {
      this.stateFor(doc.uri).reuseValues = false;
      this.schedule(doc.uri, 0);
    }
  }

  /** The options an analysis of a document runs with: the settings and where load() reads. */
  optionsFor(uri: string): PlainOptions {
    const load = this.options.loadContext?.(uri) ?? { baseDir: null, workspaceRoots: [], enabled: true };
    const { cache: _cache, previous: _previous, ...settings } = this.options.analysisOptions();
    return { ...settings, load: this.options.restrictLoad ? this.options.restrictLoad(load) : load };
  }

  /** Sends the document's text to the worker, after a short pause while the user types. */
  schedule(uri: string, delay?: number): void {
    const state = this.stateFor(uri);
    if (state.timer) clearTimeout(state.timer);
    const now = performance.now();
    const typing = state.lastChangeAt !== undefined && now - state.lastChangeAt < TYPING_DEBOUNCE_MS;
    state.lastChangeAt = now;
    const slow = (state.snapshot?.status.milliseconds ?? 0) >= FAST_ANALYSIS_MS;
    // An edit made after the previous one was published (the user looked at its diagnostics
    // and typed again) waits for nothing: the worker is idle.
    const busy = state.sentVersion !== undefined && state.snapshot?.version !== state.sentVersion;
    const wait = delay ?? (typing && slow && busy ? TYPING_DEBOUNCE_MS : 0);
    if (wait === 0) return this.send(uri);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.send(uri);
    }, wait);
  }

  private send(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const state = this.stateFor(uri);
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    if (state.sentVersion === doc.version && state.reuseValues !== false) return;
    const fresh = state.reuseValues === false;
    state.reuseValues = true;
    state.sentVersion = doc.version;
    // The snapshot being made is outdated (the worker drops it): requests waiting for it
    // answer from the latest one now, and its diagnostics are not published.
    this.dropHeld(state);
    const soon = state.waiters.filter((w) => w.soon);
    state.waiters = state.waiters.filter((w) => !w.soon);
    for (const w of soon) w.resolve();
    const text = doc.getText();
    state.kind = this.options.kindOf(doc);
    if (state.kind === null) return this.leaveAlone(uri, state);
    const options: PlainOptions = { ...this.optionsFor(uri), ...(state.kind === 'python' ? { language: 'python' as const } : {}) };
    if (!this.options.readLoads || options.load?.enabled === false || !/\bload\s*\(/.test(text)) {
      this.host.analyse(uri, doc.version, text, options, fresh);
      return;
    }
    const version = doc.version;
    void this.options.readLoads(uri, text, options.load).then(
      (load) => {
        // A newer text was sent meanwhile: it carries its own files.
        if (this.documents.get(uri)?.version !== version || state.sentVersion !== version) return;
        this.host.analyse(uri, version, text, { ...options, load }, fresh);
      },
      (e) => {
        this.options.log(`reading the files of load() for ${uri} failed: ${(e as Error)?.message ?? String(e)}`);
        // Analysed all the same: each load() then says its file was not found.
        if (this.documents.get(uri)?.version === version && state.sentVersion === version)
          this.host.analyse(uri, version, text, { ...options, load: { ...options.load, preloaded: {} } }, fresh);
      },
    );
  }

  /** A document tgraph does not analyse (a Python file without TensorFlow, or Python
   *  switched off): whatever it showed goes, and requests answer nothing at once. */
  private leaveAlone(uri: string, state: DocumentState): void {
    const had = state.snapshot !== undefined || state.held !== undefined;
    state.snapshot = undefined;
    state.snapshotText = undefined;
    state.viewCache = undefined;
    this.dropHeld(state);
    this.closed.delete(uri);
    this.host.close(uri);
    const waiting = state.waiters;
    state.waiters = [];
    for (const w of waiting) w.resolve();
    if (had) this.options.onClosed(uri);
  }

  /** Whether a document is analysed at all (false: tgraph leaves it alone). */
  analysed(uri: string): boolean {
    return this.states.get(uri)?.kind !== null;
  }

  private received(uri: string, version: number, snapshot: DocumentSnapshot, text: string): void {
    const state = this.states.get(uri);
    const doc = this.documents.get(uri);
    if (!state || !doc) return;
    if (state.snapshot && state.snapshot.version > version) return;
    state.snapshot = snapshot;
    state.snapshotText = text;
    this.host.published(uri, version);
    this.wake(state, version);
    if (doc.version !== version) return; // a newer text is being analysed: publish that one
    if (state.held?.version === version) {
      state.snapshotLagMs = performance.now() - state.held.at;
      this.publishHeld(uri);
    }
    try {
      this.options.onAnalysed(state, doc);
    } catch (e) {
      this.options.log(`after analysing ${uri}: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** The worker had to be stopped on this version: one diagnostic says where and why.
   */
  private stopped(uri: string, version: number, diagnostic: Diagnostic, text: string): void {
    const state = this.states.get(uri);
    const doc = this.documents.get(uri);
    if (!state || !doc) return;
    this.dropHeld(state);
    // The previous snapshot's offsets are into its own text: it stays only when that is
    // this text (a request that stopped the worker on an analysed version).
    const base = state.snapshot && state.snapshotText === text ? state.snapshot : emptySnapshot(version);
    state.snapshot = { ...base, version, diagnostics: [diagnostic], status: { milliseconds: 0, errors: 1, warnings: 0, information: 0 } };
    state.snapshotText = text;
    this.wake(state, version);
    if (doc.version !== version) return;
    this.options.onDiagnostics(uri, doc, [diagnostic], state.snapshot.status, this.linesOf(uri, doc, text));
    this.options.onAnalysed(state, doc);
  }

  /** Publishes the diagnostics held for their snapshot: it has landed, or failed to. */
  private publishHeld(uri: string): void {
    const state = this.states.get(uri);
    const doc = this.documents.get(uri);
    const held = state?.held;
    if (!state || !held) return;
    this.dropHeld(state);
    if (!doc || doc.version !== held.version) return;
    this.options.onDiagnostics(uri, doc, held.diagnostics, held.status, this.linesOf(uri, doc, held.text));
  }

  private dropHeld(state: DocumentState): void {
    if (state.held) clearTimeout(state.held.timer);
    state.held = undefined;
  }

  /** Line index of `text`: the current text's (cached) when it is the current text. */
  private linesOf(uri: string, doc: TextDocument, text: string): LineIndex {
    return text === doc.getText() ? this.currentLines(this.stateFor(uri), doc) : new LineIndex(text);
  }

  /** Snapshots of recently closed documents, by uri: a document opened again with the same
   *  text answers hovers at once. */
  private readonly closed = new Map<string, { snapshot: DocumentSnapshot; text: string }>();

  private remember(uri: string, snapshot: DocumentSnapshot, text: string): void {
    this.closed.delete(uri);
    this.closed.set(uri, { snapshot, text });
    if (this.closed.size > CLOSED_SNAPSHOTS) this.closed.delete(this.closed.keys().next().value!);
  }

  private wake(state: DocumentState, version: number): void {
    const waiting = state.waiters;
    state.waiters = waiting.filter((w) => w.version > version);
    for (const w of waiting) if (w.version <= version) w.resolve();
  }

  /** The latest snapshot as seen from the current text; undefined before the first one. */
  view(uri: string): View | undefined {
    const doc = this.documents.get(uri);
    const state = this.states.get(uri);
    if (state?.kind === null) return undefined;
    if (doc && state && !state.snapshot) {
      const kept = this.closed.get(uri);
      if (kept && kept.text === doc.getText()) {
        state.snapshot = { ...kept.snapshot, version: doc.version };
        state.snapshotText = kept.text;
      }
    }
    if (!doc || !state?.snapshot || state.snapshotText === undefined) return undefined;
    const cached = state.viewCache;
    if (cached && cached.snapshot === state.snapshot && cached.version === doc.version) return cached.view;
    const view = new View(uri, state.snapshot, state.snapshotText, doc.getText(), this.currentLines(state, doc));
    state.viewCache = { snapshot: state.snapshot, version: doc.version, view };
    return view;
  }

  /** Whether a newer text than the snapshot's is being analysed. */
  pending(uri: string): boolean {
    const doc = this.documents.get(uri);
    const state = this.states.get(uri);
    return !!doc && !!state?.snapshot && state.snapshot.version !== doc.version;
  }

  /** Asks the worker for the explanation of a target of a snapshot now (a hover is on it),
   *  waiting for it at most `waitMs`. */
  async explainNow(uri: string, snapshot: DocumentSnapshot, target: number, waitMs: number): Promise<void> {
    const asked = this.host.request<{ version: number; target: number; hover?: string }>(uri, 'explainTarget', target).then(
      (r) => {
        if (r && r.hover !== undefined && r.version === snapshot.version && snapshot.targets[target])
          snapshot.targets[target] = withHover(snapshot.targets[target], r.hover);
      },
      () => undefined,
    );
    await Promise.race([asked, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  }

  /** The latest snapshot at once, whatever is being analysed; before a document's first
   *  snapshot, after waiting for that (there is nothing else to answer from). A hover right
   *  after an edit shows the previous version's values, and says so (see hover.ts): waiting
   *  even a few ms for the new ones costs every such hover those ms, on a thread that
   *  answers every other request too. */
  async latestView(uri: string): Promise<View | undefined> {
    if (this.firstPending(uri)) await this.settled(uri);
    return this.view(uri);
  }

  private firstPending(uri: string): boolean {
    const state = this.states.get(uri);
    return !!this.documents.get(uri) && !!state && !state.snapshot && !this.closed.has(uri);
  }

  /** The latest snapshot; when the current text's analysis is done and its snapshot is being
   *  made, after waiting for it while it can land within SNAPSHOT_SOON_MS. Before a
   *  document's first snapshot, after waiting for that. */
  async viewSoon(uri: string): Promise<View | undefined> {
    const doc = this.documents.get(uri);
    const state = this.states.get(uri);
    if (this.firstPending(uri)) {
      await this.settled(uri);
    } else if (doc && state?.held?.version === doc.version && (state.snapshotLagMs ?? Infinity) <= SNAPSHOT_SOON_MS) {
      const version = state.held.version;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SNAPSHOT_SOON_MS);
        state.waiters.push({ version, soon: true, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    return this.view(uri);
  }

  /** A view of the snapshot of exactly the current text (waits for its analysis). */
  async freshView(uri: string): Promise<View | undefined> {
    await this.settled(uri);
    return this.view(uri);
  }

  /** Resolves once the current text's snapshot is published (or a bounded wait is over). */
  settled(uri: string): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc) return Promise.resolve();
    const state = this.stateFor(uri);
    if (state.snapshot?.version === doc.version) return Promise.resolve();
    this.send(uri); // a pending debounce: now
    if (state.kind === null) return Promise.resolve();
    const options = this.options.analysisOptions();
    const limit = (options.evaluationTimeoutMs ?? 5000) * 2 + (options.workerStopTimeoutMs ?? 2000) + FRESH_WAIT_EXTRA_MS;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, limit);
      state.waiters.push({ version: doc.version, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** The syntax tree of the current text (not the analysed one) around `position`:
   *  completion and signature help run right after a keystroke, before its analysis, and need
   *  the call being typed. They run on the protocol thread, so past PARSE_WINDOW_CHARS only
   *  the statements around the cursor are parsed (`position` is then the window's), and the
   *  names bound before the window come from the latest snapshot. */
  parsed(uri: string, position: Position): { current: CurrentText; position: Position } | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const state = this.stateFor(uri);
    const text = doc.getText();
    const lines = this.currentLines(state, doc);
    if (text.length <= PARSE_WINDOW_CHARS) {
      if (state.parseCache?.version !== doc.version) state.parseCache = { version: doc.version, program: parse(text) };
      return { current: { text, program: state.parseCache.program, lines }, position };
    }
    const line = Math.min(position.line, lines.lineCount - 1);
    const firstLine = windowStart(text, lines, line);
    const start = lines.lineStart(firstLine);
    const end = lines.lineStart(Math.min(lines.lineCount - 1, line + PARSE_WINDOW_LINES_AFTER));
    const window = text.slice(start, Math.max(end, lines.offsetAt({ line, character: position.character })));
    const boundBefore: string[] = [];
    const functionsBefore = new Map<string, string[]>();
    const view = this.view(uri);
    for (const t of view?.snapshot.targets ?? []) {
      if (t.kind !== 'binding' || !t.definition) continue;
      const at = view!.position(t.definition.start);
      if (!at || at.line >= firstLine) continue;
      boundBefore.push(t.name);
      if (t.params) functionsBefore.set(t.name, t.params);
    }
    return {
      current: { text: window, program: parse(window), lines: new LineIndex(window), boundBefore, functionsBefore },
      position: { line: line - firstLine, character: position.character },
    };
  }

  private currentLines(state: DocumentState, doc: TextDocument): LineIndex {
    if (state.linesCache?.version !== doc.version) state.linesCache = { version: doc.version, lines: new LineIndex(doc.getText()) };
    return state.linesCache.lines;
  }

  private stateFor(uri: string): DocumentState {
    let state = this.states.get(uri);
    if (!state) {
      state = { uri, lensChecks: new Map(), waiters: [] };
      this.states.set(uri, state);
    }
    return state;
  }
}

function emptySnapshot(version: number): DocumentSnapshot {
  return {
    version,
    diagnostics: [],
    status: { milliseconds: 0, errors: 0, warnings: 0, information: 0 },
    occurrences: new Int32Array(0),
    targets: [],
    lenses: [],
    hints: [],
    symbols: [],
    folding: { statements: [], commentRuns: [] },
    explaining: [],
  };
}
