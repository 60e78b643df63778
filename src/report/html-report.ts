import { InvalidArgumentError } from '../core/errors.js';
import { flaggedMarkRows, minMaxDownsample, type DisplayLine } from './downsample.js';
import { formatInteger, formatNumber, formatPercent, formatTimestamp } from './format.js';
import { escapeHtml, jsonForScript } from './html-escape.js';
import type { ReportEvent, ReportInput, RowRange } from './report-input.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_STYLE } from './report-style.js';
import { PLOT_WIDTH, renderChart, type ChartBand, type ChartMark } from './svg-chart.js';

/** Beyond this many columns the report draws the ones events blame most, then the first ones. */
export const MAX_SERIES_CHARTS = 12;
/** The events table lists at most this many (highest peak scores); the full list is in the result file. */
export const MAX_TABLE_EVENTS = 200;
/** Events drawn one mark each on the score chart; denser sets are merged per pixel column. */
const MAX_SCORE_EVENT_MARKS = 5000;

function checkLength(name: string, actual: number, expected: number, unit: string): void {
  if (actual !== expected) {
    throw new InvalidArgumentError(`report input ${name} has ${actual} values, expected ${expected} (${unit})`);
  }
}

function validate(input: ReportInput): void {
  const { series } = input;
  if (!Number.isInteger(series.rows) || series.rows < 1 || !Number.isInteger(series.columns) || series.columns < 1) {
    throw new InvalidArgumentError(
      `report input series must have at least one row and one column, got ${series.rows} x ${series.columns}`,
    );
  }
  checkLength('series.values', series.values.length, series.rows * series.columns, 'rows x columns');
  checkLength('series.columnNames', series.columnNames.length, series.columns, 'one per column');
  if (series.timestamps) checkLength('series.timestamps', series.timestamps.length, series.rows, 'one per row');
  checkLength('scores', input.scores.length, series.rows, 'one per row of the file');
  checkLength('flags', input.flags.length, series.rows, 'one per row of the file');
  if (typeof input.threshold !== 'number')
    checkLength('threshold', input.threshold.length, series.rows, 'one per row of the file');
  const checkRange = (what: string, r: RowRange) => {
    if (!(
      Number.isInteger(r.start) &&
      Number.isInteger(r.end) &&
      r.start >= 0 &&
      r.start <= r.end &&
      r.end < series.rows
    )) {
      throw new InvalidArgumentError(
        `report input ${what} [${r.start}, ${r.end}] must be inclusive row indices within 0..${series.rows - 1}`,
      );
    }
  };
  input.events.forEach((e, i) => checkRange(`events[${i}]`, e));
  input.labels?.forEach((l, i) => checkRange(`labels[${i}]`, l));
  if (input.trainRows) checkRange('trainRows', input.trainRows);
}

function finiteRange(values: ArrayLike<number>, count: number, stride = 1, offset = 0): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[offset + i * stride]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 1];
}

function quantile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return Number.NaN;
  const sorted = Float64Array.from(finite).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function overlaps(a: RowRange, b: RowRange): boolean {
  return a.start <= b.end && a.end >= b.start;
}

/** Whether any row of the range was scored, i.e. whether the detector could have found it. */
function hasScore(input: ReportInput, range: RowRange): boolean {
  for (let r = range.start; r <= range.end; r++) if (Number.isFinite(input.scores[r]!)) return true;
  return false;
}

/** Events merged where they fall in the same or adjacent pixel columns, for dense displays. */
function mergeByPixel(ranges: readonly RowRange[], rows: number): RowRange[] {
  const rowsPerPixel = Math.max(1, rows / PLOT_WIDTH);
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start - last.end <= rowsPerPixel) last.end = Math.max(last.end, r.end);
    else merged.push({ start: r.start, end: r.end });
  }
  return merged;
}

interface Axis {
  rows: number;
  label: (row: number) => string;
  timeAt: (row: number) => number | undefined;
}

