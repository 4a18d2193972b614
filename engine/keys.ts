// Content keys of nodes: the op, its attributes and its inputs' keys (a hash of the data for
// constants and feeds). Two nodes with one key compute the same value, in this analysis or
// the next one, so an edit re-evaluates only the nodes whose key changed.
//
// Keys are computed on every analysis for every evaluated node (thousands per edit), so they
// are hashed numerically: two independent 32-bit lanes (64 bits in all) fed with the op
// name's characters, the attributes' numbers and characters and the inputs' lanes, with no
// intermediate strings; the value cache (engine/valueCache.ts) is keyed by the two lanes.

import { type Node, isNode } from './graph';
import type { Tensor } from './tensor';
import { constantOf } from './ops/registry';

// The running hash: module-level so that mixing allocates nothing.
let H1 = 0;
let H2 = 0;

function start(seed: number): void {
  H1 = 0x9747b28c ^ seed;
  H2 = 0x5bd1e995 ^ seed;
}

/** Mixes one 32-bit word into both lanes (murmur3-style steps with different constants, so
 *  the lanes stay independent). Order-sensitive. */
function mix(v: number): void {
  let k1 = Math.imul(v, 0xcc9e2d51);
  k1 = (k1 << 15) | (k1 >>> 17);
  H1 ^= Math.imul(k1, 0x1b873593);
  H1 = (H1 << 13) | (H1 >>> 19);
  H1 = (Math.imul(H1, 5) + 0xe6546b64) | 0;
  let k2 = Math.imul(v ^ 0x6a09e667, 0x85ebca6b);
  k2 = (k2 << 17) | (k2 >>> 15);
  H2 ^= Math.imul(k2, 0xc2b2ae35);
  H2 = (H2 << 11) | (H2 >>> 21);
  H2 = (Math.imul(H2, 9) + 0x3c6ef372) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function finish(): void {
  const a = fmix(H1 ^ H2);
  const b = fmix(H2 + Math.imul(H1, 0x27d4eb2f));
  H1 = a;
  H2 = b;
}

// Tags keep values of different kinds apart (the number 1 vs the string "1" vs true).
const T_NULL = 1,
  T_INT = 2,
  T_FLOAT = 3,
  T_STRING = 4,
  T_TRUE = 5,
  T_FALSE = 6,
  T_ARRAY = 7,
  T_OBJECT = 8,
  T_NODE = 9,
  T_TENSOR = 10,
  T_FN = 11,
  T_NAME = 12,
  T_BIGINT = 13;

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

function mixNumber(v: number): void {
  if ((v | 0) === v && !Object.is(v, -0)) {
    mix(T_INT);
    mix(v);
  } else {
    f64[0] = v;
    mix(T_FLOAT);
    mix(f64Words[0]);
    mix(f64Words[1]);
  }
}

function mixString(s: string): void {
  mix(T_STRING);
  mix(s.length);
  for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
}

/** Op names, dtypes and attribute names: a few hundred strings, mixed for nearly every node,
 *  so each is hashed once into two words. (Strings from the user's text go through mixString:
 *  there is no bound on how many there are.) */
const nameHashes = new Map<string, Int32Array>();
const MAX_NAMES = 4096;

function mixName(name: string): void {
  let hash = nameHashes.get(name);
  if (hash === undefined) {
    const s1 = H1;
    const s2 = H2;
    start(T_NAME);
    mixString(name);
    finish();
    hash = Int32Array.of(H1, H2);
    H1 = s1;
    H2 = s2;
    if (nameHashes.size < MAX_NAMES) nameHashes.set(name, hash);
  }
  mix(T_NAME);
  mix(hash[0]);
  mix(hash[1]);
}

/** Tensors at least this large keep their hash with their data buffer (constants of the
 *  previous analysis are reused by the next, so a big feed is hashed once). */
const MEMO_BYTES = 256;
const dataHashes = new WeakMap<object, Int32Array>();

/** Mixes a tensor's dtype, shape and bytes. */
function mixTensor(t: Tensor): void {
  mix(T_TENSOR);
  mixName(t.dtype);
  mix(t.shape.length);
  // As numbers, not 32-bit words: a dimension of 2^32 must not key like 0.
  for (let i = 0; i < t.shape.length; i++) mixNumber(t.shape[i]);
  const data = t.data;
  const big = data.byteLength >= MEMO_BYTES;
  if (big) {
    const memo = dataHashes.get(data);
    if (memo) {
      mix(memo[0]);
      mix(memo[1]);
      return;
    }
  }
  // The data's own hash, in its own state, then mixed in (so it can be memoised).
  const s1 = H1;
  const s2 = H2;
  start(data.byteLength);
  if (big) mixBytes(data);
  else mixElements(data);
  finish();
  const d1 = H1;
  const d2 = H2;
  if (big) dataHashes.set(data, Int32Array.of(d1, d2));
  H1 = s1;
  H2 = s2;
  mix(d1);
  mix(d2);
}

/** Mixes the bytes of `data` as 32-bit words (then the bytes left over), through views of
 *  its buffer. */
function mixBytes(data: Tensor['data']): void {
  const words = data.byteLength >>> 2;
  const u32 = new Uint32Array(data.buffer, data.byteOffset, words);
  for (let i = 0; i < words; i++) mix(u32[i]);
  if (data.byteLength & 3) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let i = words * 4; i < data.byteLength; i++) mix(bytes[i]);
  }
}

const f32 = new Float32Array(1);
const f32Word = new Uint32Array(f32.buffer);

/** Mixes the same words as `mixBytes` (NaN payloads aside), element by element: reading
 *  `.buffer` of a small typed array moves its data out of the JavaScript heap into a buffer
 *  of its own, which costs more than the hash, and a file has a literal on every line. */
