// Which documents the server analyses, and as what: `.tgraph` files always; Python files only
// when they import TensorFlow and `tgraph.python.enabled` is on (PYTHON.md): any other Python
// file gets nothing from tgraph — no diagnostics, hovers, hints or lenses.

export type DocumentKind = 'tgraph' | 'python';

/** `import tensorflow`, `import tensorflow.compat.v1 as tf`, `from tensorflow import ...`
 *  at the start of a line (indented too: an import inside a try or a function counts). */
const TENSORFLOW_IMPORT = /^[ \t]*(?:import[ \t]+tensorflow\b|from[ \t]+tensorflow\b)/m;

export function importsTensorFlow(text: string): boolean {
  return TENSORFLOW_IMPORT.test(text);
}

export function isPythonDocument(doc: { languageId: string; uri: string }): boolean {
  return doc.languageId === 'python' || /\.pyi?$/i.test(doc.uri);
}

/** How a document is analysed, or null when tgraph leaves it alone. */
export function documentKind(doc: { languageId: string; uri: string }, text: string, pythonEnabled: boolean): DocumentKind | null {
  if (!isPythonDocument(doc)) return 'tgraph';
  return pythonEnabled && importsTensorFlow(text) ? 'python' : null;
}
