// `load('relative/path.npy')`: a constant read from a NumPy .npy file (format versions 1.0,
// 2.0 and 3.0; little-endian float32, float64, int32, int64 and bool; C order).
//
// Reading files from a document is a door out of the sandbox, so it is shut unless the
// host opens it: the builder's context (../buildContext.ts, from the analysis's options)
// says which folder relative paths start from (the document's), which workspace roots they
// must stay inside (after resolving symlinks), how large a file may be, and whether loading
// is enabled at all.

import * as fs from 'fs';
import * as path from 'path';
import { type DType, type Tensor, INT64_EXACT_MAX, allocData } from '../tensor';
import { BuildError, tensorValue } from '../builder';
import type { LoadContext, PreloadedFile } from '../buildContext';
import type { Span } from '../syntax/ast';
import { defineOps } from './registry';
import { checkedSize } from './sources';

export { DEFAULT_MAX_LOAD_BYTES, type LoadContext, type PreloadedFile } from '../buildContext';

// ---- the .npy format -------------------------------------------------------------------

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The dtypes load() reads, by NumPy descr. */
const SUPPORTED: Record<string, { dtype: DType; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '|b1': { dtype: 'bool', bytes: 1 },
};

const SUPPORTED_TEXT = "float32 ('<f4'), float64 ('<f8'), int32 ('<i4'), int64 ('<i8') and bool ('|b1')";

/** NumPy names of the descrs people meet, for messages. */
const NUMPY_NAMES: Record<string, string> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  f16: 'float128',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
  c8: 'complex64',
  c16: 'complex128',
};

/** What the file needs to be converted to, for the "supported dtypes" message. */
function conversionHint(kindSize: string): string {
  const k = kindSize[0];
  if (k === 'f') return 'arr.astype(np.float32)';
  if (k === 'i' || k === 'u') return 'arr.astype(np.int64)';
  if (k === 'b') return 'arr.astype(bool)';
  return 'arr.astype(np.float32)';
}

export class NpyError extends Error {}

/** Parses the dict literal of a .npy header: `{'descr': '<f4', 'fortran_order': False,
 *  'shape': (3, 4), }`. Only the Python literal forms NumPy writes are accepted. */
function parseHeaderDict(text: string): Record<string, unknown> {
  let i = 0;
  const fail = (what: string): never => {
    throw new NpyError(`the header is not a valid .npy header (${what} at character ${i}: ${JSON.stringify(text.slice(0, 120))})`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('an unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      space();
      while (text[i] !== close) {
        items.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
        space();
      }
      i++;
      return items;
    }
    if (c === '{') {
      i++;
      const dict: Record<string, unknown> = {};
      space();
      while (text[i] !== '}') {
        const key = value();
        if (typeof key !== 'string') fail('a key that is not a string');
        space();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        dict[key as string] = value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
        space();
      }
      i++;
      return dict;
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!word) return fail('an unexpected character');
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace(/L$/, ''));
  };
  const result = value();
  space();
  if (i !== text.length) fail('trailing text');
  if (typeof result !== 'object' || result === null || Array.isArray(result)) fail('not a dict');
  return result as Record<string, unknown>;
}

