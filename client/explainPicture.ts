// The "Explain sum" picture: the server's `tgraph/explain` answer (with its `pictures`, built
// by server/explainPayload.ts) as one self-contained HTML page with inline SVG. No scripts,
// no external resources (the CSP forbids both); colours come from the VS Code theme's CSS
// variables, with fallbacks for a plain browser (the headless test and the README shot).
//
// What it draws, per x of the gradient call:
//  - the sentence the hover shows, and the advice (divide by the batch) when there is one;
//  - the Jacobian ∂ys/∂x as a heatmap, one cell per (ys element, x element): coloured when
//    the entry is a term of the sum (red positive, blue negative, stronger = larger), empty
//    when it is structurally zero. Rows are reordered so that the summed axes of each y are
//    outermost: the groups along a summed axis are contiguous bands, separated by lines and
//    named on the left (`z axis 0 (stack)`). The chosen x element's column is outlined;
//  - that column's terms as bars (grad_ys weight × derivative), and their total, which is
//    the gradient entry.
// Pure: no `vscode` import, so tests render it in Node and open it in Chromium.

import type { ExplainPictureJson } from '../protocol';

type Json = Record<string, unknown>;

type PictureJson = ExplainPictureJson;
type ExplanationJson = PictureJson['explanation'];
type SummedAxisJson = ExplanationJson['summedAxes'][number];
type GridJson = NonNullable<PictureJson['jacobian']>;
type ContributionsJson = NonNullable<PictureJson['contributions']>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number short enough for a cell or a bar label. */
export function shortValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
  return s.replace('-', '−');
}

const elementLabel = (name: string, index: readonly number[]) => (index.length ? `${name}[${index.join(',')}]` : name);

/** The summed axes of y `name` that are axes of the y itself (summed by the Σ over ys), by
 *  axis, in axis order. Internal reductions, the ys list and reuse are not rows of the grid. */
function summedAxesOf(ex: ExplanationJson, name: string, rank: number): Map<number, SummedAxisJson[]> {
  const out = new Map<number, SummedAxisJson[]>();
  for (const a of ex.summedAxes ?? []) {
    if (a.implicit || a.tensor !== name || (a.summedBy && a.summedBy !== 'gradients')) continue;
    if (!(a.axis >= 0 && a.axis < rank)) continue;
    out.set(a.axis, [...(out.get(a.axis) ?? []), a]);
  }
  return new Map([...out.entries()].sort((p, q) => p[0] - q[0]));
}

/** `z axis 0 (stack)`: the name the picture gives a summed axis. */
function axisTitle(name: string, axis: number, records: readonly SummedAxisJson[]): string {
  const why = [...new Set(records.map((r) => (r.batch ? `batch of ${r.batchOf ?? 'a placeholder'}` : r.origin)))].join(', ');
  return `${name} axis ${axis} (${why})`;
}

const CELL_MAX = 24;
const CELL_MIN = 7;
/** Advance of one character of the 10.5px (and the 8.5px) monospace labels. */
const CHAR_W = 6.4;
const CHAR_W_SMALL = 5.2;

interface RowPlan {
  /** Row of the grid drawn at each position. */
  order: number[];
  /** Bands: a run of drawn rows sharing the coordinate along the outermost summed axis. */
  bands: { from: number; to: number; label: string }[];
  /** Per y in the grid: its drawn row range and the title of its first summed axis. */
  groups: { from: number; to: number; title: string | null; y: string }[];
  /** Drawn positions where a finer summed axis changes (thin separators). */
  fine: number[];
}

/** Orders the rows: y by y, and within a y, summed axes outermost (then the others), so
 *  the elements along a summed axis form contiguous bands. */
