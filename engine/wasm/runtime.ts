// The WebAssembly kernels (engine/wasm/assembly/, compiled by scripts/build-wasm.mjs and
// embedded as base64): loading, the switch between them and the JS kernels, and the layout
// of their linear memory.
//
// Every kernel with a WebAssembly path keeps its TypeScript kernel as the reference and the
// fallback: the glue (engine/wasm/*.ts) returns null when the module cannot run here (no
// WebAssembly, or no 128-bit SIMD), when the JS kernels were chosen (`setKernelBackend`),
// or for data it does not cover (integer dtypes), and the op's kernel then runs its own loop.
//
// Two builds of the module: with relaxed SIMD (the gemm's fused multiply-add) where the
// runtime validates it (browsers since 2023, Node 22; Node 20 once the flag is set, see
// nodeFeatures.ts), else plain 128-bit SIMD.
//
// Memory: the kernels allocate nothing. A call copies its operands into the module's memory
// (a memcpy per operand), lays out its scratch after them and copies the result out; the
// same memory serves every call, growing to the largest call's need. An instance whose
// memory grew past RETAIN_BYTES is dropped after its call (WebAssembly memory cannot
// shrink), so one huge evaluation does not pin its memory for the life of a language server.

import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.generated';
import type { TypedData } from '../tensor';
import type { KernelContext } from '../ops/registry';
import { EvaluationError } from '../evaluate';
import { raiseHint } from '../budgets';

type Ptr = number;

/** What the engine uses of the WebAssembly API (the project compiles without the DOM's types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The module's exports (engine/wasm/assembly/index.ts). Sizes are in elements, addresses in bytes. */
export interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  gemmScratchF32(n: number): number;
  gemmScratchF64(n: number): number;
  gemmF32(
    a: Ptr,
    ars: number,
    acs: number,
    b: Ptr,
    brs: number,
    bcs: number,
    c: Ptr,
    ldc: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
    scratch: Ptr,
  ): void;
  gemmF64(
    a: Ptr,
    ars: number,
    acs: number,
    b: Ptr,
    brs: number,
    bcs: number,
    c: Ptr,
    ldc: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
    scratch: Ptr,
  ): void;
  im2colF32(x: Ptr, geometry: Ptr, p0: number, rows: number, patch: Ptr): void;
  im2colF64(x: Ptr, geometry: Ptr, p0: number, rows: number, patch: Ptr): void;
  col2imAddF32(cols: Ptr, geometry: Ptr, p0: number, rows: number, acc: Ptr): void;
  col2imAddF64(cols: Ptr, geometry: Ptr, p0: number, rows: number, acc: Ptr): void;
  unaryF32(fn: number, src: Ptr, dst: Ptr, n: number): void;
  softmaxRowsF32(src: Ptr, dst: Ptr, rows: number, n: number, log: number): void;
  softmaxGradRowsF32(y: Ptr, dy: Ptr, dst: Ptr, rows: number, n: number, log: number): void;
  softmaxGradRowsF64(y: Ptr, dy: Ptr, dst: Ptr, rows: number, n: number): void;
  mapF32(fn: number, src: Ptr, dst: Ptr, n: number): void;
  mapF64(fn: number, src: Ptr, dst: Ptr, n: number): void;
  addNF32(src: Ptr, stride: number, count: number, dst: Ptr, n: number): void;
  addNF64(src: Ptr, stride: number, count: number, dst: Ptr, n: number): void;
  sumRowsF32(src: Ptr, rows: number, cols: number, dst: Ptr): void;
  sumRowsF64(src: Ptr, rows: number, cols: number, dst: Ptr): void;
  sumColumnsF32(src: Ptr, rows: number, cols: number, dst: Ptr): void;
  sumColumnsF64(src: Ptr, rows: number, cols: number, dst: Ptr): void;
  compareF32(op: number, a: Ptr, aMode: number, b: Ptr, bMode: number, d: Ptr, rows: number, cols: number): void;
  compareF64(op: number, a: Ptr, aMode: number, b: Ptr, bMode: number, d: Ptr, rows: number, cols: number): void;
  selectF32(cond: Ptr, x: Ptr, y: Ptr, d: Ptr, n: number): void;
  selectF64(cond: Ptr, x: Ptr, y: Ptr, d: Ptr, n: number): void;
  binaryF32(op: number, a: Ptr, aMode: number, b: Ptr, bMode: number, d: Ptr, rows: number, cols: number): void;
  binaryF64(op: number, a: Ptr, aMode: number, b: Ptr, bMode: number, d: Ptr, rows: number, cols: number): void;
}

