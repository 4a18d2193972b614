// The explanation of a gradient's sum for hovers and the "Explain sum" lens: the engine's
// explainer (engine/explain.ts, memoised per analysis, the same sentences `tgraph run`
// prints). Should it throw (an engine bug), the hover still shows what the gradient site
// alone tells: the meaning ∂(Σys)/∂x and how many elements were summed.

import type { Analysis, Binding } from '../analysis';
import type { GradientSite } from '../autodiff';
import { explainSite as engineExplainSite, type ExplainOptions, type Explanation, SharedExplanationTime } from '../explain';
import { ExplainInterrupted } from '../explain/interrupt';
import { sizeOf } from '../tensor';
import { gradientMeaning, nodeName } from './describe';

export type { Explanation };

/** What the site alone says, when the explainer fails. */
function basicExplanation(analysis: Analysis, site: GradientSite, xIndex: number): Explanation {
  const meaning = gradientMeaning(analysis, site, xIndex);
  const ys = site.ys.map((y) => nodeName(analysis, y));
  const x = site.xs[xIndex] ? nodeName(analysis, site.xs[xIndex]) : 'x';
  let ysElements: number | null = 0;
  for (const y of site.ys) {
    const t = analysis.valueOf(y);
    ysElements = t && ysElements !== null ? ysElements + sizeOf(t.shape) : null;
  }
  const xValue = site.xs[xIndex] && analysis.valueOf(site.xs[xIndex]);
  return {
    x,
    ys,
    meaning,
    ysElements,
    xElements: xValue ? sizeOf(xValue.shape) : null,
    fanOut: null,
    summedAxes: [],
    batchSize: null,
    advice: null,
    text:
      ysElements === null
        ? `${meaning}: the gradient of the sum of every element of ${ys.join(' and ')} with respect to ${x}`
        : `${meaning}: the sum of all ${ysElements} element${ysElements === 1 ? '' : 's'} of ${ys.join(' and ')}, differentiated with respect to each element of ${x}`,
    method: 'none',
    conservative: [],
    guessed: [],
    routes: [],
  };
}

export function explainSite(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  options: ExplainOptions = {},
  shared?: SharedExplanationTime,
): Explanation {
  try {
    return shared ? shared.explain(analysis, site, xIndex) : engineExplainSite(analysis, site, xIndex, options);
  } catch (e) {
    if (e instanceof ExplainInterrupted) throw e;
    return basicExplanation(analysis, site, xIndex);
  }
}

/** The xs of a gradient binding's site, one per gradient its value holds (None entries
 *  skipped). */
export function bindingXs(binding: Binding): number[] {
  const site = binding.gradient;
  if (!site) return [];
  const v = binding.value;
  const nodes =
    v.kind === 'tensor' ? [v.node] : v.kind === 'list' ? v.items.map((item) => (item.kind === 'tensor' ? item.node : null)) : [];
  const out: number[] = [];
  for (const n of nodes) {
    const xIndex = n ? site.grads.indexOf(n) : -1;
    if (xIndex >= 0) out.push(xIndex);
  }
  return out;
}

/** The explanations of the first `max` gradients of a binding, sharing one request's time. */
export function explainBinding(analysis: Analysis, binding: Binding, max = Infinity): Explanation[] {
  const site = binding.gradient;
  if (!site) return [];
  const shared = SharedExplanationTime.forRequest(analysis);
  return bindingXs(binding)
    .slice(0, max)
    .map((xIndex) => explainSite(analysis, site, xIndex, {}, shared));
}
