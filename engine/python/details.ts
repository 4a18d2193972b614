// What an Analysis of a Python script has beyond a .tgraph file's (Analysis.python).

import type { Span } from '../syntax/ast';
import type { Node } from '../graph';
import type { Analysis, Binding } from '../analysis';
import type * as P from './ast';

export interface PythonDetails {
  readonly module: P.Module;
  /** Each `print(...)` in the order it ran: where, and what Python would have written
   *  (without the final newline). */
  readonly prints: readonly { span: Span; text: string }[];
  /** Statements that were not evaluated and why: outside the subset (these also have an
   *  information diagnostic), skipped for depending on one, or not valid Python (`refused`:
   *  Python's words, which no diagnostic carries). */
  readonly notEvaluated: readonly { span: Span; reason: string; refused?: string }[];
  /** The `sess.run` a graph tensor's value comes from (the last that fetched it, else the
   *  last that computed it), or undefined for a value known without a run. */
  runOf(node: Node): { span: Span; line: number } | undefined;
  /** Every `sess.run` (or `t.eval`), in the order they ran. */
  readonly runs: readonly { span: Span; line: number }[];
  /** The analysis as the explanation of a gradient binding reads it: every value from the
   *  run that fetched that gradient (its feeds), and `bindings` only that binding (so
   *  `explanationsJson` of it gives its entry). The same analysis when no run fetched it. */
  explainView(binding: Binding): Analysis;
}
