// The repository's .tgraph files, for tests that run over all of them.

import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

/** Every `.tgraph` file under the given folders (relative to the repository), sorted so that
 *  a test's sequence is fixed. The hostile fixtures are left out: they stop at their time
 *  budget, at a point that depends on the machine. */
export function tgraphFiles(...folders: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'hostile') walk(full);
      } else if (entry.name.endsWith('.tgraph')) found.push(full);
    }
  };
  for (const folder of folders) walk(path.join(root, folder));
  return found.sort();
}
