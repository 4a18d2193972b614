// The files of the fuzz corpus: found in a fixed order, so that the corpus (and so every
// input) depends only on the files.

import * as fs from 'fs';
import * as path from 'path';

/** The files under `dir` (sorted by name at each level; node_modules and dot-names left out)
 *  that pass `filter`, appended to `out`. */
export function walk(dir: string, out: string[], filter: (file: string) => boolean): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out, filter);
    else if (e.isFile() && filter(full)) out.push(full);
  }
}