function planRows(grid: GridJson, ex: ExplanationJson): RowPlan {
  const order: number[] = [];
  const bands: RowPlan['bands'] = [];
  const groups: RowPlan['groups'] = [];
  const fine: number[] = [];
  grid.ys.forEach((y, k) => {
    const rows = grid.rowIndex.map((r, i) => ({ r, i })).filter(({ r }) => r.y === k);
    if (rows.length === 0) return;
    const summed = summedAxesOf(ex, y.name, y.shape.length);
    const axes = [...summed.keys()];
    const rest = y.shape.map((_, a) => a).filter((a) => !summed.has(a));
    const keyAxes = [...axes, ...rest];
    rows.sort((p, q) => {
      for (const a of keyAxes) if (p.r.index[a] !== q.r.index[a]) return p.r.index[a] - q.r.index[a];
      return p.i - q.i;
    });
    const start = order.length;
    rows.forEach(({ r, i }, pos) => {
      order.push(i);
      const prev = pos > 0 ? rows[pos - 1].r : null;
      if (axes.length && prev && prev.index[axes[0]] === r.index[axes[0]] && axes.slice(1).some((a) => prev.index[a] !== r.index[a]))
        fine.push(order.length - 1);
    });
    if (axes.length) {
      const a = axes[0];
      let from = start;
      for (let p = start + 1; p <= order.length; p++) {
        if (p === order.length || grid.rowIndex[order[p]].index[a] !== grid.rowIndex[order[from]].index[a]) {
          bands.push({ from, to: p, label: String(grid.rowIndex[order[from]].index[a]) });
          from = p;
        }
      }
    }
    groups.push({
      from: start,
      to: order.length,
      title: axes.length
        ? axisTitle(y.name, axes[0], summed.get(axes[0])!) +
          (axes.length > 1
            ? ` × ${axes
                .slice(1)
                .map((a) => `axis ${a}`)
                .join(' × ')}`
            : '')
        : null,
      y: y.name,
    });
  });
  return { order, bands, groups, fine };
}