function mixElements(data: Tensor['data']): void {
  const n = data.length;
  if (data instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      f64[0] = data[i];
      mix(f64Words[0]);
      mix(f64Words[1]);
    }
  } else if (data instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      f32[0] = data[i];
      mix(f32Word[0]);
    }
  } else if (data instanceof Int32Array) {
    for (let i = 0; i < n; i++) mix(data[i]);
  } else {
    // One byte per element (bool): little-endian words, then the bytes left over.
    const words = n >>> 2;
    for (let w = 0; w < words; w++) {
      const i = w * 4;
      mix(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    }
    for (let i = words * 4; i < n; i++) mix(data[i]);
  }
}

/** Sets a node's content key (its lanes), keying its inputs first; `feeds` are the values of
 *  placeholders. An unfed placeholder gets a key unique to it (nothing downstream has a value to reuse). */
export function keyNode(node: Node, feeds: ReadonlyMap<Node, Tensor>): void {
  if (node.keyed) return;
  // Usual case: the inputs were keyed when they were evaluated.
  let inputsKeyed = true;
  for (let i = 0; i < node.inputs.length; i++) if (!node.inputs[i].keyed) inputsKeyed = false;
  if (inputsKeyed) {
    computeKey(node, feeds);
    return;
  }
  // Iterative post-order: graphs can be deep.
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack[stack.length - 1];
    if (n.keyed) {
      stack.pop();
      continue;
    }
    let pending = false;
    const inputs = n.inputs;
    for (let i = 0; i < inputs.length; i++) {
      if (!inputs[i].keyed) {
        stack.push(inputs[i]);
        pending = true;
      }
    }
    if (pending) continue;
    stack.pop();
    computeKey(n, feeds);
  }
}

let uniqueCounter = 0;

// The last constant keyed: the literals of a file share their attributes (every `1.` the
// same object), and a constant's key depends on its attributes alone.
let lastConstAttrs: object | undefined;
let lastConstHash1 = 0;
let lastConstHash2 = 0;

/** Sets `n`'s key lanes; every input already has its key. */
function computeKey(n: Node, feeds: ReadonlyMap<Node, Tensor>): void {
  const op = n.op.name;
  const isConst = op === 'const' && n.inputs.length === 0;
  if (isConst && n.attrs === lastConstAttrs) {
    n.keyHash1 = lastConstHash1;
    n.keyHash2 = lastConstHash2;
    n.keyed = true;
    return;
  }
  start(0);
  mixName(op);
  if (op === 'placeholder') {
    const feed = feeds.get(n);
    if (feed) mixTensor(feed);
    else {
      // Unique: nothing downstream of an unfed placeholder has a value to reuse.
      mix(0x51ac3);
      mix(++uniqueCounter);
    }
  } else {
    // A seed (jacobian row, check direction) stands for "some value of this type": graphs
    // built on seeds of one type are the same function, so the attrs alone key it.
    mixAttr(n.attrs, feeds);
    const inputs = n.inputs;
    mix(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      mix(inputs[i].keyHash1);
      mix(inputs[i].keyHash2);
    }
  }
  finish();
  n.keyHash1 = H1;
  n.keyHash2 = H2;
  n.keyed = true;
  // Only a small one is remembered (a module variable holds it past its analysis).
  if (isConst && (constantOf(n)?.value.data.length ?? 0) <= 16) {
    lastConstAttrs = n.attrs;
    lastConstHash1 = H1;
    lastConstHash2 = H2;
  }
}

function mixAttr(v: unknown, feeds: ReadonlyMap<Node, Tensor>): void {
  if (v === null || v === undefined) return mix(T_NULL);
  switch (typeof v) {
    case 'number':
      return mixNumber(v);
    case 'boolean':
      return mix(v ? T_TRUE : T_FALSE);
    case 'string':
      return mixString(v);
    case 'bigint':
      // A Python int past 2^53 (a literal's exact value): its digits.
      mix(T_BIGINT);
      return mixString(v.toString(16));
    case 'object':
      break;
    default:
      // Functions and symbols have no content to key: unique.
      mix(0xf00d);
      mix(++uniqueCounter);
      return;
  }
  if (Array.isArray(v)) {
    mix(T_ARRAY);
    mix(v.length);
    for (let i = 0; i < v.length; i++) mixAttr(v[i], feeds);
    return;
  }
  if (isNode(v)) {
    // A node held as an attribute (a gradient's forward node): its key, computed first.
    const s1 = H1;
    const s2 = H2;
    keyNode(v, feeds);
    H1 = s1;
    H2 = s2;
    mix(T_NODE);
    mix(v.keyHash1);
    mix(v.keyHash2);
    return;
  }
  if (ArrayBuffer.isView((v as Tensor).data) && 'shape' in v && 'dtype' in v) return mixTensor(v as Tensor);
  const source = (v as { source?: unknown }).source;
  if (typeof source === 'string') {
    // A user function: its text (def and grad rule) decides what it computes.
    mix(T_FN);
    mixString(source);
    return;
  }
  // A plain object: entries combined in any order (as sorted keys would be), each hashed on
  // its own and summed.
  const s1 = H1;
  const s2 = H2;
  let sum1 = 0;
  let sum2 = 0;
  let count = 0;
  for (const k in v as Record<string, unknown>) {
    start(0x0b);
    mixName(k);
    mixAttr((v as Record<string, unknown>)[k], feeds);
    finish();
    sum1 = (sum1 + H1) | 0;
    sum2 = (sum2 + H2) | 0;
    count++;
  }
  H1 = s1;
  H2 = s2;
  mix(T_OBJECT);
  mix(count);
  mix(sum1);
  mix(sum2);
}