function rowAxis(input: ReportInput): Axis {
  const { rows, timestamps } = input.series;
  const timeAt = (row: number) => {
    if (!timestamps) return undefined;
    const t = timestamps[Math.min(rows - 1, Math.max(0, Math.round(row)))]!;
    return Number.isFinite(t) ? t : undefined;
  };
  const first = timeAt(0);
  const last = timeAt(rows - 1);
  const longSpan = first !== undefined && last !== undefined && last - first > 2 * 86_400_000;
  const label = (row: number) => {
    const t = timeAt(row);
    if (t === undefined) return formatInteger(row);
    const text = formatTimestamp(t);
    return longSpan ? text.slice(0, 10) : text.slice(5, 16);
  };
  return { rows, label, timeAt };
}

function eventTime(event: ReportEvent, axis: Axis): [number | undefined, number | undefined] {
  return [event.startTime ?? axis.timeAt(event.start), event.endTime ?? axis.timeAt(event.end)];
}

function describeRange(range: RowRange, axis: Axis, times?: [number | undefined, number | undefined]): string {
  const [t0, t1] = times ?? [axis.timeAt(range.start), axis.timeAt(range.end)];
  const rows = `rows ${formatInteger(range.start)}-${formatInteger(range.end)}`;
  return t0 !== undefined && t1 !== undefined ? `${rows}, ${formatTimestamp(t0)} to ${formatTimestamp(t1)}` : rows;
}

function contextBands(input: ReportInput, axis: Axis): ChartBand[] {
  const bands: ChartBand[] = [];
  if (input.trainRows) {
    bands.push({
      ...input.trainRows,
      className: 'train-band',
      title: `training data, ${describeRange(input.trainRows, axis)}`,
    });
  }
  for (const label of input.labels ?? []) {
    bands.push({ ...label, className: 'label-band', title: `labelled anomaly, ${describeRange(label, axis)}` });
  }
  return bands;
}

function scoreChart(input: ReportInput, axis: Axis, markRows: number[]): { svg: string; clippedAbove?: number } {
  const { rows } = input.series;
  const line = minMaxDownsample(input.scores, rows, PLOT_WIDTH);
  const varying = typeof input.threshold === 'number' ? undefined : input.threshold;
  const thresholdLine: DisplayLine | undefined = varying ? minMaxDownsample(varying, rows, PLOT_WIDTH) : undefined;
  const [scoreMin, scoreMax] = finiteRange(input.scores, rows);
  const thresholdMax = varying ? finiteRange(varying, rows)[1] : (input.threshold as number);
  // A few huge scores would flatten everything else; cap the axis and say so.
  const q999 = quantile(input.scores, 0.999);
  const capCandidates = [
    ...(Number.isFinite(thresholdMax) ? [thresholdMax + (thresholdMax - scoreMin)] : []),
    ...(Number.isFinite(q999) ? [q999 + 0.5 * (q999 - scoreMin)] : []),
  ];
  const cap = capCandidates.length > 0 ? Math.max(...capCandidates) : scoreMax;
  const top = Math.max(Number.isFinite(thresholdMax) ? thresholdMax : -Infinity, Math.min(scoreMax, cap));
  const clippedAbove = scoreMax > top ? top : undefined;
  const bottom = Math.min(scoreMin >= 0 ? 0 : scoreMin, Number.isFinite(thresholdMax) ? thresholdMax : 0);

  const eventRanges = input.events.length <= MAX_SCORE_EVENT_MARKS ? input.events : mergeByPixel(input.events, rows);
  const eventBands: ChartBand[] = eventRanges.map((e, i) => ({
    start: e.start,
    end: e.end,
    className: 'event-mark',
    title:
      'peakScore' in e ? `event ${i + 1}: ${describeRange(e, axis, eventTime(e as ReportEvent, axis))}` : undefined,
    attributes: { 'data-event': String(i) },
  }));
  const marks: ChartMark[] = markRows.map((row) => ({ x: row, y: input.scores[row]!, className: 'flag-mark' }));
  const svg = renderChart({
    className: 'chart score-chart',
    title: 'anomaly score',
    height: 190,
    xDomain: [0, Math.max(1, rows - 1)],
    xTickLabel: axis.label,
    integerX: true,
    yDomain: [bottom, top],
    lines: [
      { line, className: 'score-line', name: 'score' },
      ...(thresholdLine ? [{ line: thresholdLine, className: 'threshold', name: 'threshold' }] : []),
    ],
    bands: [...contextBands(input, axis), ...eventBands],
    horizontalLines: varying ? [] : [{ value: input.threshold as number, className: 'threshold' }],
    marks,
    attributes: { 'data-hover': 'rows' },
  });
  return { svg, clippedAbove };
}