/** The heatmap of the Jacobian grid as an SVG element. */
export function renderHeatmap(grid: GridJson, ex: ExplanationJson): string {
  const plan = planRows(grid, ex);
  const base = Math.max(CELL_MIN, Math.min(CELL_MAX, Math.floor(560 / Math.max(1, grid.cols)), Math.floor(640 / Math.max(1, grid.rows))));
  // Values are written in the cells when they fit: cells widen for them, up to a limit.
  const valueChars = Math.max(1, ...grid.values.map((v, i) => (grid.pattern[i] ? shortValue(num(v)).length : 1)));
  const valueW = Math.ceil(valueChars * CHAR_W_SMALL + 6);
  const showValues = base >= 20 && grid.rows * grid.cols <= 1200 && valueW <= 46;
  const cellW = showValues ? Math.max(base, valueW) : base;
  // The summed axis is named along its bands: rows grow so that the name fits beside them.
  const titleChars = Math.max(
    0,
    ...plan.groups.map((g) => (g.title ?? '').length),
    ...plan.groups.map((g) => (g.title ? 0 : `${g.y}: nothing summed`.length)),
  );
  const cellH = Math.min(40, Math.max(base, Math.ceil((titleChars * CHAR_W + 12) / Math.max(1, grid.rows))));
  const rowLabelEvery = cellH >= 11 ? 1 : Math.ceil(11 / cellH);
  const colLabelEvery = cellW >= 12 ? 1 : Math.ceil(12 / cellW);
  const bandW = 30;
  const titleW = 34;
  const rowNames = plan.order.map((r) => elementLabel(grid.ys[grid.rowIndex[r].y]?.name ?? 'y', grid.rowIndex[r].index));
  const rowLabelW = Math.ceil(Math.max(4, ...rowNames.map((n) => n.length)) * CHAR_W + 12);
  const left = titleW + bandW + rowLabelW;
  const colChars = Math.max(1, ...grid.colFlat.map((f) => elementLabel(grid.xName, unravel(f, grid.xShape)).length));
  const top = Math.ceil(colChars * CHAR_W * 0.87 + 14);
  const width = left + grid.cols * cellW + 16;
  const height = top + grid.rows * cellH + 14;
  let maxAbs = 0;
  grid.values.forEach((v, i) => {
    if (grid.pattern[i]) maxAbs = Math.max(maxAbs, Math.abs(num(v)));
  });
  const parts: string[] = [];
  const xLabel = (c: number) => elementLabel(grid.xName, unravel(grid.colFlat[c], grid.xShape));
  // column labels, rotated
  for (let c = 0; c < grid.cols; c++) {
    if (c % colLabelEvery !== 0 && c !== grid.chosenCol) continue;
    const cx = left + c * cellW + cellW / 2;
    const chosen = c === grid.chosenCol ? ' chosen' : '';
    parts.push(`<text class="col-label${chosen}" transform="translate(${cx + 3},${top - 6}) rotate(-60)">${escapeHtml(xLabel(c))}</text>`);
  }
  // cells
  plan.order.forEach((r, pos) => {
    const y = top + pos * cellH;
    const row = grid.rowIndex[r];
    const yName = grid.ys[row.y]?.name ?? 'y';
    const rowName = elementLabel(yName, row.index);
    if (pos % rowLabelEvery === 0)
      parts.push(`<text class="row-label" x="${left - 6}" y="${y + cellH / 2 + 3.5}" text-anchor="end">${escapeHtml(rowName)}</text>`);
    for (let c = 0; c < grid.cols; c++) {
      const i = r * grid.cols + c;
      const v = num(grid.values[i]);
      const x = left + c * cellW;
      const title = `<title>∂${escapeHtml(rowName)}/∂${escapeHtml(xLabel(c))} = ${escapeHtml(shortValue(v))}${grid.pattern[i] ? '' : ' (not a term: structurally zero)'}</title>`;
      if (!grid.pattern[i]) {
        parts.push(
          `<rect class="cell off" data-row="${r}" data-col="${c}" x="${x + 0.5}" y="${y + 0.5}" width="${cellW - 1}" height="${cellH - 1}">${title}</rect>`,
        );
        continue;
      }
      const strength = maxAbs > 0 ? Math.abs(v) / maxAbs : 0;
      const sign = v > 0 ? 'pos' : v < 0 ? 'neg' : 'zero';
      const opacity = v === 0 ? 1 : 0.22 + 0.78 * strength;
      parts.push(
        `<rect class="cell on ${sign}" data-row="${r}" data-col="${c}" data-value="${v}" x="${x + 0.5}" y="${y + 0.5}" width="${cellW - 1}" height="${cellH - 1}" fill-opacity="${opacity.toFixed(3)}">${title}</rect>`,
      );
      if (showValues)
        parts.push(
          `<text class="cell-value${opacity > 0.62 ? ' strong' : ''}" x="${x + cellW / 2}" y="${y + cellH / 2 + 3}" text-anchor="middle">${escapeHtml(shortValue(v))}</text>`,
        );
    }
  });
  // summed axes: bands with their coordinate, separators, the axis named along the side
  for (const b of plan.bands) {
    const y0 = top + b.from * cellH;
    const h = (b.to - b.from) * cellH;
    parts.push(`<rect class="band" x="${titleW + 3}" y="${y0 + 1}" width="${bandW - 6}" height="${h - 2}" rx="3"/>`);
    parts.push(
      `<text class="band-label" x="${titleW + bandW / 2}" y="${y0 + h / 2 + 4}" text-anchor="middle">${escapeHtml(b.label)}</text>`,
    );
    if (b.from > 0) parts.push(`<line class="group-sep" x1="${titleW}" x2="${left + grid.cols * cellW}" y1="${y0}" y2="${y0}"/>`);
  }
  for (const p of plan.fine)
    parts.push(`<line class="fine-sep" x1="${left}" x2="${left + grid.cols * cellW}" y1="${top + p * cellH}" y2="${top + p * cellH}"/>`);
  for (const g of plan.groups) {
    const y0 = top + g.from * cellH;
    const h = (g.to - g.from) * cellH;
    if (g.from > 0) parts.push(`<line class="y-sep" x1="0" x2="${left + grid.cols * cellW}" y1="${y0}" y2="${y0}"/>`);
    const lines = g.title ? [g.title, 'summed by Σ'] : [`${g.y}: nothing summed`];
    const tspans = lines.map((l, i) => `<tspan x="0" dy="${i === 0 ? (lines.length - 1) * -6.5 : 13}">${escapeHtml(l)}</tspan>`).join('');
    parts.push(
      `<text class="${g.title ? 'axis-title' : 'axis-title none'}" transform="translate(${titleW - 10},${y0 + h / 2}) rotate(-90)" text-anchor="middle">${tspans}</text>`,
    );
  }
  if (grid.chosenCol >= 0) {
    parts.push(
      `<rect class="chosen-col" x="${left + grid.chosenCol * cellW - 1}" y="${top - 2}" width="${cellW + 2}" height="${grid.rows * cellH + 4}" rx="2"/>`,
    );
  }
  const caption = `∂ys/∂${grid.xName}: ${grid.rows} × ${grid.cols}${grid.scope === 'block' ? ' (block)' : ''}`;
  return `<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(caption)}" data-rows="${grid.rows}" data-cols="${grid.cols}">
${parts.join('\n')}
</svg>`;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return out;
}

