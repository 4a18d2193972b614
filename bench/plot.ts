// A log-log plot of time against work, written as plain SVG: one colour per workload, a
// solid line for tgraph and a dashed one for TF.js, and a grey slope-1 guide, so that a cost
// growing faster than the work (a steeper line) shows at a glance.

import type { Measurement } from './harness';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtMs(ms: number): string {
  if (ms >= 1000) return `${ms / 1000}s`;
  if (ms >= 1) return `${ms}ms`;
  return `${ms * 1000}µs`;
}

export function plotSvg(measurements: readonly Measurement[], title: string, extras: ReadonlySet<string> = new Set()): string {
  const timed = measurements.filter((m) => m.tgraphMs !== null && m.tfjsMs !== null);
  const workloads = [...new Set(timed.map((m) => m.workload))];
  const scales = [...new Set(timed.map((m) => m.scale))].sort((a, b) => a - b);
  const width = 900;
  const height = 560;
  const left = 80;
  const right = 230;
  const top = 50;
  const bottom = 70;
  const plotW = width - left - right;
  const plotH = height - top - bottom;

  const times = timed.flatMap((m) => [m.tgraphMs!, m.tfjsMs!]);
  const yMin = Math.pow(10, Math.floor(Math.log10(Math.min(...times))));
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(...times))));
  const xMin = Math.min(...scales) / 1.25;
  const xMax = Math.max(...scales) * 1.25;
  const x = (s: number) => left + ((Math.log(s) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * plotW;
  const y = (ms: number) => top + plotH - ((Math.log(ms) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${left + plotW / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);

  // Grid and axes: a line per decade of time, one per scale of work.
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    const yy = y(d);
    out.push(`<line x1="${left}" y1="${yy}" x2="${left + plotW}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 8}" y="${yy + 4}" text-anchor="end">${fmtMs(Number(d.toPrecision(3)))}</text>`);
    for (const minor of [2, 5]) {
      const v = d * minor;
      if (v < yMax) out.push(`<line x1="${left}" y1="${y(v)}" x2="${left + plotW}" y2="${y(v)}" stroke="#f1f1f1"/>`);
    }
  }
  for (const s of scales) {
    out.push(`<line x1="${x(s)}" y1="${top}" x2="${x(s)}" y2="${top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x(s)}" y="${top + plotH + 20}" text-anchor="middle">×${s}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 22}" text-anchor="middle">work (× the issue's size; log scale)</text>`);
  out.push(
    `<text transform="translate(22 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">median CPU time per repetition (log scale)</text>`,
  );

  // A slope-1 guide in the bottom-right corner (below the data): a line parallel to it is
  // a cost linear in the work; a steeper one is super-linear.
  if (scales.length > 1) {
    const s0 = scales[scales.length - 2];
    const s1 = scales[scales.length - 1];
    const g0 = yMin * 1.6;
    const g1 = g0 * (s1 / s0);
    out.push(
      `<line x1="${x(s0)}" y1="${y(g0)}" x2="${x(s1)}" y2="${y(g1)}" stroke="#888" stroke-width="1.5" stroke-dasharray="2 4" stroke-linecap="round"/>`,
    );
    out.push(`<text x="${x(s1) - 8}" y="${y(g0)}" text-anchor="end" fill="#666" font-size="12">slope 1 = linear</text>`);
  }

  workloads.forEach((w, i) => {
    const color = COLORS[i % COLORS.length];
    const rows = timed.filter((m) => m.workload === w).sort((a, b) => a.scale - b.scale);
    for (const engine of ['tgraph', 'tfjs'] as const) {
      const pts = rows.map((m) => [x(m.scale), y(engine === 'tgraph' ? m.tgraphMs! : m.tfjsMs!)]);
      const dash = engine === 'tfjs' ? ' stroke-dasharray="7 5"' : '';
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2.2"${dash} points="${pts.map((p) => p.map((v) => v.toFixed(1)).join(',')).join(' ')}"/>`,
      );
      for (const [px, py] of pts) {
        out.push(
          engine === 'tgraph'
            ? `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${color}"/>`
            : `<rect x="${(px - 4).toFixed(1)}" y="${(py - 4).toFixed(1)}" width="8" height="8" fill="white" stroke="${color}" stroke-width="2"/>`,
        );
      }
    }
  });

  // Legend: workloads by colour, engines by line style.
  const lx = left + plotW + 24;
  let ly = top + 10;
  out.push(`<text x="${lx}" y="${ly}" font-weight="bold">workload</text>`);
  ly += 8;
  workloads.forEach((w, i) => {
    ly += 20;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${COLORS[i % COLORS.length]}" stroke-width="4"/>`);
    out.push(`<text x="${lx + 36}" y="${ly}">${esc(w)}${extras.has(w) ? ' (extra)' : ''}</text>`);
  });
  ly += 36;
  out.push(`<text x="${lx}" y="${ly}" font-weight="bold">engine</text>`);
  ly += 28;
  out.push(
    `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="#333" stroke-width="2.2"/><circle cx="${lx + 14}" cy="${ly - 4}" r="4" fill="#333"/>`,
  );
  out.push(`<text x="${lx + 36}" y="${ly}">tgraph</text>`);
  ly += 24;
  out.push(
    `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="#333" stroke-width="2.2" stroke-dasharray="7 5"/><rect x="${lx + 10}" y="${ly - 8}" width="8" height="8" fill="white" stroke="#333" stroke-width="2"/>`,
  );
  out.push(`<text x="${lx + 36}" y="${ly}">TensorFlow.js (CPU)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