/** Columns to draw: all when few, else those events blame most, then the first ones. */
function chosenColumns(input: ReportInput): number[] {
  const { columns } = input.series;
  if (columns <= MAX_SERIES_CHARTS) return Array.from({ length: columns }, (_, i) => i);
  const blame = new Float64Array(columns);
  for (const e of input.events)
    for (const f of e.features) if (f.index >= 0 && f.index < columns) blame[f.index]! += f.contribution;
  const order = Array.from({ length: columns }, (_, i) => i).sort((a, b) => blame[b]! - blame[a]! || a - b);
  return order.slice(0, MAX_SERIES_CHARTS).sort((a, b) => a - b);
}

function seriesCharts(input: ReportInput, axis: Axis, markRows: number[]): string {
  const { rows, columns, values, columnNames } = input.series;
  const eventBands: ChartBand[] = mergeByPixel(input.events, rows).map((r) => ({ ...r, className: 'event-band' }));
  const bands = [...contextBands(input, axis), ...eventBands];
  const shown = chosenColumns(input);
  const parts = shown.map((column) => {
    const name = columnNames[column]!;
    const svg = renderChart({
      className: 'chart series-chart',
      title: name,
      height: 150,
      xDomain: [0, Math.max(1, rows - 1)],
      xTickLabel: axis.label,
      integerX: true,
      yDomain: finiteRange(values, rows, columns, column),
      lines: [{ line: minMaxDownsample(values, rows, PLOT_WIDTH, columns, column), className: 'series-line' }],
      bands,
      marks: markRows.map((row) => ({ x: row, y: values[row * columns + column]!, className: 'flag-mark' })),
      attributes: { 'data-hover': 'rows', 'data-column': String(column) },
    });
    return `<div class="panel"><h3>${escapeHtml(name)}</h3>${svg}</div>`;
  });
  const hidden = columns - shown.length;
  const note =
    hidden > 0
      ? `<p class="note">${hidden} more column(s) not drawn; shown: the ${shown.length} columns the events blame most.</p>`
      : '';
  return parts.join('\n') + note;
}

/** "2014-02-07 14:55 to 15:20" when both ends fall on the same day. */
function timeSpan(t0: number, t1: number): string {
  const a = formatTimestamp(t0);
  const b = formatTimestamp(t1);
  if (a === b) return a;
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} to ${b.slice(11)}` : `${a} to ${b}`;
}

function featureCell(event: ReportEvent): string {
  return [...event.features]
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 3)
    .map(
      (f) =>
        `<span class="bar" style="width:${Math.round(40 * Math.max(0, Math.min(1, f.contribution)))}px"></span>` +
        `${escapeHtml(f.name)} ${formatPercent(f.contribution)}`,
    )
    .join(', ');
}

function eventsTable(input: ReportInput, axis: Axis): string {
  if (input.events.length === 0) return '<p>No anomalies were detected.</p>';
  const indexed = input.events.map((event, index) => ({ event, index }));
  const listed =
    indexed.length <= MAX_TABLE_EVENTS
      ? indexed
      : [...indexed]
          .sort((a, b) => b.event.peakScore - a.event.peakScore)
          .slice(0, MAX_TABLE_EVENTS)
          .sort((a, b) => a.index - b.index);
  const withLabels = input.labels !== undefined;
  const head = `<tr><th>#</th><th>rows</th><th>time</th><th>length</th><th>peak score</th><th>features responsible</th>${withLabels ? '<th>labelled</th>' : ''}</tr>`;
  const body = listed.map(({ event, index }) => {
    const [t0, t1] = eventTime(event, axis);
    const time = t0 !== undefined && t1 !== undefined ? timeSpan(t0, t1) : '';
    const labelled = withLabels
      ? `<td>${input.labels!.some((l) => overlaps(l, event)) ? '<span class="yes">yes</span>' : '<span class="no">no</span>'}</td>`
      : '';
    return (
      `<tr class="event-row" data-event="${index}"><td class="num">${index + 1}</td>` +
      `<td class="num">${formatInteger(event.start)}-${formatInteger(event.end)}</td><td>${time}</td>` +
      `<td class="num">${formatInteger(event.end - event.start + 1)}</td><td class="num">${formatNumber(event.peakScore)}</td>` +
      `<td>${featureCell(event)}</td>${labelled}</tr>`
    );
  });
  const note =
    listed.length < input.events.length
      ? `<p class="note">Showing the ${listed.length} events with the highest peak scores of ${formatInteger(input.events.length)}.</p>`
      : '';
  return `${note}<table class="events">${head}${body.join('')}</table>`;
}

