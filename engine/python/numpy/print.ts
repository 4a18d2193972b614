// `str()` and `repr()` of NumPy arrays and scalars as NumPy 1.x prints them, with the
// engine's NumPy printer (engine/format/numpy.ts).

import type { DType, Tensor } from '../../tensor';
import { formatFloatScalar, formatTensor } from '../../format/numpy';
import type { NDArray } from './ndarray';

/** The array as the printer takes it (int64 prints as any integer does). */
function printable(a: NDArray): Tensor {
  const dtype = (a.dtype === 'int64' ? 'int32' : a.dtype) as DType;
  return { dtype, shape: a.shape, data: a.data };
}

function scalarText(a: NDArray): string {
  const x = a.data[0];
  switch (a.dtype) {
    case 'bool':
      return x ? 'True' : 'False';
    case 'float32':
      return formatFloatScalar(x, true);
    case 'float64':
      return formatFloatScalar(x, false);
    default:
      return String(x);
  }
}

export function arrayStr(a: NDArray): string {
  if (a.shape.length === 0) return scalarText(a);
  return formatTensor(printable(a));
}

/** `repr(a)`: `array([[1., 2.],\n       [3., 4.]], dtype=float32)`; NumPy scalars as their
 *  value (NumPy 1.x). */
export function arrayRepr(a: NDArray): string {
  if (a.scalar) return scalarText(a);
  const skipDType = a.dtype === 'float64' || a.dtype === 'int64' || a.dtype === 'bool';
  const suffix = skipDType ? ')' : ',';
  let body: string;
  if (a.shape.length === 0) body = formatTensor(printable(a));
  else if (a.size > 0 || (a.shape.length === 1 && a.shape[0] === 0)) {
    body = formatTensor(printable(a), { separator: ', ', prefixWidth: 'array('.length, lineWidth: 75 - suffix.length });
  } else body = `[], shape=(${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''})`;
  const text = 'array(' + body + suffix;
  if (skipDType) return text;
  const dtypeText = `dtype=${a.dtype})`;
  const lastLine = text.length - (text.lastIndexOf('\n') + 1);
  return text + (lastLine + dtypeText.length + 1 > 75 ? '\n' + ' '.repeat('array('.length) : ' ') + dtypeText;
}
