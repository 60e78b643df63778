import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/core/errors.js';
import { MAX_SERIES_CHARTS, MAX_TABLE_EVENTS, renderHtmlReport } from '../src/report/html-report.js';
import { jsonForScript } from '../src/report/html-escape.js';
import type { ReportInput } from '../src/report/report-input.js';
import { renderChart } from '../src/report/svg-chart.js';
import { renderHtmlReport as renderReportFromEntry, reportInputFromResult } from '../src/report/index.js';
import { DetectionResult } from '../src/index.js';
import { fixtureReport } from './report-fixtures.js';

function count(html: string, pattern: RegExp): number {
  return html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

/** The part of the page between the score chart's opening and closing tags. */
function scoreSvg(html: string): string {
  const start = html.indexOf('<svg class="chart score-chart"');
  return html.slice(start, html.indexOf('</svg>', start));
}

describe('renderHtmlReport', () => {
  const input = fixtureReport({
    rows: 3000,
    anomalies: [
      [1000, 1005],
      [2500, 2500],
    ],
    labels: [[990, 1100]],
    trainRows: 600,
  });
  const html = renderHtmlReport(input);

  it('is one self-contained page with nothing to fetch', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(|@import|https?:\/\//i);
  });

  it('draws one mark per event and one band per labelled window on the score chart', () => {
    const svg = scoreSvg(html);
    expect(count(svg, /<rect class="event-mark"/)).toBe(2);
    expect(count(svg, /<rect class="label-band"/)).toBe(1);
    expect(count(svg, /<rect class="train-band"/)).toBe(1);
    expect(count(html, /<svg class="chart series-chart"/)).toBe(2);
    expect(count(html, /<tr class="event-row"/)).toBe(2);
  });

  it('reports which labelled windows were found', () => {
    expect(html).toContain('<b>1/1</b><span>labelled anomalies found</span>');
    expect(html).toContain('rows 990-1,100, 2014-01-04 10:30 to 2014-01-04 19:40');
  });

  it('does not count labelled windows in unscored rows as missed', () => {
    const withTrainingLabel = renderHtmlReport(
      fixtureReport({
        rows: 3000,
        anomalies: [[1000, 1005]],
        labels: [
          [100, 200],
          [990, 1100],
        ],
        trainRows: 600,
      }),
    );
    expect(withTrainingLabel).toContain('<b>1/1</b><span>labelled anomalies found (1 in unscored rows)</span>');
    expect(withTrainingLabel).toContain('not scored (training or warm-up rows)');
  });

  it('gives times of events from the timestamps', () => {
    // Row 2500 is 2500 five-minute steps after 2014-01-01 00:00; rows 1000-1005 are 3 days
    // 11:20 to 11:45 after it.
    expect(html).toContain('<td>2014-01-09 16:20</td>');
    expect(html).toContain('<td>2014-01-04 11:20 to 11:45</td>');
  });

  it('draws a constant threshold as a line and a varying one as a path', () => {
    expect(count(scoreSvg(html), /<line class="threshold"/)).toBe(1);
    const varying = renderHtmlReport(
      fixtureReport({ rows: 3000, anomalies: [[1000, 1005]], trainRows: 600, varyingThreshold: true }),
    );
    expect(count(scoreSvg(varying), /<line class="threshold"/)).toBe(0);
    expect(count(scoreSvg(varying), /<path class="threshold"/)).toBe(1);
  });

  it('escapes names taken from user files', () => {
    const hostile = fixtureReport({
      rows: 100,
      anomalies: [[50, 50]],
      columnNames: ['<img src=x onerror=alert(1)>', 'a&b'],
    });
    const page = renderHtmlReport({ ...hostile, title: '</title><script>alert(1)</script>' });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('a&amp;b');
  });

  it('keeps inline JSON from closing its script element', () => {
    expect(jsonForScript({ name: '</script><!--' })).toBe('{"name":"\\u003c/script>\\u003c!--"}');
  });

  it('draws the columns events blame most when there are too many to draw', () => {
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const base = fixtureReport({ rows: 200, anomalies: [[100, 101]], columnNames: names });
    const blamed: ReportInput = {
      ...base,
      events: base.events.map((e) => ({ ...e, features: [{ name: 'c17', index: 17, contribution: 1 }] })),
    };
    const page = renderHtmlReport(blamed);
    expect(count(page, /<svg class="chart series-chart"/)).toBe(MAX_SERIES_CHARTS);
    expect(page).toContain('data-column="17"');
    // c17 displaces the last of the first twelve columns.
    expect(page).not.toContain('data-column="11"');
    expect(page).toContain('8 more column(s) not drawn');
  });

  it('lists the highest events when there are too many for the table', () => {
    const rows = 10_000;
    const base = fixtureReport({ rows, anomalies: [] });
    const events = Array.from({ length: MAX_TABLE_EVENTS + 100 }, (_, i) => ({
      start: i * 10,
      end: i * 10 + 1,
      peak: i * 10,
      peakScore: i,
      features: [],
    }));
    const page = renderHtmlReport({ ...base, events });
    expect(count(page, /<tr class="event-row"/)).toBe(MAX_TABLE_EVENTS);
    expect(page).not.toContain('<tr class="event-row" data-event="99">');
    expect(page).toContain('<tr class="event-row" data-event="100">');
    expect(count(scoreSvg(page), /<rect class="event-mark"/)).toBe(MAX_TABLE_EVENTS + 100);
  });

  it('refuses inputs whose arrays do not match the series', () => {
    const bad = { ...input, scores: new Float32Array(10) };
    expect(() => renderHtmlReport(bad)).toThrow(InvalidArgumentError);
    expect(() => renderHtmlReport(bad)).toThrow(/scores has 10 values, expected 3000/);
    const outside = { ...input, events: [{ ...input.events[0]!, end: 3000 }] };
    expect(() => renderHtmlReport(outside)).toThrow(
      /events\[0\] \[1000, 3000\] must be inclusive row indices within 0\.\.2999/,
    );
    try {
      renderHtmlReport(bad);
    } catch (err) {
      expect((err as InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('renderChart', () => {
  it('places a horizontal line at the value given', () => {
    // Height 130 leaves a plot from y=8 to y=108; 1 is half way up a [0, 2] axis.
    const svg = renderChart({
      className: 'c',
      title: 't',
      height: 130,
      xDomain: [0, 10],
      xTickLabel: String,
      yDomain: [0, 2],
      lines: [],
      horizontalLines: [{ value: 1, className: 'threshold' }],
    });
    expect(svg).toMatch(/<line class="threshold" x1="64" x2="988" y1="58" y2="58"/);
  });

  it('clamps values outside the axis to its edges', () => {
    const svg = renderChart({
      className: 'c',
      title: 't',
      height: 130,
      xDomain: [0, 1],
      xTickLabel: String,
      yDomain: [0, 2],
      lines: [{ line: { rows: [0, 1], values: [-5, 50] }, className: 'l' }],
    });
    expect(svg).toContain('d="M64 108L988 8"');
  });
});

describe('reportInputFromResult, as the README calls it from rnn-anomaly/report', () => {
  // A 10-row file: rows 0-3 trained on, the result covers rows 4-9 and its first row had no history.
  const values = Float32Array.from({ length: 10 }, (_, i) => i);
  const series = { rows: 10, columns: 1, columnNames: ['cpu'], values };
  const result = new DetectionResult({
    scores: Float32Array.from([0, 0.5, 3, 2, 0.25, 0.5]),
    flags: Uint8Array.from([0, 0, 1, 1, 0, 0]),
    threshold: 1,
    events: [{ start: 2, end: 3, peak: 2, peakScore: 3, features: [{ name: 'cpu', index: 0, contribution: 1 }] }],
    featureScores: new Float32Array(6),
    featureNames: ['cpu'],
    unscored: 1,
    imputed: new Int32Array(0),
    values: values.slice(4),
    columnNames: ['cpu'],
    timestamps: null,
    settings: {
      cell: 'gru',
      hidden: 8,
      layers: 1,
      mode: 'forecast',
      window: 1,
      horizon: 1,
      score: 'absolute',
      smoothing: 0,
      scaler: 'zscore',
      threshold: { method: 'ksigma', k: 3 },
      features: ['cpu'],
      eventGap: 0,
      calibration: 'cross-fit',
      thresholdFit: null,
    },
  });
  const trainRows = { start: 0, end: 3 };
  const labels = [{ start: 6, end: 8 }];
  const fit = { loss: [1, 0.5], valLoss: [], bestEpoch: 2 };
  const input = reportInputFromResult(result, { series, rowOffset: 4, trainRows, labels, fit });

  it('places the result inside the whole series, leaving rows without a score blank', () => {
    expect(Array.from(input.scores)).toEqual([NaN, NaN, NaN, NaN, NaN, 0.5, 3, 2, 0.25, 0.5]);
    expect(Array.from(input.flags)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(input.events.map((e) => [e.start, e.end, e.peak])).toEqual([[6, 7, 6]]);
    expect(input.trainRows).toEqual(trainRows);
    expect(input.training).toEqual({ loss: [1, 0.5], bestEpoch: 2 });
  });

  it('renders the page with the labelled window found', () => {
    const html = renderReportFromEntry(input);
    expect(count(html, /<tr class="event-row"/)).toBe(1);
    expect(html).toContain('<b>1/1</b><span>labelled anomalies found</span>');
  });

  it('rejects a row offset that puts the result outside the series', () => {
    expect(() => reportInputFromResult(result, { series, rowOffset: 5 })).toThrow(InvalidArgumentError);
  });
});
