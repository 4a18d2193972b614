// What one analysis builds its graph with, beyond the graph itself: passed to the builder
// (and through it to every op's `build`), never held in a module, so that two analyses in
// one process (a language server's documents, a test's cases) never see each other's.

export interface LoadContext {
  /** The analysed document's folder; null when the document is not a file on disk. */
  baseDir: string | null;
  /** Paths must resolve inside one of these (after symlinks). Empty: baseDir is the root. */
  workspaceRoots: string[];
  /** Largest file load() reads, in bytes. */
  maxBytes: number;
  /** False where reading files is not allowed (e.g. an untrusted workspace). */
  enabled: boolean;
  /** Why loading is disabled, from the host (the engine does not know about editors or
   *  trust): the diagnostic reads "load() is disabled: <reason>". */
  disabledReason?: string;
  /** The diagnostic code for a disabled load(); 'load-disabled' when the host gives none. */
  disabledCode?: string;
  /** Files the host read for this analysis, by resolved path: where there is no file system
   *  to read (a browser), the host reads them through the editor's and hands them over.
   *  When set, load() reads only from here, after the same checks of the path. */
  preloaded?: Record<string, PreloadedFile>;
}

/** A file the host read for load(), or why it could not: the diagnostic's message (after
 *  "load(): ") and code. */
export type PreloadedFile = { bytes: Uint8Array } | { refused: string; code: string };

export const DEFAULT_MAX_LOAD_BYTES = 64 * 1024 * 1024;

export interface BuildContext {
  /** Where `load()` reads from (engine/ops/npy.ts). */
  readonly load: Readonly<LoadContext>;
}

/** The context of an analysis whose options give `load` (omitted fields: the defaults). */
export function buildContext(load: Partial<LoadContext> = {}): BuildContext {
  return {
    load: {
      baseDir: null,
      maxBytes: DEFAULT_MAX_LOAD_BYTES,
      enabled: true,
      ...load,
      workspaceRoots: [...(load.workspaceRoots ?? [])],
    },
  };
}

/** The context of graphs built apart from any document (tests, private graphs). */
export const DEFAULT_BUILD_CONTEXT: BuildContext = buildContext();