/** The terms of one gradient entry as horizontal bars, and their total. */
export function renderBars(c: ContributionsJson, ex: ExplanationJson, gradientName: string | undefined): string {
  const terms = c.terms;
  const weighted = terms.some((t) => t.weight !== 1);
  const rowH = terms.length > 24 ? 16 : 24;
  const labelW = 96;
  const barW = 240;
  const top = 8;
  const total = terms.reduce((s, t) => s + num(t.partial), 0);
  const entryText = `${shortValue(total)} = ${elementLabel(gradientName ?? `∂/∂${c.x}`, c.xIndex)}`;
  const valueChars = Math.max(
    entryText.length,
    ...terms.map(
      (t) =>
        (weighted
          ? `${shortValue(num(t.weight))} × ${shortValue(num(t.derivative))} = ${shortValue(num(t.partial))}`
          : shortValue(num(t.partial))
        ).length,
    ),
  );
  const valueW = Math.ceil(valueChars * CHAR_W * 1.05 + 16);
  const maxAbs = Math.max(Math.abs(total), ...terms.map((t) => Math.abs(num(t.partial))), 1e-300);
  const hasNeg = total < 0 || terms.some((t) => num(t.partial) < 0);
  const hasPos = total > 0 || terms.some((t) => num(t.partial) > 0);
  // The zero line: at the left when every bar is positive, at the right when all are
  // negative, in the middle when they mix.
  const zeroX = labelW + (hasNeg && hasPos ? barW / 2 : hasNeg ? barW : 0);
  const scale = (hasNeg && hasPos ? barW / 2 : barW) / maxAbs;
  const summed = ex.summedAxes?.find((a) => !a.implicit && a.summedBy === 'gradients');
  const parts: string[] = [];
  terms.forEach((t, i) => {
    const y = top + i * rowH;
    const p = num(t.partial);
    const w = Math.abs(p) * scale;
    const x = p >= 0 ? zeroX : zeroX - w;
    const label = elementLabel(t.ysTensor, t.yIndex);
    parts.push(`<text class="bar-label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`);
    parts.push(
      `<rect class="bar ${p >= 0 ? 'pos' : 'neg'}" data-partial="${p}" x="${x}" y="${y + 3}" width="${Math.max(w, 1)}" height="${rowH - 6}" rx="2"><title>${escapeHtml(`${label}: grad_ys ${shortValue(num(t.weight))} × ∂${label}/∂${elementLabel(c.x, c.xIndex)} ${shortValue(num(t.derivative))} = ${shortValue(p)}`)}</title></rect>`,
    );
    const text = weighted ? `${shortValue(num(t.weight))} × ${shortValue(num(t.derivative))} = ${shortValue(p)}` : shortValue(p);
    parts.push(`<text class="bar-value" x="${labelW + barW + 8}" y="${y + rowH / 2 + 4}">${escapeHtml(text)}</text>`);
  });
  const yTotal = top + terms.length * rowH + 10;
  parts.push(`<line class="total-sep" x1="${labelW - 60}" x2="${labelW + barW + valueW}" y1="${yTotal - 5}" y2="${yTotal - 5}"/>`);
  const wT = Math.abs(total) * scale;
  parts.push(`<text class="bar-label total" x="${labelW - 8}" y="${yTotal + rowH / 2 + 4}" text-anchor="end">Σ</text>`);
  parts.push(
    `<rect class="bar total ${total >= 0 ? 'pos' : 'neg'}" data-total="${total}" x="${total >= 0 ? zeroX : zeroX - wT}" y="${yTotal + 2}" width="${Math.max(wT, 1)}" height="${rowH - 4}" rx="2"/>`,
  );
  const entry = elementLabel(gradientName ?? `∂/∂${c.x}`, c.xIndex);
  parts.push(
    `<text class="bar-value total" x="${labelW + barW + 8}" y="${yTotal + rowH / 2 + 4}">${escapeHtml(`${shortValue(total)} = ${entry}`)}</text>`,
  );
  parts.push(`<line class="zero" x1="${zeroX}" x2="${zeroX}" y1="${top}" y2="${yTotal + rowH}"/>`);
  const height = yTotal + rowH + 8;
  const width = labelW + barW + valueW + 8;
  const heading = summed ? `one term per position along ${summed.tensor} axis ${summed.axis}` : 'one term per ys element reached';
  return `<svg class="bars" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(heading)}" data-terms="${terms.length}" data-gradient="${c.gradient ?? ''}">
${parts.join('\n')}
</svg>`;
}

