// How a Python statement stops: a Python or TensorFlow error in what tgraph evaluated (an
// error diagnostic: BuildError, as the .tgraph front end), something outside tgraph's subset
// (one information diagnostic), or a value tgraph does not know (skipped quietly).

import type { Span } from '../syntax/ast';
import { BuildError } from '../builder';
import type { Unknown } from './values';

/** How a statement stops when nothing is wrong with the engine: no stack trace (a script
 *  can stop this way on every line, and capturing a stack costs more than the rest). */
export class QuietError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Syntax or a library call tgraph does not evaluate: the statement gets one information
 *  diagnostic "not evaluated: ..." and the names it binds become unknown. */
export class OutsideSubset extends QuietError {
  constructor(
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}

/** A statement that read an unknown name: skipped without a diagnostic. */
export class Skipped extends QuietError {
  constructor(
    readonly unknown: Unknown,
    readonly unknownName: string,
  ) {
    super('skipped');
  }
}

export type PyErrorKind =
  | 'TypeError'
  | 'ValueError'
  | 'NameError'
  | 'AttributeError'
  | 'IndexError'
  | 'KeyError'
  | 'ZeroDivisionError'
  | 'OverflowError'
  | 'RuntimeError'
  | 'UnboundLocalError'
  | 'RecursionError'
  | 'InvalidArgumentError'
  | 'FailedPreconditionError'
  // NumPy's: both are ValueErrors to an `except ValueError`.
  | 'AxisError'
  | 'LinAlgError';

const CODES: Record<PyErrorKind, string> = {
  TypeError: 'type-error',
  ValueError: 'value-error',
  NameError: 'name-error',
  AttributeError: 'attribute-error',
  IndexError: 'index-error',
  KeyError: 'key-error',
  ZeroDivisionError: 'zero-division',
  OverflowError: 'overflow',
  RuntimeError: 'runtime-error',
  UnboundLocalError: 'name-error',
  RecursionError: 'recursion',
  InvalidArgumentError: 'invalid-argument',
  FailedPreconditionError: 'failed-precondition',
  AxisError: 'value-error',
  LinAlgError: 'value-error',
};

/** The error Python (or TensorFlow) would raise, as a diagnostic: "TypeError: ...". */
export function pyError(kind: PyErrorKind, message: string, span: Span, related: { span: Span; message: string }[] = []): BuildError {
  return new BuildError(`${kind}: ${message}`, span, CODES[kind], related);
}