export type KernelBackend = 'wasm' | 'js';
/** Which build of the module runs: with relaxed SIMD or plain 128-bit SIMD. */
export type KernelVariant = 'relaxed-simd' | 'simd';

const PAGE = 65536;
const RETAIN_BYTES = 64 * 2 ** 20;

let chosen: KernelBackend = 'wasm';
let relaxedAllowed = true;
/** undefined: not tried yet; null: this runtime cannot run the module. */
let compiled: { module: object; variant: KernelVariant } | null | undefined;
let current: WasmKernels | null = null;

/** Chooses the kernels (tests run both; the bench measures both). The JS kernels are the
 *  reference; 'wasm' falls back to them where the module cannot run. */
export function setKernelBackend(backend: KernelBackend): void {
  chosen = backend;
}

/** The kernels in effect: 'wasm' only when chosen and the module runs here. */
export function kernelBackend(): KernelBackend {
  return chosen === 'wasm' && loadModule() !== null ? 'wasm' : 'js';
}

/** Allows or forbids the relaxed-SIMD build (tests compare both builds with the reference). */
export function allowRelaxedSimd(allowed: boolean): void {
  if (allowed === relaxedAllowed) return;
  relaxedAllowed = allowed;
  compiled = undefined;
  current = null;
}

/** The build of the module in effect, or null when the JS kernels run. */
export function kernelVariant(): KernelVariant | null {
  return kernelBackend() === 'wasm' ? compiled!.variant : null;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let relaxedBytes: Uint8Array | undefined;

/** Whether this runtime validates the relaxed-SIMD build (asked again each time: a Node
 *  entry may enable the feature before the first kernel runs). */
export function relaxedSimdValidates(): boolean {
  try {
    relaxedBytes ??= decodeBase64(KERNELS_RELAXED_WASM_BASE64);
    return wasmApi !== undefined && wasmApi.validate(relaxedBytes);
  } catch {
    return false;
  }
}

function loadModule(): { module: object; variant: KernelVariant } | null {
  if (compiled !== undefined) return compiled;
  let loaded: { module: object; variant: KernelVariant } | null = null;
  try {
    if (relaxedAllowed && relaxedSimdValidates()) loaded = { module: new wasmApi!.Module(relaxedBytes!), variant: 'relaxed-simd' };
    else if (wasmApi) {
      const bytes = decodeBase64(KERNELS_WASM_BASE64);
      // validate() is false where 128-bit SIMD is missing: the JS kernels run then.
      if (wasmApi.validate(bytes)) loaded = { module: new wasmApi.Module(bytes), variant: 'simd' };
    }
  } catch {
    loaded = null;
  }
  compiled = loaded;
  return loaded;
}

/** The kernels for one call, or null when the JS kernel must run. */
export function wasmKernels(): WasmKernels | null {
  if (chosen !== 'wasm') return null;
  if (current) return current;
  const loaded = loadModule();
  if (!loaded) return null;
  try {
    const instance = new wasmApi!.Instance(loaded.module, {
      env: {
        abort: () => {
          throw new Error('WebAssembly kernel aborted');
        },
      },
    });
    current = new WasmKernels(instance.exports as unknown as KernelExports);
  } catch {
    compiled = null;
    return null;
  }
  return current;
}

/** One instance of the module and the layout of its memory for the call in progress. */
export class WasmKernels {
  /** The first address the glue may use: below it is the module's static data. */
  private readonly base: number;

  constructor(readonly exports: KernelExports) {
    this.base = Math.ceil(exports.heapBase() / 16) * 16;
  }

  /** Lays out regions of the given sizes in bytes (16-byte aligned, from the start of the
   *  memory, so earlier layouts are overwritten), growing the memory to hold them; returns
   *  their addresses. Views made before a call to reserve may be detached by it. */
  reserve(sizes: readonly number[]): Ptr[] {
    const addresses = new Array<Ptr>(sizes.length);
    let end = this.base;
    for (let i = 0; i < sizes.length; i++) {
      addresses[i] = end;
      end += regionBytes(sizes[i]);
    }
    this.grownTo(end);
    return addresses;
  }

  /** `reserve` of regions whose sizes the caller adds up with `regionBytes`: the address of
   *  the first (each next one is at the previous one's address plus its `regionBytes`), and
   *  no array made. For kernels called once per node of a deep model's tiny tensors (a
   *  matmul of 16×8 by 8×8 a hundred thousand times an edit), where the arrays of `reserve`
   *  and the views of `f32` were most of what an edit allocated. */
  reserveBytes(bytes: number): Ptr {
    this.grownTo(this.base + bytes);
    return this.base;
  }

  private grownTo(end: number): void {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
  }

  /** Views of the whole memory, made again once it grows (growing detaches the old buffer). */
  private heapBuffer: ArrayBuffer | null = null;
  private heap32: Float32Array | null = null;
  private heap64: Float64Array | null = null;

  /** The whole memory as float32 (`heapF32()[address / 4]`), or float64. */
  heapF32(): Float32Array {
    if (this.exports.memory.buffer !== this.heapBuffer) this.viewHeap();
    return this.heap32!;
  }

  heapF64(): Float64Array {
    if (this.exports.memory.buffer !== this.heapBuffer) this.viewHeap();
    return this.heap64!;
  }

  private viewHeap(): void {
    const buffer = this.exports.memory.buffer;
    this.heapBuffer = buffer;
    this.heap32 = new Float32Array(buffer);
    this.heap64 = new Float64Array(buffer);
  }

  f32(address: Ptr, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, address, length);
  }

  f64(address: Ptr, length: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, address, length);
  }

  u8(address: Ptr, length: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, address, length);
  }

  i32(address: Ptr, length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, address, length);
  }

  /** Zeroes `bytes` bytes at `address`. */
  zero(address: Ptr, bytes: number): void {
    new Uint8Array(this.exports.memory.buffer, address, bytes).fill(0);
  }

  /** Ends a call: an instance whose memory grew large is dropped (the next call makes a new one). */
  release(): void {
    if (this.exports.memory.buffer.byteLength > RETAIN_BYTES && current === this) current = null;
  }
}