function labelsTable(
  input: ReportInput,
  labels: readonly RowRange[],
  events: readonly ReportEvent[],
  axis: Axis,
): string {
  const rows = labels.map((label, i) => {
    const verdict = events.some((e) => overlaps(e, label))
      ? '<span class="yes">found</span>'
      : hasScore(input, label)
        ? '<span class="no">missed</span>'
        : 'not scored (training or warm-up rows)';
    return `<tr><td class="num">${i + 1}</td><td>${describeRange(label, axis)}</td><td>${verdict}</td></tr>`;
  });
  return `<table class="labels"><tr><th>#</th><th>labelled window</th><th>detected</th></tr>${rows.join('')}</table>`;
}

function trainingChart(input: ReportInput): string {
  const curve = input.training;
  if (!curve || curve.loss.length === 0) return '';
  const epochs = curve.loss.length;
  const all = [...curve.loss, ...(curve.validationLoss ?? [])].filter(Number.isFinite);
  const [lo, hi] = finiteRange(all, all.length);
  const log = lo > 0 && hi / lo > 20;
  const toLine = (values: readonly number[]): DisplayLine => ({
    rows: values.map((_, i) => i + 1),
    values: [...values],
  });
  const bands: ChartBand[] =
    curve.bestEpoch !== undefined
      ? [
          {
            start: curve.bestEpoch,
            end: curve.bestEpoch,
            className: 'best-epoch',
            title: `weights kept from epoch ${curve.bestEpoch}`,
          },
        ]
      : [];
  const svg = renderChart({
    className: 'chart training-chart',
    title: 'training loss',
    height: 170,
    xDomain: [1, Math.max(2, epochs)],
    xTickLabel: (x) => String(x),
    integerX: true,
    yDomain: log ? [lo, hi] : [Math.min(0, lo), hi],
    yLog: log,
    lines: [
      { line: toLine(curve.loss), className: 'loss-line', name: 'loss' },
      ...(curve.validationLoss
        ? [{ line: toLine(curve.validationLoss), className: 'val-loss-line', name: 'validation' }]
        : []),
    ],
    bands,
    attributes: { 'data-hover': 'epochs' },
  });
  const legend =
    `<div class="legend"><span><i class="swatch line" style="background:#1f4e79"></i>training loss</span>` +
    (curve.validationLoss ? `<span><i class="swatch line" style="background:#e67e22"></i>validation loss</span>` : '') +
    (curve.bestEpoch !== undefined
      ? `<span><i class="swatch line" style="background:#2e7d32"></i>epoch kept (${curve.bestEpoch})</span>`
      : '') +
    `</div>`;
  return `<h2>Training</h2><div class="panel">${legend}${svg}</div>`;
}

function flattenSettings(value: unknown, prefix: string, out: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      flattenSettings(inner, prefix ? `${prefix}.${key}` : key, out);
    }
    return;
  }
  if (value === undefined) return;
  out.push([prefix, typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))]);
}

