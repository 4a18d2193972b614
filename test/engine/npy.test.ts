// load('path.npy'): the .npy reader (versions 1.0/2.0/3.0, every supported dtype) and the
// file-access rules (relative to the document's folder, inside the workspace, symlinks
// resolved, regular files under a size limit). Files are written by a small .npy writer
// below into a temporary workspace; test/fixtures/npy holds files written by real NumPy
// (see make_fixtures.py there) to check the reader against NumPy's own output.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, type Analysis, type AnalysisOptions } from '../../engine/analysis';
import type { Tensor } from '../../engine/tensor';
import { type LoadContext, parseNpy } from '../../engine/ops/npy';
import { jacobianOf } from '../../engine/explain/elements';

// ---- a tiny .npy writer (NumPy's layout: magic, version, header length, dict, padding) ----

interface NpyOptions {
  descr: string;
  shape: number[];
  fortran?: boolean;
  version?: 1 | 2 | 3;
  /** The raw data bytes (already in the descr's byte order). */
  data: Uint8Array;
  /** Replaces the header dict text entirely. */
  header?: string;
}

function npy(o: NpyOptions): Buffer {
  const version = o.version ?? 1;
  const shape = o.shape.length === 1 ? `(${o.shape[0]},)` : `(${o.shape.join(', ')})`;
  const dict = o.header ?? `{'descr': '${o.descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const preamble = version === 1 ? 10 : 12;
  // NumPy pads with spaces and ends with a newline so that the data starts 64-aligned.
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - preamble - dict.length - 1) + '\n';
  const out = Buffer.alloc(total + o.data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  out.write(header, preamble, 'latin1');
  out.set(o.data, total);
  return out;
}

const bytesOf = (a: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function bigEndianF4(values: number[]): Uint8Array {
  const buf = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => buf.writeFloatBE(v, 4 * i));
  return buf;
}

// ---- a temporary workspace ----------------------------------------------------------------

let tmp: string;
let root: string; // the workspace root
let docs: string; // the analysed document's folder, inside root
let outside: string; // a sibling of root

function write(file: string, content: Buffer | Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-npy-')));
  root = path.join(tmp, 'workspace');
  docs = path.join(root, 'docs');
  outside = path.join(tmp, 'outside');
  const f4 = npy({ descr: '<f4', shape: [2, 3], data: bytesOf(new Float32Array([1.5, -2, 3.25, 0.1, 1e-30, 65504])) });
  write(path.join(docs, 'f4.npy'), f4);
  write(path.join(docs, 'data', 'f8.npy'), npy({ descr: '<f8', shape: [3], data: bytesOf(new Float64Array([0.1, -1e300, Math.PI])) }));
  write(path.join(docs, 'i4.npy'), npy({ descr: '<i4', shape: [2, 2], data: bytesOf(new Int32Array([1, -2, 2147483647, -2147483648])) }));
  write(path.join(docs, 'b1.npy'), npy({ descr: '|b1', shape: [4], data: new Uint8Array([1, 0, 0, 1]) }));
  write(path.join(docs, 'scalar.npy'), npy({ descr: '<f8', shape: [], data: bytesOf(new Float64Array([2.5])) }));
  write(path.join(docs, 'empty.npy'), npy({ descr: '<f4', shape: [0], data: new Uint8Array(0) }));
  write(path.join(docs, 'v2.npy'), npy({ descr: '<f4', shape: [2], version: 2, data: bytesOf(new Float32Array([7, 8])) }));
  write(path.join(docs, 'v3.npy'), npy({ descr: '<i4', shape: [1, 2], version: 3, data: bytesOf(new Int32Array([5, 6])) }));
  write(path.join(docs, 'fortran_vec.npy'), npy({ descr: '<f4', shape: [2], fortran: true, data: bytesOf(new Float32Array([1, 2])) }));
  write(path.join(docs, 'fortran.npy'), npy({ descr: '<f4', shape: [2, 2], fortran: true, data: bytesOf(new Float32Array([1, 2, 3, 4])) }));
  write(
    path.join(docs, 'i8.npy'),
    npy({ descr: '<i8', shape: [3], data: bytesOf(new BigInt64Array([-(2n ** 53n - 1n), 7n, 2n ** 53n - 1n])) }),
  );
  write(path.join(docs, 'i8_big.npy'), npy({ descr: '<i8', shape: [2], data: bytesOf(new BigInt64Array([1n, 2n ** 60n + 1n])) }));
  write(path.join(docs, 'u1.npy'), npy({ descr: '|u1', shape: [1], data: new Uint8Array(1) }));
  write(path.join(docs, 'i2.npy'), npy({ descr: '<i2', shape: [1], data: new Uint8Array(2) }));
  write(path.join(docs, 'be.npy'), npy({ descr: '>f4', shape: [2], data: bigEndianF4([1, 2]) }));
  write(path.join(docs, 'bad_magic.npy'), Buffer.from('just some text, not an array\n'));
  write(path.join(docs, 'truncated.npy'), npy({ descr: '<f4', shape: [4], data: bytesOf(new Float32Array([1, 2])) }));
  write(path.join(docs, 'big.npy'), npy({ descr: '<f8', shape: [64], data: bytesOf(new Float64Array(64)) }));
  fs.mkdirSync(path.join(docs, 'folder.npy'));
  write(path.join(root, 'top.npy'), npy({ descr: '<f4', shape: [1], data: bytesOf(new Float32Array([42])) }));
  write(path.join(outside, 'secret.npy'), npy({ descr: '<f4', shape: [1], data: bytesOf(new Float32Array([13])) }));
  fs.symlinkSync(path.join(outside, 'secret.npy'), path.join(docs, 'link_out.npy'));
  fs.symlinkSync(path.join(docs, 'f4.npy'), path.join(docs, 'link_in.npy'));
  fs.symlinkSync(outside, path.join(docs, 'linked_dir'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Where load() reads from in the analyses below (analyze's `load` option; none: an
 *  unsaved document). */
let load: Partial<LoadContext> | undefined;

function useWorkspace(extra: Partial<LoadContext> = {}): void {
  load = { baseDir: docs, workspaceRoots: [root], maxBytes: 64 * 1024 * 1024, enabled: true, ...extra };
}

function analyzeHere(src: string, options: AnalysisOptions = {}): Analysis {
  return analyze(src, { ...options, load });
}

afterEach(() => {
  load = undefined;
});

function value(a: Analysis, name: string): Tensor {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`${name} is not a tensor: ${a.diagnostics.map((d) => d.message).join('; ')}`);
  const t = a.valueOf(b.value.node);
  if (!t) throw new Error(`${name} has no value`);
  return t;
}

const arr = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

function loadOk(expr: string): Tensor {
  const src = `x = ${expr}`;
  const a = analyzeHere(src);
  expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return value(a, 'x');
}

/** The single error of analysing `x = load(<literal>)`: [text at its span, message, code]. */
function loadError(literal: string): [string, string, string] {
  const src = `x = load(${literal})`;
  const a = analyzeHere(src);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, src).toHaveLength(1);
  const d = errors[0];
  return [src.slice(d.span.start, d.span.end), d.message, d.code];
}

describe('load(): reading .npy files', () => {
  it('reads float32 (v1 header), keeping the dtype and shape', () => {
    useWorkspace();
    const t = loadOk("load('f4.npy')");
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(arr(t)).toEqual(Array.from(new Float32Array([1.5, -2, 3.25, 0.1, 1e-30, 65504])));
  });

  it('reads float64 exactly, from a subfolder', () => {
    useWorkspace();
    const t = loadOk("load('data/f8.npy')");
    expect(t.dtype).toBe('float64');
    expect(arr(t)).toEqual([0.1, -1e300, Math.PI]);
  });

  it('reads int32 and bool', () => {
    useWorkspace();
    const i = loadOk("load('i4.npy')");
    expect(i.dtype).toBe('int32');
    expect(i.shape).toEqual([2, 2]);
    expect(arr(i)).toEqual([1, -2, 2147483647, -2147483648]);
    const b = loadOk("load('b1.npy')");
    expect(b.dtype).toBe('bool');
    expect(arr(b)).toEqual([1, 0, 0, 1]);
  });

  it('reads int64 exactly within ±(2^53 - 1)', () => {
    useWorkspace();
    const t = loadOk("load('i8.npy')");
    expect(t.dtype).toBe('int64');
    expect(arr(t)).toEqual([-(2 ** 53 - 1), 7, 2 ** 53 - 1]);
  });

  it('reads shape () and (0,)', () => {
    useWorkspace();
    const s = loadOk("load('scalar.npy')");
    expect(s.shape).toEqual([]);
    expect(arr(s)).toEqual([2.5]);
    const e = loadOk("load('empty.npy')");
    expect(e.shape).toEqual([0]);
    expect(e.data.length).toBe(0);
  });

  it('reads version 2.0 and 3.0 headers (4-byte header length)', () => {
    useWorkspace();
    expect(arr(loadOk("load('v2.npy')"))).toEqual([7, 8]);
    const v3 = loadOk("load('v3.npy')");
    expect(v3.shape).toEqual([1, 2]);
    expect(arr(v3)).toEqual([5, 6]);
  });

  it('accepts fortran_order True for rank 1 (the same layout as C order)', () => {
    useWorkspace();
    expect(arr(loadOk("load('fortran_vec.npy')"))).toEqual([1, 2]);
  });

  it('follows a symlink that stays inside the workspace, and `..` that stays inside', () => {
    useWorkspace();
    expect(arr(loadOk("load('link_in.npy')")).slice(0, 2)).toEqual([1.5, -2]);
    expect(arr(loadOk("load('../top.npy')"))).toEqual([42]);
    expect(arr(loadOk("load('data/../f4.npy')")).length).toBe(6);
  });

  it('feeds a placeholder (converted to its dtype) and works in expressions', () => {
    useWorkspace();
    const a = analyzeHere(
      [
        'x = placeholder(float32, [None, 3])',
        "feed x = load('f4.npy')",
        'p = placeholder(float32, [3])',
        "feed p = load('data/f8.npy')",
        "y = 2 * load('f4.npy')",
        "c = load('i4.npy', dtype=float32)",
      ].join('\n'),
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(value(a, 'x').shape).toEqual([2, 3]);
    expect(value(a, 'p').dtype).toBe('float32');
    expect(arr(value(a, 'p'))).toEqual(Array.from(new Float32Array([0.1, -1e300, Math.PI])));
    expect(arr(value(a, 'y')).slice(0, 3)).toEqual([3, -4, 6.5]);
    expect(value(a, 'c').dtype).toBe('float32');
    expect(arr(value(a, 'c'))).toEqual([1, -2, 2147483648, -2147483648]);
  });

  it('with no workspace roots, the document folder is the root', () => {
    load = { baseDir: docs, workspaceRoots: [] };
    expect(arr(loadOk("load('i4.npy')")).length).toBe(4);
    expect(loadError("'../top.npy'")[1]).toMatch(/outside the workspace/);
  });
});

describe('load(): refusals, each an error at the path argument', () => {
  const cases: [string, string, RegExp, string][] = [
    ["'../../outside/secret.npy'", 'a path out of the workspace', /is outside the workspace/, 'load-outside'],
    ["'../../../../../../../../etc/passwd'", 'many ../', /is outside the workspace/, 'load-outside'],
    ["'link_out.npy'", 'a symlink to a file outside', /is outside the workspace/, 'load-outside'],
    ["'linked_dir/secret.npy'", 'a path through a symlinked folder outside', /is outside the workspace/, 'load-outside'],
    ["'folder.npy'", 'a directory', /is a directory/, 'load-not-file'],
    ["'missing.npy'", 'a missing file', /no such file: 'missing.npy'/, 'load-missing'],
    ["''", 'an empty path', /the path is empty/, 'load-refused'],
    ["'bad_magic.npy'", 'a file that is not .npy', /not a \.npy file/, 'load-format'],
    ["'truncated.npy'", 'truncated data', /truncated: shape \(4,\) of <f4 needs 16 bytes of data, it has 8/, 'load-format'],
    [
      "'i8_big.npy'",
      'int64 beyond 2^53',
      /element 1 is 1152921504606846977, outside ±\(2\^53 - 1\), where tgraph holds int64 exactly/,
      'load-format',
    ],
    ["'u1.npy'", 'uint8', /dtype uint8 \('\|u1'\) is not supported/, 'load-format'],
    [
      "'i2.npy'",
      'int16',
      /dtype int16 \('<i2'\) is not supported: load\(\) reads float32 \('<f4'\), float64 \('<f8'\), int32 \('<i4'\), int64 \('<i8'\) and bool \('\|b1'\); convert with arr\.astype\(np\.int64\)/,
      'load-format',
    ],
    ["'be.npy'", 'big-endian float32', /big-endian \('>f4'\).*little-endian.*astype\('<f4'\)/, 'load-format'],
    ["'fortran.npy'", 'Fortran order', /Fortran \(column-major\) order; load\(\) reads C order/, 'load-format'],
  ];
  for (const [literal, what, message, code] of cases) {
    it(what, () => {
      useWorkspace();
      const [at, msg, c] = loadError(literal);
      expect(at).toBe(literal);
      expect(msg).toMatch(message);
      expect(c).toBe(code);
    });
  }

  it('an absolute path, even inside the workspace', () => {
    useWorkspace();
    const inside = JSON.stringify(path.join(docs, 'f4.npy'));
    const [at, msg, code] = loadError(inside);
    expect(at).toBe(inside);
    expect(msg).toMatch(/is an absolute path; give a path relative to this file's folder/);
    expect(code).toBe('load-refused');
    expect(loadError("'/etc/passwd'")[1]).toMatch(/absolute path/);
    expect(loadError("'C:\\\\data\\\\x.npy'")[1]).toMatch(/absolute path/);
  });

  it('a file over maxBytes', () => {
    useWorkspace({ maxBytes: 300 });
    const [at, msg, code] = loadError("'big.npy'");
    expect(at).toBe("'big.npy'");
    expect(msg).toMatch(/'big.npy' is 640 bytes, over the limit of 300 bytes/);
    expect(code).toBe('load-too-large');
    // Smaller files still load under the same limit.
    expect(arr(loadOk("load('v2.npy')"))).toEqual([7, 8]);
  });

  it('a tensor over the element budget', () => {
    useWorkspace();
    const a = analyzeHere("x = load('big.npy')", { maxElements: 10 });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/budget/);
  });

  it('no document folder (an unsaved document): load() needs a file on disk', () => {
    // analyze() without a `load` option has the default context.
    expect(load).toBe(undefined);
    const [at, msg, code] = loadError("'f4.npy'");
    expect(at).toBe("'f4.npy'");
    expect(msg).toMatch(/load\(\) needs a file on disk/);
    expect(code).toBe('load-disabled');
  });

  it('loading disabled by the host', () => {
    useWorkspace({ enabled: false });
    expect(loadError("'f4.npy'")[1]).toMatch(/reading files is disabled/);
  });

  it('a path that is not a string', () => {
    useWorkspace();
    const [at, msg] = loadError('3');
    expect(at).toBe('3');
    expect(msg).toMatch(/must be a string/);
  });
});

describe("load() from files the host read (a browser: through the editor's file system)", () => {
  // Paths of a workspace that is not on this disk: nothing may be read from the file system.
  const base = { baseDir: '/web/project/graphs', workspaceRoots: ['/web/project'], maxBytes: 1024, enabled: true };
  const weights = npy({ descr: '<f4', shape: [2], data: bytesOf(new Float32Array([1.5, -2])) });

  it('reads the bytes the host handed over, by resolved path', () => {
    load = { ...base, preloaded: { '/web/project/data/w.npy': { bytes: new Uint8Array(weights) } } };
    expect(arr(loadOk("load('../data/w.npy')"))).toEqual([1.5, -2]);
  });

  it('keeps every refusal of the path: absolute, outside the workspace, missing, too large, refused by the host', () => {
    load = {
      ...base,
      preloaded: {
        '/web/project/big.npy': { bytes: new Uint8Array(2048) },
        '/web/project/link.npy': { refused: "'link.npy' is a symbolic link", code: 'load-refused' },
      },
    };
    expect(loadError("'/web/project/data/w.npy'")[1]).toMatch(/absolute path/);
    expect(loadError("'../../elsewhere/w.npy'")[2]).toBe('load-outside');
    expect(loadError("'w.npy'")).toEqual([
      "'w.npy'",
      "load(): no such file: 'w.npy' (looked for /web/project/graphs/w.npy)",
      'load-missing',
    ]);
    expect(loadError("'../big.npy'")[2]).toBe('load-too-large');
    expect(loadError("'../link.npy'").slice(1)).toEqual(["load(): 'link.npy' is a symbolic link", 'load-refused']);
  });

  it('is still disabled where the host disables it', () => {
    load = {
      ...base,
      enabled: false,
      disabledReason: 'not trusted',
      disabledCode: 'load-untrusted',
      preloaded: { '/web/project/data/w.npy': { bytes: new Uint8Array(weights) } },
    };
    const src = "x = load('../data/w.npy')";
    expect(analyzeHere(src).diagnostics.map((d) => d.code)).toEqual(['load-untrusted']);
  });
});

describe('parseNpy: malformed headers are errors, never crashes', () => {
  const f4 = bytesOf(new Float32Array([1, 2]));
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array([0x93, 0x4e]), /not a \.npy file/],
    ['a .npz archive', Buffer.from('PK\u0003\u0004rest of a zip'), /\.npz archive/],
    [
      'version 4.0',
      (() => {
        const b = npy({ descr: '<f4', shape: [2], data: f4 });
        b[6] = 4;
        return b;
      })(),
      /version 4\.0 is not supported/,
    ],
    [
      'a header longer than the file',
      (() => {
        const b = npy({ descr: '<f4', shape: [2], data: f4 });
        b.writeUInt16LE(60000, 8);
        return b;
      })(),
      /truncated/,
    ],
    [
      'missing keys',
      npy({ descr: '', shape: [], header: "{'descr': '<f4', 'shape': (2,), }", data: f4 }),
      /keys descr, fortran_order and shape/,
    ],
    [
      'extra keys',
      npy({ descr: '', shape: [], header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }", data: f4 }),
      /keys/,
    ],
    [
      'a structured dtype',
      npy({ descr: '', shape: [], header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", data: f4 }),
      /structured dtypes/,
    ],
    [
      'a negative size',
      npy({ descr: '', shape: [], header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", data: f4 }),
      /not a tuple of sizes/,
    ],
    ['not a dict', npy({ descr: '', shape: [], header: "['descr']", data: f4 }), /not a dict/],
    ['an unterminated string', npy({ descr: '', shape: [], header: "{'descr: '<f4", data: f4 }), /not a valid \.npy header/],
    ['garbage', npy({ descr: '', shape: [], header: '{descr: <f4}', data: f4 }), /not a valid \.npy header/],
    [
      'fortran_order not a bool',
      npy({ descr: '', shape: [], header: "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", data: f4 }),
      /fortran_order must be True or False/,
    ],
    ['a unicode dtype', npy({ descr: '<U3', shape: [2], data: f4 }), /dtype '<U3' is not supported/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      expect(() => parseNpy(bytes)).toThrow(message);
    });
  }

  it('reads Python 2 long sizes (3L) and double-quoted keys', () => {
    const t = parseNpy(npy({ descr: '', shape: [], header: '{"descr": "<f4", "fortran_order": False, "shape": (2L,)}', data: f4 }));
    expect(t.shape).toEqual([2]);
    expect(arr(t)).toEqual([1, 2]);
  });

  it('reads data at an unaligned offset (a Buffer slice of a larger pool)', () => {
    const file = npy({ descr: '<f8', shape: [2], data: bytesOf(new Float64Array([1.25, -3])) });
    const pool = Buffer.alloc(file.length + 3);
    file.copy(pool, 3);
    expect(arr(parseNpy(pool.subarray(3)))).toEqual([1.25, -3]);
  });
});

describe('files written by NumPy (test/fixtures/npy, see make_fixtures.py)', () => {
  const fixtures = path.join(__dirname, '..', 'fixtures', 'npy');
  const use = () => {
    load = { baseDir: fixtures, workspaceRoots: [fixtures] };
  };

  it('reads every supported dtype, shape and header version as NumPy wrote it', () => {
    use();
    const a = analyzeHere(
      [
        "f4 = load('f4_2x3.npy')",
        "f8 = load('f8_vec.npy')",
        "i4 = load('i4_2x2.npy')",
        "b1 = load('b1_vec.npy')",
        "sc = load('f8_scalar.npy')",
        "em = load('f4_empty.npy')",
        "e2 = load('f4_0x3.npy')",
        "v2 = load('f4_v2.npy')",
        "v3 = load('i4_v3.npy')",
        "i8 = load('i8_vec.npy')",
      ].join('\n'),
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(value(a, 'f4').shape).toEqual([2, 3]);
    expect(arr(value(a, 'f4'))).toEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
    const f8 = arr(value(a, 'f8'));
    expect(value(a, 'f8').dtype).toBe('float64');
    expect(f8.slice(0, 5)).toEqual([0.1, -2, 1e300, Infinity, -Infinity]);
    expect(f8[5]).toBeNaN();
    expect(arr(value(a, 'i4'))).toEqual([1, -2, 2147483647, -2147483648]);
    expect(value(a, 'b1').dtype).toBe('bool');
    expect(arr(value(a, 'b1'))).toEqual([1, 0, 1]);
    expect(value(a, 'sc').shape).toEqual([]);
    expect(arr(value(a, 'sc'))).toEqual([3.25]);
    expect(value(a, 'em').shape).toEqual([0]);
    expect(value(a, 'e2').shape).toEqual([0, 3]);
    expect(arr(value(a, 'v2'))).toEqual([0, 1, 2, 3]);
    expect(value(a, 'v3').dtype).toBe('int32');
    expect(arr(value(a, 'v3'))).toEqual([0, 1, 2]);
    expect(value(a, 'i8').dtype).toBe('int64');
    expect(arr(value(a, 'i8'))).toEqual([0, 1, 2]);
  });

  it('refuses what NumPy wrote in unsupported forms', () => {
    use();
    const cases: [string, RegExp][] = [
      ["'fortran_2x3.npy'", /Fortran/],
      ["'big_endian_f4.npy'", /big-endian/],
      ["'u1_vec.npy'", /uint8/],
      ["'i2_vec.npy'", /int16/],
      ["'archive.npz'", /\.npz archive/],
    ];
    for (const [literal, message] of cases) expect(loadError(literal)[1], literal).toMatch(message);
  });
});

// Where load() reads from is the analysis's own (the builder's context), not the process's:
// a language server analyses many documents, from different folders and trust, in one process.
describe('each analysis reads through its own load context', () => {
  let other: string; // a second workspace, whose f4.npy holds other numbers

  beforeAll(() => {
    other = path.join(tmp, 'other-workspace');
    write(path.join(other, 'f4.npy'), npy({ descr: '<f4', shape: [2], data: bytesOf(new Float32Array([42, 43])) }));
  });

  it('an analysis started while another is building reads its own folder, and leaves the first its own', () => {
    useWorkspace();
    let inner: Analysis | undefined;
    let disabled: Analysis | undefined;
    const outer = analyzeHere("first = 1.\nx = load('f4.npy')\n", {
      progress: (phase) => {
        if (phase !== 'building' || inner) return;
        inner = analyze("y = load('f4.npy')\n", { load: { baseDir: other, workspaceRoots: [other] } });
        disabled = analyze("z = load('f4.npy')\n", { load: { baseDir: docs, workspaceRoots: [root], enabled: false } });
      },
    });
    expect(outer.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(arr(value(outer, 'x'))).toEqual(Array.from(new Float32Array([1.5, -2, 3.25, 0.1, 1e-30, 65504])));
    expect(arr(value(inner!, 'y'))).toEqual([42, 43]);
    expect(disabled!.diagnostics.map((d) => d.code)).toEqual(['load-disabled']);
  });

  it("the explainer rebuilds a gradient whose grad rule loads with the document's context", () => {
    useWorkspace();
    const a = analyzeHere(
      [
        'def f(v) = v * 2.',
        "grad f(v, dy) = dy * load('v2.npy')",
        'p = placeholder(float32, [2])',
        'feed p = [1., 2.]',
        'y = f(p)',
        'g = gradients(y, p)',
        '',
      ].join('\n'),
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const site = a.gradientSites[a.gradientSites.length - 1];
    expect(site.context.load.baseDir).toBe(docs);
    const picture = jacobianOf(a, site, 0);
    expect(picture).not.toBeNull();
    // The rule says ∂y/∂p = diag([7, 8]) (v2.npy), whatever f computes.
    expect(Array.from(picture!.values)).toEqual([7, 0, 0, 8]);
  });
});