/** A picture's heading: `dz_dx = ∂(Σz)/∂x`. */
const pictureHeading = (p: PictureJson) => (p.gradientName ? `${p.gradientName} = ${p.explanation.meaning}` : p.explanation.meaning);

/** What to do about a batch sum, when the explanation has advice. */
function adviceText(ex: ExplanationJson): string | null {
  if (ex.advice === 'divide')
    return `Σ over the batch of ${String(ex.batchSize ?? '?')}: this is the sum of the per-example gradients; divide by ${String(ex.batchSize ?? 'the batch size')} for their mean.`;
  if (ex.advice === 'already-mean') return 'The batch is already averaged: the result is the mean of the per-example gradients.';
  return null;
}

/** The pictures of a result that carry an explanation. */
const picturesOf = (result: Json): PictureJson[] =>
  Array.isArray(result.pictures) ? (result.pictures.filter((p) => isObject(p) && isObject(p.explanation)) as unknown as PictureJson[]) : [];

function renderPicture(p: PictureJson, n: number): string {
  const ex = p.explanation;
  const out: string[] = [];
  out.push(`<section class="picture" id="picture-${n}">`);
  out.push(`<h2>${escapeHtml(pictureHeading(p))}</h2>`);
  out.push(`<p class="summary">${escapeHtml(ex.text)}</p>`);
  const advice = adviceText(ex);
  if (advice) out.push(`<p class="advice${ex.advice === 'already-mean' ? ' ok' : ''}">${escapeHtml(advice)}</p>`);
  out.push('<div class="panes">');
  if (p.jacobian) {
    const j = p.jacobian;
    out.push(
      `<figure class="pane"><figcaption><b>Jacobian</b> ∂(${escapeHtml(ex.ys.join(', '))})/∂${escapeHtml(ex.x)}${j.scope === 'block' ? ' (block)' : ''}: one row per ${escapeHtml(ex.ys.join(' and '))} element, one column per ${escapeHtml(ex.x)} element. Each column's coloured cells are the terms that add up to that gradient entry.</figcaption>`,
    );
    out.push(renderHeatmap(j, ex));
    out.push(
      `<div class="legend"><span class="item"><span class="swatch pos"></span>positive</span> <span class="item"><span class="swatch neg"></span>negative</span> <span class="item"><span class="swatch off"></span>not a term (structural zero)</span> <span class="item"><span class="swatch zero"></span>a term that is 0 here</span> <span class="item"><span class="swatch chosen"></span>the element whose terms are drawn as bars</span></div>`,
    );
    out.push('</figure>');
  }
  if (p.contributions) {
    const c = p.contributions;
    const entry = elementLabel(p.gradientName ?? `∂/∂${c.x}`, c.xIndex);
    out.push(
      `<figure class="pane"><figcaption><b>The sum for ${escapeHtml(elementLabel(c.x, c.xIndex))}</b>: ${c.count} term${c.count === 1 ? '' : 's'}${c.terms.some((t) => t.weight !== 1) ? ' (grad_ys weight × derivative)' : ''}, whose total is ${escapeHtml(entry)}${c.gradient !== null ? ` = ${escapeHtml(shortValue(num(c.gradient)))}` : ''}.</figcaption>`,
    );
    out.push(renderBars(c, ex, p.gradientName));
    if (c.truncated)
      out.push(`<p class="note">Only the first ${c.terms.length} of ${c.count} terms are drawn; their total is partial.</p>`);
    out.push('</figure>');
  }
  out.push('</div>');
  if (p.jacobianNote) out.push(`<p class="note">${escapeHtml(p.jacobianNote)}.</p>`);
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
:root {
  --tg-bg: var(--vscode-editor-background, #ffffff);
  --tg-fg: var(--vscode-editor-foreground, var(--vscode-foreground, #1f2328));
  --tg-muted: var(--vscode-descriptionForeground, #656d76);
  --tg-border: var(--vscode-editorWidget-border, var(--vscode-panel-border, #d0d7de));
  --tg-pos: var(--vscode-charts-red, #cf222e);
  --tg-neg: var(--vscode-charts-blue, #0969da);
  --tg-summed: var(--vscode-charts-purple, #8250df);
  --tg-chosen: var(--vscode-charts-orange, #d18616);
  --tg-advice-bg: var(--vscode-inputValidation-warningBackground, #fff8c5);
  --tg-advice-border: var(--vscode-inputValidation-warningBorder, #d4a72c);
}
body { background: var(--tg-bg); color: var(--tg-fg); font-family: var(--vscode-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif); font-size: var(--vscode-font-size, 13px); margin: 16px 20px; }
h1 { font-size: 1.15em; font-weight: 600; margin: 0 0 4px; }
h2 { font-size: 1.1em; font-weight: 600; margin: 18px 0 4px; }
code, .statement { font-family: var(--vscode-editor-font-family, ui-monospace, 'SFMono-Regular', Menlo, monospace); }
.statement { color: var(--tg-muted); margin: 0 0 8px; }
.summary { font-size: 1.05em; line-height: 1.45; max-width: 980px; margin: 4px 0 10px; }
.advice { border-left: 4px solid var(--tg-advice-border); background: var(--tg-advice-bg); color: var(--vscode-inputValidation-warningForeground, inherit); padding: 6px 10px; max-width: 940px; }
.advice.ok { border-left-color: var(--vscode-testing-iconPassed, #1a7f37); background: transparent; }
.note { color: var(--tg-muted); font-size: 0.92em; }
.panes { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
figure.pane { margin: 0; }
figcaption { max-width: 520px; margin: 0 0 6px; line-height: 1.4; }
svg text { fill: var(--tg-fg); font-size: 10.5px; font-family: var(--vscode-editor-font-family, ui-monospace, Menlo, monospace); }
.cell.off { fill: none; stroke: var(--tg-border); stroke-width: 0.6; }
.cell.on.pos, .bar.pos { fill: var(--tg-pos); }
.cell.on.neg, .bar.neg { fill: var(--tg-neg); }
.cell.on.zero { fill: transparent; stroke: var(--tg-pos); stroke-dasharray: 2 2; }
.cell-value { font-size: 8.5px; pointer-events: none; }
.cell-value.strong { fill: #ffffff; }
.col-label.chosen { fill: var(--tg-chosen); font-weight: 700; }
.chosen-col { fill: none; stroke: var(--tg-chosen); stroke-width: 2.2; }
.band { fill: var(--tg-summed); fill-opacity: 0.16; stroke: var(--tg-summed); stroke-width: 1; }
.band-label { fill: var(--tg-summed); font-weight: 700; font-size: 11px; }
.group-sep { stroke: var(--tg-summed); stroke-width: 2; }
.fine-sep { stroke: var(--tg-summed); stroke-width: 0.8; stroke-dasharray: 3 2; }
.y-sep { stroke: var(--tg-fg); stroke-width: 1.5; }
.axis-title { fill: var(--tg-summed); font-weight: 700; font-size: 11px; font-family: var(--vscode-font-family, system-ui, sans-serif); }
.axis-title.none { fill: var(--tg-muted); font-weight: 400; }
.bar.total { stroke: var(--tg-fg); stroke-width: 1; }
.bar-label.total, .bar-value.total { font-weight: 700; }
.zero, .total-sep { stroke: var(--tg-muted); stroke-width: 1; }
.legend { color: var(--tg-muted); font-size: 0.9em; margin-top: 4px; max-width: 480px; line-height: 1.7; }
.legend .item { white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; border: 1px solid var(--tg-border); }
.swatch.pos { background: var(--tg-pos); } .swatch.neg { background: var(--tg-neg); }
.swatch.chosen { border: 2px solid var(--tg-chosen); }
.swatch.zero { border: 1px dashed var(--tg-pos); }
details { margin-top: 24px; color: var(--tg-muted); }
pre { font-family: var(--vscode-editor-font-family, monospace); white-space: pre-wrap; }
`;

const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:;`;

/** The whole webview page for a `tgraph/explain` result. `where`: `file:line`. */
export function renderExplainHtml(result: unknown, where: string): string {
  const body: string[] = [];
  body.push(`<h1>Explain the sum · ${escapeHtml(where)}</h1>`);
  if (isObject(result)) {
    if (str(result.statement)) body.push(`<p class="statement">${escapeHtml(str(result.statement)!)}</p>`);
    const pictures = picturesOf(result);
    // A malformed picture (a server of another version) costs its own section, not the page.
    const drawn = (p: PictureJson, i: number) => {
      try {
        return renderPicture(p, i);
      } catch {
        return `<p class="summary">${escapeHtml(str(p.explanation?.text) ?? '')}</p><p class="note">This picture could not be drawn.</p>`;
      }
    };
    if (pictures.length) body.push(...pictures.map(drawn));
    else {
      // An older server, or no gradient: the sentences alone.
      for (const e of Array.isArray(result.explanations) ? result.explanations.filter(isObject) : []) {
        if (str(e.text)) body.push(`<p class="summary">${escapeHtml(str(e.text)!)}</p>`);
      }
    }
    if (str(result.text)) body.push(`<p class="summary">${escapeHtml(str(result.text)!)}</p>`);
    if (str(result.message)) body.push(`<p>${escapeHtml(str(result.message)!)}</p>`);
  } else {
    body.push('<p>(no result)</p>');
  }
  const details = isObject(result) ? { ...result, pictures: undefined } : result;
  return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Explain sum</title>
<style>${STYLE}</style>
</head><body>
${body.join('\n')}
<details><summary>Details (JSON)</summary>
<pre>${escapeHtml(JSON.stringify(details, null, 2) ?? 'null')}</pre>
</details>
</body></html>`;
}

// ---- the same picture as one SVG document (`tgraph explain --svg`) ---------------------------

/** The width and height an SVG rendered above declares. */
function svgSize(svg: string): { width: number; height: number } {
  const m = /width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 0, height: 0 };
}

/** Words of `text` in lines of at most `chars` characters (SVG text does not wrap). */
function wrapWords(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const SVG_STYLE = `
.svg-bg { fill: var(--tg-bg); }
text.svg-h1 { font-size: 15px; font-weight: 600; font-family: system-ui, sans-serif; }
text.svg-h2 { font-size: 14px; font-weight: 600; font-family: system-ui, sans-serif; }
text.svg-text { font-size: 12.5px; font-family: system-ui, sans-serif; }
text.svg-muted { fill: var(--tg-muted); font-size: 12px; }
text.svg-advice { fill: var(--tg-fg); font-size: 12.5px; font-weight: 600; font-family: system-ui, sans-serif; }
`;

/** The "Explain sum" picture of a `tgraph/explain` result as one standalone SVG document:
 *  the page's headings and sentences as text lines, and the same heatmap and bars. */
export function renderExplainSvg(result: unknown, where: string): string {
  const margin = 20;
  const body: string[] = [];
  let y = margin;
  let width = 640;
  const text = (content: string, cls: string, size: number) => {
    y += Math.round(size * 1.45);
    body.push(`<text class="${cls}" x="0" y="${y}">${escapeHtml(content)}</text>`);
  };
  text(`Explain the sum · ${where}`, 'svg-h1', 15);
  if (isObject(result)) {
    if (str(result.statement)) text(str(result.statement)!, 'statement svg-muted', 12);
    const pictures = picturesOf(result);
    for (const p of pictures) {
      y += 10;
      text(pictureHeading(p), 'svg-h2', 14);
      for (const line of wrapWords(p.explanation.text, 120)) text(line, 'svg-text', 12.5);
      const advice = adviceText(p.explanation);
      if (advice) for (const line of wrapWords(advice, 120)) text(line, 'svg-advice', 12.5);
      y += 12;
      let x = 0;
      let paneHeight = 0;
      const panes: string[] = [];
      try {
        if (p.jacobian) panes.push(renderHeatmap(p.jacobian, p.explanation));
        if (p.contributions) panes.push(renderBars(p.contributions, p.explanation, p.gradientName));
      } catch {
        text('This picture could not be drawn.', 'svg-muted', 12);
      }
      for (const pane of panes) {
        const size = svgSize(pane);
        body.push(pane.replace('<svg ', `<svg x="${x}" y="${y}" `));
        x += size.width + 28;
        paneHeight = Math.max(paneHeight, size.height);
      }
      width = Math.max(width, x);
      y += paneHeight;
      if (p.jacobianNote) text(`${p.jacobianNote}.`, 'svg-muted', 12);
    }
    if (!pictures.length) {
      for (const e of Array.isArray(result.explanations) ? result.explanations.filter(isObject) : []) {
        for (const line of wrapWords(str(e.text) ?? '', 120)) text(line, 'svg-text', 12.5);
      }
    }
    if (str(result.message)) text(str(result.message)!, 'svg-text', 12.5);
  } else text('(no result)', 'svg-text', 12.5);
  width = Math.max(width, 120 * 6.6) + 2 * margin;
  const height = y + margin;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}">
<title>Explain the sum · ${escapeHtml(where)}</title>
<style>${STYLE}${SVG_STYLE}</style>
<rect class="svg-bg" width="100%" height="100%"/>
<g transform="translate(${margin},0)">
${body.join('\n')}
</g>
</svg>
`;
}