/** Which kernel a float result takes: float32 data (a float32 tensor rounded per op) or
 *  float64 data (float64 tensors, and float32 ones while a check re-evaluates in float64);
 *  null for integer and bool data, which only the JS kernels compute. */
export type FloatWidth = 'f32' | 'f64';

export function floatWidth(out: TypedData, ...inputs: readonly TypedData[]): FloatWidth | null {
  if (out instanceof Float64Array) return 'f64';
  if (!(out instanceof Float32Array)) return null;
  // A float32 result is computed in float32 from float32 operands only.
  for (const x of inputs) if (!(x instanceof Float32Array)) return null;
  return 'f32';
}

/** Copies `src` into the module's memory at `address` as `width` (float32 → float64 converts). */
export function copyIn(w: WasmKernels, width: FloatWidth, address: Ptr, src: TypedData): void {
  // (into a view of the whole memory kept by `w`: no view made per copy)
  if (width === 'f32') w.heapF32().set(src as ArrayLike<number>, address / 4);
  else w.heapF64().set(src as ArrayLike<number>, address / 8);
}

/** Copies `length` values at `address` out into `dst` from `offset`. */
export function copyOut(w: WasmKernels, width: FloatWidth, address: Ptr, dst: TypedData, offset = 0, length = dst.length - offset): void {
  if (width === 'f32') {
    const at = address / 4;
    dst.set(w.heapF32().subarray(at, at + length), offset);
  } else {
    const at = address / 8;
    dst.set(w.heapF64().subarray(at, at + length), offset);
  }
}

/** The bytes `reserve` gives a region of `bytes` (16-byte aligned). */
export function regionBytes(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** Bytes of one element. */
export function bytesOf(width: FloatWidth): number {
  return width === 'f32' ? 4 : 8;
}

/** Between blocks of a kernel's work: stops it when the evaluation's time is up. */
export function checkTime(ctx: KernelContext): void {
  // The evaluation's own check (its deadline, and a cancellation by a newer edit) when it has one.
  if (ctx.checkDeadline) return ctx.checkDeadline();
  if (Date.now() > ctx.deadline)
    throw new EvaluationError(`evaluation stopped: the time budget ran out ${raiseHint('evaluationTimeoutMs')}`, 'budget-time');
}