/** Decodes a whole .npy file. Throws NpyError with a message fit for a diagnostic. */
/** Bytes as Latin-1 text (one character per byte), in Node and in browsers alike. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

export function parseNpy(bytes: Uint8Array): Tensor {
  if (bytes.length < 10 || MAGIC.some((m, k) => bytes[k] !== m)) {
    const zip = bytes[0] === 0x50 && bytes[1] === 0x4b;
    throw new NpyError(
      zip
        ? 'this is a .npz archive (a zip of arrays); load() reads one array saved with np.save'
        : "this is not a .npy file (it does not start with the magic string '\\x93NUMPY')",
    );
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('the file is truncated (it ends inside the header)');
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new NpyError(`.npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length)
    throw new NpyError(
      `the file is truncated (its header claims ${headerLength} bytes, the file has ${bytes.length - headerStart} after the preamble)`,
    );
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // Version 1 and 2 headers are latin-1; version 3 allows UTF-8. Only ASCII matters here.
  const header = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);
  const dict = parseHeaderDict(header.trim());
  const keys = Object.keys(dict).sort().join(', ');
  if (keys !== 'descr, fortran_order, shape')
    throw new NpyError(`the header must have the keys descr, fortran_order and shape, it has ${keys || 'none'}`);

  const descr = dict.descr;
  if (typeof descr !== 'string')
    throw new NpyError('structured dtypes (records with fields) are not supported; save a plain numeric array');
  const shapeValue = dict.shape;
  if (!Array.isArray(shapeValue) || shapeValue.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw new NpyError(`the header's shape ${JSON.stringify(shapeValue)} is not a tuple of sizes`);
  }
  const shape = shapeValue as number[];
  const spec = SUPPORTED[descr];
  if (!spec) {
    const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
    const kindSize = m ? m[2] + m[3] : '';
    const name = NUMPY_NAMES[kindSize];
    if (m && m[1] === '>' && name && SUPPORTED['<' + kindSize]) {
      throw new NpyError(`the data is big-endian ('${descr}'); load() reads little-endian data: save arr.astype('<${kindSize}')`);
    }
    const what = name ? `${m![1] === '>' ? 'big-endian ' : ''}${name} ('${descr}')` : `'${descr}'`;
    throw new NpyError(`dtype ${what} is not supported: load() reads ${SUPPORTED_TEXT}; convert with ${conversionHint(kindSize)}`);
  }
  if (dict.fortran_order !== false && dict.fortran_order !== true) throw new NpyError("the header's fortran_order must be True or False");
  // Fortran and C order are the same layout for rank 0 and 1.
  if (dict.fortran_order === true && shape.length > 1) {
    throw new NpyError('the array is in Fortran (column-major) order; load() reads C order: save np.ascontiguousarray(arr)');
  }
  let count = 1;
  for (const d of shape) count *= d;
  const needed = count * spec.bytes;
  if (bytes.length - dataStart < needed) {
    throw new NpyError(
      `the file is truncated: shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) of ${descr} needs ${needed} bytes of data, it has ${bytes.length - dataStart}`,
    );
  }
  return { dtype: spec.dtype, shape, data: decode(spec.dtype, view, dataStart, count) };
}

/** Reads `count` little-endian values (DataView: the data need not be aligned). */
function decode(dtype: DType, view: DataView, offset: number, count: number) {
  const data = allocData(dtype, count);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(offset + 8 * i, true);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + 4 * i, true);
      break;
    case 'int64':
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(offset + 8 * i, true);
        if (v > BigInt(INT64_EXACT_MAX) || v < -BigInt(INT64_EXACT_MAX)) {
          throw new NpyError(`element ${i} is ${v}, outside ±(2^53 - 1), where tgraph holds int64 exactly`);
        }
        data[i] = Number(v);
      }
      break;
    case 'bool':
      for (let i = 0; i < count; i++) data[i] = view.getUint8(offset + i) ? 1 : 0;
      break;
  }
  return data;
}

// ---- resolving and reading the file ----------------------------------------------------

function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

function realRoot(root: string): string | null {
  try {
    return fs.realpathSync(root);
  } catch {
    return null;
  }
}

/** The error of a load() the host has disabled, at `span`. */
function disabledError(span: Span, ctx: Readonly<LoadContext>): BuildError {
  const message = ctx.disabledReason
    ? `load() is disabled: ${ctx.disabledReason}`
    : 'load(): reading files is disabled here (e.g. an untrusted workspace)';
  return new BuildError(message, span, ctx.disabledCode ?? 'load-disabled');
}

