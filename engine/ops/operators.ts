// The ops infix operators call, one table for the .tgraph language and for the Python front
// end's tensors and arrays. Each front end adds what is its own: `@` (NumPy's arrays compute it
// elsewhere), and the logical operators (`and`/`or` in .tgraph, `& | ^` on Python values).

export const ELEMENTWISE_OPERATOR_OPS = {
  '+': 'add',
  '-': 'subtract',
  '*': 'multiply',
  '/': 'divide',
  '//': 'floordiv',
  '%': 'mod',
  '**': 'pow',
  '<': 'less',
  '<=': 'less_equal',
  '>': 'greater',
  '>=': 'greater_equal',
  '==': 'equal',
  '!=': 'not_equal',
} as const;

/** `& | ^` on Python values: TensorFlow's and NumPy's overloads for bool data. */
export const PYTHON_LOGICAL_OPS = { '&': 'logical_and', '|': 'logical_or', '^': 'logical_xor' } as const;

/** The operators whose result is bool. */
export const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);
