// The two large hostile inputs of issue 7 (test/engine/hostile.test.ts): a chain of `lines`
// statements, each using the one before, with an unknown name at the end; and `lines`
// erroneous lines (half of them syntax errors naming an unknown name, half rebinding `y`).
// Each has a TypeScript twin of the same size and the same problems, the peer the hostile
// benchmark measures TypeScript's checker on.

export type HostileInput = 'chain' | 'errors';
export const HOSTILE_INPUTS: readonly HostileInput[] = ['chain', 'errors'];

export function hostileText(input: HostileInput, lines = 100_000): string {
  if (input === 'errors') return Array.from({ length: lines }, (_, i) => (i % 2 ? `y = unknown_${i} *` : 'y = 1')).join('\n');
  const out = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
  for (let i = 1; i < lines; i++) out.push(`a${i} = a${i - 1} + 1.`);
  out.push('undefined_at_the_end + 1');
  return out.join('\n') + '\n';
}

/** The same program in TypeScript: one declaration a line whose type comes from the line
 *  before, the same unknown names and syntax errors, and `let y` declared again where tgraph
 *  binds `y` again. */
export function hostileTypeScript(input: HostileInput, lines = 100_000): string {
  if (input === 'errors') return Array.from({ length: lines }, (_, i) => (i % 2 ? `y = unknown_${i} *` : 'let y = 1;')).join('\n');
  const out = ['declare const a0: number;', 'export {};'];
  for (let i = 1; i < lines; i++) out.push(`const a${i} = a${i - 1} + 1.5;`);
  out.push('undefined_at_the_end + 1;');
  return out.join('\n') + '\n';
}

/** The global types TypeScript's checker requires, declared empty: the peer is checked
 *  without the standard library, whose own checking would dwarf the file's. */
export const TYPESCRIPT_MINIMAL_LIB = ['Array<T>', 'Boolean', 'Function', 'IArguments', 'Number', 'Object', 'RegExp', 'String']
  .map((t) => `interface ${t} {}`)
  .join('\n');
