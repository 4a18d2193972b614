// Errors of the NumPy random module, as NumPy raises them (messages are NumPy 1.24's; each
// file that raises one says where older versions word it differently).

export type PythonExceptionType = 'ValueError' | 'TypeError' | 'OverflowError' | 'IndexError';

/** An error NumPy raises, with its Python exception type and NumPy's message (the front end
 *  shows `${pythonType}: ${message}`). */
export class NumpyError extends Error {
  constructor(
    readonly pythonType: PythonExceptionType,
    message: string,
  ) {
    super(message);
    this.name = 'NumpyError';
  }
}

/** A request for more values than the caller's budget allows; NumPy would allocate them. */
export class RandomBudgetError extends Error {
  constructor(
    readonly requested: number,
    readonly budget: number,
    what: string,
  ) {
    super(`${what} needs ${requested} elements, more than the budget of ${budget}`);
    this.name = 'RandomBudgetError';
  }
}
