import type { DisplayLine } from './downsample.js';
import { escapeHtml } from './html-escape.js';
import { formatNumber } from './format.js';
import { linearScale, logScale, niceTicks, type Scale } from './scales.js';

/**
 * Static SVG line charts, drawn on the server so the report reads without JavaScript; the
 * inline script only adds a hover readout. Coordinates are in viewBox units equal to CSS pixels
 * at the report's full width, so one downsampling bucket is one pixel column.
 */

export const CHART_WIDTH = 1000;
export const PLOT_LEFT = 64;
export const PLOT_RIGHT = 12;
export const PLOT_WIDTH = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT;
const PLOT_TOP = 8;
const AXIS_HEIGHT = 22;

export interface ChartBand {
  /** Inclusive x range (rows or epochs). */
  readonly start: number;
  readonly end: number;
  readonly className: string;
  readonly title?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ChartLine {
  readonly line: DisplayLine;
  readonly className: string;
  /** Names the line in the hover readout when a chart has several. */
  readonly name?: string;
}

export interface ChartMark {
  readonly x: number;
  readonly y: number;
  readonly className: string;
}

export interface ChartSpec {
  readonly className: string;
  /** Accessible name and visible heading of the chart. */
  readonly title: string;
  readonly height: number;
  readonly xDomain: readonly [number, number];
  /** Tick label for an x position, e.g. the timestamp of a row. */
  readonly xTickLabel: (x: number) => string;
  /** Snaps x ticks to integers (rows, epochs). */
  readonly integerX?: boolean;
  readonly yDomain: readonly [number, number];
  readonly yLog?: boolean;
  readonly lines: readonly ChartLine[];
  readonly bands?: readonly ChartBand[];
  readonly horizontalLines?: readonly { value: number; className: string }[];
  readonly marks?: readonly ChartMark[];
  /** Extra attributes on the <svg>, e.g. data the hover script reads. */
  readonly attributes?: Readonly<Record<string, string>>;
}

function round1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function attributesText(attributes: Readonly<Record<string, string>> | undefined): string {
  if (!attributes) return '';
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
}

/** SVG path data; NaN values split the line into segments, out-of-range values are clamped. */
export function pathData(line: DisplayLine, x: (v: number) => number, y: Scale): string {
  const [lo, hi] = y.domain;
  const parts: string[] = [];
  let penDown = false;
  for (let i = 0; i < line.rows.length; i++) {
    const value = line.values[i]!;
    if (Number.isNaN(value)) {
      penDown = false;
      continue;
    }
    const clamped = Math.min(hi, Math.max(lo, value));
    parts.push(`${penDown ? 'L' : 'M'}${round1(x(line.rows[i]!))} ${round1(y(clamped))}`);
    penDown = true;
  }
  return parts.join('');
}

export function renderChart(spec: ChartSpec): string {
  const plotBottom = spec.height - AXIS_HEIGHT;
  const [x0, x1] = spec.xDomain;
  const x = linearScale(x0, x1 > x0 ? x1 : x0 + 1, PLOT_LEFT, PLOT_LEFT + PLOT_WIDTH);
  const y = spec.yLog
    ? logScale(spec.yDomain[0], spec.yDomain[1], plotBottom, PLOT_TOP)
    : linearScale(spec.yDomain[0], spec.yDomain[1], plotBottom, PLOT_TOP, 4);
  const out: string[] = [];
  const svgAttributes = {
    ...spec.attributes,
    'data-x0': String(x.domain[0]),
    'data-x1': String(x.domain[1]),
    'data-y0': String(y.domain[0]),
    'data-y1': String(y.domain[1]),
    'data-ylog': spec.yLog ? '1' : '0',
    'data-plot': `${PLOT_LEFT} ${PLOT_TOP} ${PLOT_WIDTH} ${plotBottom - PLOT_TOP}`,
  };
  out.push(
    `<svg class="${escapeHtml(spec.className)}" viewBox="0 0 ${CHART_WIDTH} ${spec.height}" role="img" ` +
      `aria-label="${escapeHtml(spec.title)}"${attributesText(svgAttributes)}>`,
  );
  out.push(
    `<rect class="plot-area" x="${PLOT_LEFT}" y="${PLOT_TOP}" width="${PLOT_WIDTH}" height="${plotBottom - PLOT_TOP}"/>`,
  );

  for (const band of spec.bands ?? []) {
    const left = x(band.start);
    // A one-row event on a long series still shows as a visible sliver.
    const width = Math.max(2, x(band.end) - left);
    const title = band.title ? `<title>${escapeHtml(band.title)}</title>` : '';
    out.push(
      `<rect class="${escapeHtml(band.className)}" x="${round1(left)}" y="${PLOT_TOP}" width="${round1(width)}" ` +
        `height="${plotBottom - PLOT_TOP}"${attributesText(band.attributes)}>${title}</rect>`,
    );
  }

  for (const tick of y.ticks) {
    const ty = round1(y(tick));
    out.push(`<line class="grid" x1="${PLOT_LEFT}" x2="${PLOT_LEFT + PLOT_WIDTH}" y1="${ty}" y2="${ty}"/>`);
    out.push(
      `<text class="tick y-tick" x="${PLOT_LEFT - 6}" y="${ty}" dy="0.32em" text-anchor="end">${formatNumber(tick, 3)}</text>`,
    );
  }
  let xTicks = niceTicks(x.domain[0], x.domain[1], 6);
  if (spec.integerX) xTicks = [...new Set(xTicks.map((t) => Math.round(t)))].filter((t) => t >= x0 && t <= x1);
  for (const tick of xTicks) {
    const tx = round1(x(tick));
    out.push(`<line class="tick-mark" x1="${tx}" x2="${tx}" y1="${plotBottom}" y2="${plotBottom + 4}"/>`);
    out.push(
      `<text class="tick x-tick" x="${tx}" y="${plotBottom + 15}" text-anchor="middle">${escapeHtml(spec.xTickLabel(tick))}</text>`,
    );
  }

  for (const line of spec.lines) {
    const d = pathData(line.line, x, y);
    if (!d) continue;
    const name = line.name ? ` data-name="${escapeHtml(line.name)}"` : '';
    out.push(`<path class="${escapeHtml(line.className)}"${name} d="${d}" vector-effect="non-scaling-stroke"/>`);
  }
  for (const h of spec.horizontalLines ?? []) {
    if (!Number.isFinite(h.value)) continue;
    const hy = round1(y(Math.min(y.domain[1], Math.max(y.domain[0], h.value))));
    out.push(
      `<line class="${escapeHtml(h.className)}" x1="${PLOT_LEFT}" x2="${PLOT_LEFT + PLOT_WIDTH}" y1="${hy}" y2="${hy}" vector-effect="non-scaling-stroke"/>`,
    );
  }
  for (const mark of spec.marks ?? []) {
    if (!Number.isFinite(mark.y)) continue;
    const my = Math.min(y.domain[1], Math.max(y.domain[0], mark.y));
    out.push(`<circle class="${escapeHtml(mark.className)}" cx="${round1(x(mark.x))}" cy="${round1(y(my))}" r="2.5"/>`);
  }
  out.push(`<line class="crosshair" x1="0" x2="0" y1="${PLOT_TOP}" y2="${plotBottom}" visibility="hidden"/>`);
  out.push('</svg>');
  return out.join('');
}
