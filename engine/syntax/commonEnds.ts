// Where two versions of a text differ: their common prefix and suffix.

/** The lengths of the longest common prefix of two texts and of the longest common suffix
 *  that does not overlap it. Compared in blocks that double while they match and halve where
 *  they do not, each by the engine's native string equality: two versions of a document are
 *  mostly the same text, and this runs on every edit (in the worker, and on the protocol thread for
 *  the first request after it), where a loop over characters costs milliseconds until it is
 *  compiled. */
export function commonEnds(before: string, after: string): { prefix: number; suffix: number } {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  for (let step = 64; step > 0 && prefix < limit;) {
    const end = Math.min(limit, prefix + step);
    if (before.slice(prefix, end) === after.slice(prefix, end)) {
      prefix = end;
      step *= 2;
    } else step >>= 1;
  }
  let suffix = 0;
  for (let step = 64; step > 0 && suffix < limit - prefix;) {
    const length = Math.min(limit - prefix, suffix + step);
    if (before.slice(before.length - length, before.length - suffix) === after.slice(after.length - length, after.length - suffix)) {
      suffix = length;
      step *= 2;
    } else step >>= 1;
  }
  return { prefix, suffix };
}
