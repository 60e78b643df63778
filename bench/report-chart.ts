/**
 * chart.svg: one panel per workload and mode, a horizontal bar per row on a logarithmic axis
 * of throughput (sequences, or streaming steps, per second: longer is faster), min–max as a
 * whisker. Written by hand: no plotting dependency.
 */
import type { ResultRow, RunResults } from './result-types.js';
import { WORKLOADS, type Mode } from './workloads.js';

const WIDTH = 980;
const LABEL_WIDTH = 330;
const BAR_WIDTH = 520;
const ROW_HEIGHT = 16;
const TITLE_HEIGHT = 46;
const PANEL_GAP = 16;
const COLORS: Record<string, string> = {
  ours: '#1b7f3b',
  'ours-c++': '#66bb6a',
  onednn: '#1f5fa8',
  onnxruntime: '#7b4fa0',
  'tfjs-wasm': '#e08a1e',
  'tfjs-cpu': '#c0392b',
};
const MODES: Mode[] = ['step', 'infer', 'fwdbwd', 'train'];
const MODE_TITLE: Record<Mode, string> = {
  step: 'streaming step (steps/s)',
  infer: 'inference (seq/s)',
  fwdbwd: 'forward + backward (seq/s)',
  train: 'training step (seq/s)',
};

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}

function decade(d: number): string {
  if (d >= 6) return `${10 ** (d - 6)}M`;
  if (d >= 3) return `${10 ** (d - 3)}k`;
  return d >= 0 ? String(10 ** d) : (10 ** d).toPrecision(1);
}

function rowLabel(r: ResultRow): string {
  const form = r.gruForm ? `, ${r.gruForm}` : '';
  return `${r.label} · ${r.threads}t${form}${r.caller === 'c++' ? ' · C++' : ''}`;
}

function panel(rows: ResultRow[], title: string, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const values = rows.flatMap((r) => [r.seqPerSec.min, r.seqPerSec.max]).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const span = Math.max(1, hi - lo);
  const x = (v: number) => LABEL_WIDTH + (BAR_WIDTH * (Math.log10(v) - lo)) / span;
  svg.push(`<text x="10" y="${top + 16}" class="title">${escapeXml(title)}</text>`);
  const chartTop = top + TITLE_HEIGHT - 6;
  const chartBottom = chartTop + rows.length * ROW_HEIGHT;
  for (let d = lo; d <= lo + span; d++) {
    const gx = x(10 ** d).toFixed(1);
    svg.push(`<line x1="${gx}" y1="${chartTop - 4}" x2="${gx}" y2="${chartBottom}" class="grid"/>`);
    svg.push(`<text x="${gx}" y="${chartTop - 7}" class="tick">${decade(d)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = chartTop + i * ROW_HEIGHT;
    const color = COLORS[r.impl] ?? '#777';
    const end = x(r.seqPerSec.median);
    svg.push(`<text x="${LABEL_WIDTH - 6}" y="${y + 11}" class="label">${escapeXml(rowLabel(r))}</text>`);
    svg.push(
      `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${Math.max(1, end - LABEL_WIDTH).toFixed(1)}" height="${ROW_HEIGHT - 4}" fill="${color}"/>`,
    );
    svg.push(
      `<line x1="${x(r.seqPerSec.min).toFixed(1)}" y1="${y + 8}" x2="${x(r.seqPerSec.max).toFixed(1)}" y2="${y + 8}" class="whisker"/>`,
    );
    const us = r.value.median;
    const shown =
      r.unit === 'us/step'
        ? `${us >= 1000 ? Math.round(us).toLocaleString('en-US') : us.toPrecision(3)} us/step`
        : `${compact(us)} seq/s`;
    svg.push(
      `<text x="${(LABEL_WIDTH + BAR_WIDTH + 8).toFixed(1)}" y="${y + 11}" class="value">${escapeXml(shown)}</text>`,
    );
  });
  return { svg, height: TITLE_HEIGHT + rows.length * ROW_HEIGHT + PANEL_GAP };
}

export function renderChart(results: RunResults): string {
  const body: string[] = [];
  let top = 40;
  const rows = results.rows.filter((r) => !r.forcedIsa);
  for (const w of WORKLOADS) {
    for (const mode of MODES) {
      const panelRows = rows
        .filter((r) => r.workload === w.id && r.mode === mode)
        .sort((a, b) => b.seqPerSec.median - a.seqPerSec.median);
      if (!panelRows.length) continue;
      const title = `${w.id} ${w.cell.toUpperCase()} D=${w.inputSize} H=${w.hiddenSize} L=${w.layers} T=${w.steps} B=${w.batch}: ${MODE_TITLE[mode]}`;
      const p = panel(panelRows, title, top);
      body.push(...p.svg);
      top += p.height;
    }
  }
  const heading = `rnn-anomaly benchmarks${results.quick ? ' (quick run)' : ''}, ${results.machine.cpu}, ${results.createdAt.slice(0, 10)}: log scale, longer is faster, whiskers min–max`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 10}" viewBox="0 0 ${WIDTH} ${top + 10}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:13px;font-weight:bold}.label{font-size:11px;text-anchor:end}.value{font-size:11px}' +
      '.tick{font-size:9px;fill:#666;text-anchor:middle}.grid{stroke:#ddd;stroke-width:1}.whisker{stroke:#111;stroke-width:1.2}</style>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(heading)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
