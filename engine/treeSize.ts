// The size of a value once its containers are expanded as a tree. Containers share their
// items (`x2 = [x1, x1]`, repeated: twenty small objects and a million items once expanded),
// so the size is found in time of the number of distinct containers, each sized once.
// Iterative: a list nested 10,000 deep is a short program.

/**
 * How many items `root` expands to: an item that is no container is one; a container is the
 * sum of its items, plus one for itself when `countContainers`. Infinity for a container
 * that holds itself. Past `limit` it stops and answers a number above it.
 */
export function expandedTreeSize<T>(root: T, itemsOf: (v: T) => readonly T[] | null, countContainers: boolean, limit = Infinity): number {
  const own = countContainers ? 1 : 0;
  const size = new Map<T, number>();
  const stack: { v: T; items: readonly T[]; next: number; total: number }[] = [];
  const push = (v: T): number | null => {
    const items = itemsOf(v);
    if (!items) return 1;
    const known = size.get(v);
    if (known !== undefined) return known;
    // Entered before its size is known: met again below itself, it is a cycle.
    size.set(v, Infinity);
    stack.push({ v, items, next: 0, total: own });
    return null;
  };
  const first = push(root);
  if (first !== null) return first;
  let result = own;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < top.items.length) {
      const n = push(top.items[top.next++]);
      if (n !== null) top.total += n;
      if (top.total > limit) return top.total;
      continue;
    }
    stack.pop();
    size.set(top.v, top.total);
    if (stack.length) stack[stack.length - 1].total += top.total;
    else result = top.total;
  }
  return result;
}