/** The bytes of the file `relative` names, or a BuildError at `span` saying why not. */
export function readWorkspaceFile(relative: string, span: Span, ctx: Readonly<LoadContext>): Uint8Array {
  const refuse = (message: string, code = 'load-refused'): never => {
    throw new BuildError(`load(): ${message}`, span, code);
  };
  if (!ctx.enabled) throw disabledError(span, ctx);
  if (ctx.baseDir === null)
    refuse(`load() needs a file on disk: this document has no folder to resolve '${relative}' from (save it first)`, 'load-disabled');
  if (relative === '') refuse('the path is empty');
  if (relative.includes('\0')) refuse('the path contains a NUL character');
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    refuse(`'${relative}' is an absolute path; give a path relative to this file's folder`);
  }
  const baseDir = ctx.baseDir as string;
  const target = path.resolve(baseDir, relative);
  const lexicalRoots = ctx.workspaceRoots.length ? ctx.workspaceRoots.map((r) => path.resolve(r)) : [path.resolve(baseDir)];
  if (ctx.preloaded) return preloadedFile(ctx.preloaded, relative, target, lexicalRoots, ctx.maxBytes, refuse);
  const roots = (ctx.workspaceRoots.length ? ctx.workspaceRoots : [baseDir]).map(realRoot).filter((r): r is string => r !== null);
  const outside = () =>
    refuse(
      `'${relative}' is outside the workspace; load() reads files inside ${roots.length === 1 ? roots[0] : 'the workspace folders'}`,
      'load-outside',
    );
  // The lexical check first, so that a path leaving the workspace is refused before the
  // file system is asked anything about it.
  if (!lexicalRoots.some((r) => isInside(target, r)) && !roots.some((r) => isInside(target, r))) outside();
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return refuse(`no such file: '${relative}' (looked for ${target})`, 'load-missing');
  }
  // Symlinks resolved: the file itself must be inside a root.
  if (!roots.some((r) => isInside(real, r))) outside();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch {
    return refuse(`cannot read '${relative}'`, 'load-missing');
  }
  if (stat.isDirectory()) refuse(`'${relative}' is a directory, not a .npy file`, 'load-not-file');
  if (!stat.isFile()) refuse(`'${relative}' is not a regular file`, 'load-not-file');
  if (stat.size > ctx.maxBytes) {
    refuse(
      `'${relative}' is ${stat.size} bytes, over the limit of ${ctx.maxBytes} bytes (${(ctx.maxBytes / 1048576).toFixed(0)} MiB)`,
      'load-too-large',
    );
  }
  try {
    const bytes = fs.readFileSync(real);
    if (bytes.length > ctx.maxBytes) refuse(`'${relative}' is over the limit of ${ctx.maxBytes} bytes`, 'load-too-large');
    return bytes;
  } catch (e) {
    if (e instanceof BuildError) throw e;
    return refuse(`cannot read '${relative}': ${(e as Error).message}`, 'load-missing');
  }
}

/** load() from the files the host read: the path stays inside the roots as written (the
 *  host, which resolved links, refused what it would not read). */
function preloadedFile(
  files: Record<string, PreloadedFile>,
  relative: string,
  target: string,
  roots: readonly string[],
  maxBytes: number,
  refuse: (message: string, code?: string) => never,
): Uint8Array {
  if (!roots.some((r) => isInside(target, r)))
    refuse(
      `'${relative}' is outside the workspace; load() reads files inside ${roots.length === 1 ? roots[0] : 'the workspace folders'}`,
      'load-outside',
    );
  const file = Object.prototype.hasOwnProperty.call(files, target) ? files[target] : undefined;
  if (!file) return refuse(`no such file: '${relative}' (looked for ${target})`, 'load-missing');
  if ('refused' in file) return refuse(file.refused, file.code);
  if (file.bytes.length > maxBytes)
    refuse(
      `'${relative}' is ${file.bytes.length} bytes, over the limit of ${maxBytes} bytes (${(maxBytes / 1048576).toFixed(0)} MiB)`,
      'load-too-large',
    );
  return file.bytes;
}

defineOps([
  {
    name: 'load',
    doc: "A constant read from a NumPy .npy file (path relative to this file's folder, inside the workspace; little-endian float32/float64/int32/int64/bool, C order).",
    params: [
      { name: 'file', kind: 'string', aliases: ['path', 'filename'] },
      { name: 'dtype', kind: 'dtype', default: null },
    ],
    build: (b, args) => {
      const file = args.string('file');
      const span = args.span('file');
      // Disabled is about the call, not its path: the whole call is marked.
      const load = b.context.load;
      if (!load.enabled) throw disabledError(args.callSpan, load);
      const bytes = readWorkspaceFile(file, span, load);
      let tensor: Tensor;
      try {
        tensor = parseNpy(bytes);
      } catch (e) {
        if (e instanceof NpyError) throw new BuildError(`load('${file}'): ${e.message}`, span, 'load-format');
        throw e;
      }
      checkedSize(b, tensor.shape, span, `load('${file}')`);
      const node = b.constant(tensor, args.callSpan);
      const dtype = args.optionalDType('dtype');
      return tensorValue(dtype && dtype !== tensor.dtype ? b.apply('cast', [node], { dtype }, args.callSpan) : node);
    },
  },
]);
