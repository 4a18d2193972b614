// What an analysis is, as its readers see it: the diagnostics, the bindings, the results of
// checks and asserts, the options an analysis takes.

import type * as AST from '../syntax/ast';
import type * as PyAST from '../python/ast';
import type { PythonDetails } from '../python/details';
import { LineIndex } from '../syntax/lineIndex';
import { Graph, type Node } from '../graph';
import { type Value } from '../builder';
import { ValueCache } from '../valueCache';
import { type Tensor } from '../tensor';
import { type GradientSite } from '../autodiff';
import { type CheckResult } from '../check';
import { type LoadContext } from '../buildContext';
import { type Budgets } from '../budgets';

export type Severity = 'error' | 'warning' | 'information';

export interface Related {
  span: AST.Span;
  message: string;
}

export interface Diagnostic {
  span: AST.Span;
  severity: Severity;
  code: string;
  message: string;
  related?: Related[];
}

export type BindingKind = 'placeholder' | 'variable' | 'gradient' | 'function' | 'tensor' | 'list' | 'other';

export interface Binding {
  name: string;
  /** The span of the name where it is bound. */
  span: AST.Span;
  /** The statement that binds it: of a .tgraph file, or of a Python script. */
  stmt: AST.Stmt | PyAST.Stmt;
  value: Value;
  kind: BindingKind;
  /** True for names bound by destructuring (not reported in `--json` values). */
  destructured: boolean;
  /** For names bound to a `gradients`/`gradient` result. */
  gradient?: GradientSite;
  /** Python scripts: what the value is when it has no tensor form (a session, a dict), why
   *  the name has no value ("not evaluated: depends on `model`, ..."), or a note on a
   *  tensor's value ("samples of NumPy's stream from seed 0: ..."). */
  describe?: string;
}

export interface AssertResult {
  /** A .tgraph `assert`, or a Python `assert`. */
  stmt: AST.AssertStmt | PyAST.Assert;
  passed: boolean;
  message: string;
  expectFail: boolean;
}

/** The budgets (engine/budgets.ts: maxElements, maxNestingDepth, maxDiagnostics, ...) are
 *  fields of their own; a missing or malformed one takes its default. */
/** What one `print` statement wrote (its text ends with a newline). */
export interface PrintResult {
  span: AST.Span;
  text: string;
}

export interface AnalysisOptions extends Partial<Budgets> {
  /** Defaults for `check` statements. */
  check?: { eps?: number; atol?: number; rtol?: number };
  /** `valueCache` of the previous analysis of the same document: unchanged nodes reuse it. */
  cache?: ValueCache;
  /** Where `load('x.npy')` may read: the document's folder and the workspace roots. Without
   *  it, load() reports that it needs a file on disk. */
  load?: Partial<LoadContext>;
  /** The previous analysis of the same document, with the same options: when the edit leaves
   *  a prefix of statements untouched (and nothing after it can change them), its graph is
   *  taken over and only the statements from the edit on are built again. The previous
   *  analysis must not be used afterwards (its graph becomes this one's). Pass `cache` too. */
  previous?: Analysis;
  /** Asked between statements, bindings and kernel blocks: true stops the analysis (a newer
   *  text is waiting). A stopped analysis is never shown, but may be `previous` to the next:
   *  only the statements it built before stopping are taken over. */
  cancelled?: () => boolean;
  /** Told which statement is being built, and which binding evaluated (the analysis worker
   *  names it if it has to be stopped). */
  progress?: (phase: 'building' | 'evaluating', span: AST.Span) => void;
  /** The document's language: a `.tgraph` file (the default) or a Python script, which the
   *  Python front end (engine/python) analyses into the same Analysis. */
  language?: 'tgraph' | 'python';
}

export interface Analysis {
  readonly text: string;
  readonly program: AST.Program;
  readonly lines: LineIndex;
  readonly graph: Graph;
  /** Top-level bindings in source order. */
  readonly bindings: readonly Binding[];
  readonly diagnostics: readonly Diagnostic[];
  readonly checks: readonly CheckResult[];
  readonly asserts: readonly AssertResult[];
  /** What the `print` statements (a Python script's print calls) wrote, in order. */
  readonly prints: readonly PrintResult[];
  readonly gradientSites: readonly GradientSite[];
  /** Placeholders and their feeds. */
  readonly feeds: ReadonlyMap<Node, Tensor>;
  /** Every use of a name: its span and the binding it resolves to (definition, references, rename). */
  readonly references: readonly { span: AST.Span; binding: Binding }[];
  valueOf(node: Node): Tensor | undefined;
  lookup(name: string): Binding | undefined;
  /** Values by node key, to pass as `cache` to the next analysis of this document. */
  readonly valueCache: ValueCache;
  /** Makes `valueCache` a slice at a time (keying every node of a deep model is tens to
   *  hundreds of ms): goes on until `stop` says to leave it, true once it is made. Absent:
   *  `valueCache` is made at once. */
  prepareValueCache?(stop: () => boolean): boolean;
  /** `valueCache` as far as `prepareValueCache` made it (fewer values, none wrong): for an
   *  edit that comes before it is done, which would otherwise wait for the rest. */
  readonly valueCacheSoFar?: ValueCache;
  /** How many node values were reused from `options.cache` and how many computed. */
  /** `planned`: of the values computed, those a feed edit's prepared plan computed (engine/plan.ts);
   *  `slotted`: of those, the ones it wrote into its buffer slots (engine/planSlots.ts);
   *  `keptPlanSteps`: of the steps of the plan this version made, those taken from the plan
   *  before a structural edit (the statements it kept). */
  readonly stats: { reused: number; computed: number; planned?: number; slotted?: number; keptPlanSteps?: number; milliseconds: number };
  /** The budgets this analysis ran under (options with defaults filled in): the explainer
   *  and the editor's pictures read theirs here. */
  readonly budgets: Readonly<Budgets>;
  /** Python scripts only (engine/python): what the script printed, the statements it did not
   *  evaluate, and which `sess.run` each graph tensor's value comes from. `program` is then
   *  empty: the script's own tree is `python.module`. */
  readonly python?: PythonDetails;
}
