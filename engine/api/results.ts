// The answers of the gradient actions (the lenses' "Compute gradients", "Check gradients" and
// "Explain sum"), as plain data: the server sends them as they are (protocol/ re-exports
// these types), the CLI and the tests read them directly. Lines are 0-based.

import type { TensorJson } from '../format/json';
import type { Explanation } from '../explain';
import type { ExplainPicture } from './picture';

export interface GradientValueJson {
  /** `∂(Σz)/∂x` */
  meaning: string;
  x: string;
  ys: string[];
  dtype: string | null;
  shape: number[] | null;
  staticShape: string | null;
  /** NumPy-style text of the value. */
  value: string;
  json: TensorJson | null;
  explanation: string;
}

export interface ComputeGradientsResult {
  uri: string;
  line: number;
  statement: string;
  gradients: GradientValueJson[];
  message?: string;
}

export interface CheckOutcomeJson {
  /** The gradient call checked, and the `check` statement that checked it. */
  call: string;
  check: string;
  /** False when the check could not run (then `message` says why). */
  ran: boolean;
  passed: boolean;
  mode?: 'full' | 'fast';
  maxAbsError?: number;
  maxRelError?: number;
  compared?: number;
  worst?: { x: string; index: number[]; analytic: number; numeric: number } | null;
  message: string;
  summary?: string;
}

export interface CheckGradientsResult {
  uri: string;
  line: number;
  statement: string;
  passed: boolean;
  /** What the lens shows afterwards: `max err 3.1e-9 ✓` or the worst element. */
  title: string;
  results: CheckOutcomeJson[];
}

export interface ExplainResult {
  uri: string;
  line: number;
  statement: string;
  explanations: Explanation[];
  /** One picture per x: the Jacobian heatmap (or a block of it) and the bars of one entry. */
  pictures?: ExplainPicture[];
  message?: string;
}
