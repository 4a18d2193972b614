// Content keys of nodes: the op, its attributes and its inputs' keys (a hash of the data for
// constants and feeds). Two nodes with one key compute the same value, in this analysis or
// the next one, so an edit re-evaluates only the nodes whose key changed.

import type { Node } from './graph';
import type { Tensor } from './tensor';

/** 53-bit string hash (cyrb53): fast, well mixed, deterministic. */
function hashString(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

const dataKeys = new WeakMap<object, string>();

/** Hash of a tensor's dtype, shape and bytes (memoised per data buffer). */
export function tensorKey(t: Tensor): string {
  const memo = dataKeys.get(t.data);
  if (memo) return memo;
  const bytes = new Uint32Array(t.data.buffer, t.data.byteOffset, Math.floor(t.data.byteLength / 4));
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 16777619);
    h2 = Math.imul(h2 ^ (bytes[i] >>> 7), 2246822519);
  }
  for (let i = bytes.length * 4; i < t.data.byteLength; i++) {
    h1 = Math.imul(h1 ^ (t.data as Uint8Array)[i], 16777619);
  }
  const key = `${t.dtype}[${t.shape.join(',')}]#${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
  dataKeys.set(t.data, key);
  return key;
}

function isTensor(v: object): v is Tensor {
  return 'data' in v && 'shape' in v && 'dtype' in v && ArrayBuffer.isView((v as Tensor).data);
}

/** A node's content key; `feeds` are the values of placeholders. An unfed placeholder gets a
 *  key unique to it (nothing downstream has a value to reuse). */
export function nodeKey(node: Node, feeds: ReadonlyMap<Node, Tensor>): string {
  if (node.key) return node.key;
  // Iterative post-order: graphs can be deep.
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack[stack.length - 1];
    if (n.key) {
      stack.pop();
      continue;
    }
    const pending = n.inputs.filter((i) => !i.key);
    if (pending.length) {
      stack.push(...pending);
      continue;
    }
    stack.pop();
    n.key = computeKey(n, feeds);
  }
  return node.key!;
}

let uniqueCounter = 0;

function computeKey(n: Node, feeds: ReadonlyMap<Node, Tensor>): string {
  const op = n.op.name;
  if (op === 'placeholder') {
    const feed = feeds.get(n);
    return feed ? hashString(`${op}|${tensorKey(feed)}`) : `${op}!${++uniqueCounter}`;
  }
  // A seed (jacobian row, check direction) stands for "some value of this type": graphs built
  // on seeds of one type are the same function, so the attrs alone key it.
  const attrs = attrText(n.attrs, feeds);
  return hashString(`${op}|${attrs}|${n.inputs.map((i) => i.key).join(',')}`);
}

function attrText(v: unknown, feeds: ReadonlyMap<Node, Tensor>): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map((x) => attrText(x, feeds)).join(',') + ']';
  if (typeof v === 'object') {
    if (v instanceof Object && 'op' in v && 'inputs' in v && 'attrs' in v) return 'node:' + nodeKey(v as Node, feeds);
    if (isTensor(v)) return 'tensor:' + tensorKey(v);
    const source = (v as { source?: string }).source;
    if (typeof source === 'string') return 'fn:' + hashString(source);
    const entries = Object.keys(v).sort().map((k) => `${k}=${attrText((v as Record<string, unknown>)[k], feeds)}`);
    return '{' + entries.join(',') + '}';
  }
  return `?${++uniqueCounter}`;
}