function settingsTable(settings: Readonly<Record<string, unknown>>): string {
  const entries: [string, string][] = [];
  flattenSettings(settings, '', entries);
  if (entries.length === 0) return '';
  const rows = entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`);
  return `<h2>Settings</h2><table class="settings">${rows.join('')}</table>`;
}

function card(value: string, caption: string): string {
  return `<div class="card"><b>${value}</b><span>${escapeHtml(caption)}</span></div>`;
}

function summaryCards(input: ReportInput): string {
  const { rows, columns } = input.series;
  let scored = 0;
  let flagged = 0;
  for (let i = 0; i < rows; i++) {
    if (Number.isFinite(input.scores[i]!)) scored++;
    if (input.flags[i]) flagged++;
  }
  const cards = [
    card(formatInteger(rows), 'rows'),
    card(formatInteger(columns), columns === 1 ? 'column' : 'columns'),
    card(formatInteger(scored), 'rows scored'),
    card(formatInteger(flagged), 'rows flagged'),
    card(formatInteger(input.events.length), input.events.length === 1 ? 'event' : 'events'),
  ];
  if (input.labels) {
    const judged = input.labels.filter((l) => hasScore(input, l));
    const found = judged.filter((l) => input.events.some((e) => overlaps(e, l))).length;
    const unjudged = input.labels.length - judged.length;
    cards.push(
      card(
        `${found}/${judged.length}`,
        `labelled anomalies found${unjudged > 0 ? ` (${unjudged} in unscored rows)` : ''}`,
      ),
    );
  }
  return `<div class="cards">${cards.join('')}</div>`;
}

function legend(input: ReportInput): string {
  const items = [
    '<span><i class="swatch line" style="background:#6a3d9a"></i>anomaly score</span>',
    '<span><i class="swatch line" style="background:#d62728"></i>threshold</span>',
    '<span><i class="swatch" style="background:rgba(214,39,40,.3)"></i>detected event</span>',
  ];
  if (input.labels)
    items.push('<span><i class="swatch" style="background:rgba(230,161,0,.45)"></i>labelled anomaly</span>');
  if (input.trainRows)
    items.push('<span><i class="swatch" style="background:rgba(138,148,163,.3)"></i>training data</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

/** Timestamps of the row under each pixel column, for the hover readout. */
function pixelTimes(axis: Axis): (number | null)[] | null {
  if (axis.timeAt(0) === undefined) return null;
  return Array.from({ length: PLOT_WIDTH + 1 }, (_, px) => axis.timeAt((px / PLOT_WIDTH) * (axis.rows - 1)) ?? null);
}

/**
 * A self-contained HTML page (styles and script inlined, no network) showing each series with
 * the detected events, the score against its threshold, labelled anomalies, an events table,
 * the training curve and the settings. Long series are downsampled for display only.
 */
export function renderHtmlReport(input: ReportInput): string {
  validate(input);
  const axis = rowAxis(input);
  const markRows = flaggedMarkRows(input.flags, input.scores, input.series.rows, PLOT_WIDTH);
  const score = scoreChart(input, axis, markRows);
  const thresholdText =
    typeof input.threshold === 'number'
      ? `threshold ${formatNumber(input.threshold)}`
      : 'threshold varies along the series';
  const clipNote =
    score.clippedAbove !== undefined
      ? ` Scores above ${formatNumber(score.clippedAbove)} are drawn at the top edge.`
      : '';
  const meta = { rows: input.series.rows, times: pixelTimes(axis) };
  const generated = input.generatedAt ? ` on ${escapeHtml(input.generatedAt.toISOString())}` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
${input.source ? `<p class="source">${escapeHtml(input.source)}</p>` : ''}
${summaryCards(input)}
${legend(input)}
<h2>Anomaly score</h2>
<div class="panel" id="score-panel">${score.svg}<p class="note">${thresholdText}.${clipNote}</p></div>
<h2>Series</h2>
${seriesCharts(input, axis, markRows)}
<h2>Events</h2>
${eventsTable(input, axis)}
${input.labels ? `<h2>Labelled anomalies</h2>${labelsTable(input, input.labels, input.events, axis)}` : ''}
${trainingChart(input)}
${settingsTable(input.settings)}
<footer>Generated by rnn-anomaly${generated}. Long series are downsampled for display (minimum and maximum per pixel column, every flagged row kept as a mark); detection used every row.</footer>
</main>
<div id="readout"></div>
<script type="application/json" id="report-meta">${jsonForScript(meta)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
