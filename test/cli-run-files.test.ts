import { describe, expect, it } from 'vitest';
import { runCSV, runJSON } from '../src/cli/run-files.js';
import type { RunOutcome } from '../src/cli/run-outcome.js';
import { runSummary } from '../src/cli/summary.js';
import { TimeSeries } from '../src/data/time-series.js';
import { DetectionResult } from '../src/results/detection-result.js';

// A 10-row file; the model trained on rows 0-3 and the result covers rows 4-9, whose first
// row (file row 4) had no history. One event at result rows 2-3 = file rows 6-7.
const T0 = Date.UTC(2024, 0, 1);
const timestamps = Float64Array.from({ length: 10 }, (_, i) => T0 + i * 60_000);
const series = new TimeSeries({
  values: Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 : 100 + i)),
  columnNames: ['cpu', 'mem,used'],
  timestamps,
});
const result = new DetectionResult({
  scores: Float32Array.from([0, 0.5, 3, 2, 0.25, 0.5]),
  flags: Uint8Array.from([0, 0, 1, 1, 0, 0]),
  threshold: 1,
  events: [
    {
      start: 2,
      end: 3,
      startTime: timestamps[6]!,
      endTime: timestamps[7]!,
      peak: 2,
      peakScore: 3,
      features: [
        { name: 'mem,used', index: 1, contribution: 0.75 },
        { name: 'cpu', index: 0, contribution: 0.25 },
      ],
    },
  ],
  featureScores: new Float32Array(12),
  featureNames: ['cpu', 'mem,used'],
  unscored: 1,
  imputed: new Int32Array(0),
  values: series.values.slice(8),
  columnNames: series.columnNames,
  timestamps: timestamps.slice(4),
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
    features: ['cpu', 'mem,used'],
    eventGap: 0,
    calibration: 'holdout',
    thresholdFit: null,
  },
});
const outcome: RunOutcome = {
  dataPath: 'data/servers.csv',
  series,
  detectStart: 4,
  result,
  trainRows: { start: 0, end: 3 },
  labels: [
    { start: 0, end: 1 },
    { start: 7, end: 8 },
    { start: 9, end: 9 },
  ],
};

describe('run outputs', () => {
  it('counts event rows from the first row of the file', () => {
    const doc = runJSON(outcome) as { events: unknown[]; detect: unknown; train: unknown; firstScoredRow: number };
    expect(doc.train).toEqual({
      start: 0,
      end: 3,
      startTime: '2024-01-01T00:00:00.000Z',
      endTime: '2024-01-01T00:03:00.000Z',
    });
    expect(doc.detect).toEqual({
      start: 4,
      end: 9,
      startTime: '2024-01-01T00:04:00.000Z',
      endTime: '2024-01-01T00:09:00.000Z',
    });
    expect(doc.firstScoredRow).toBe(5);
    expect(doc.events).toEqual([
      {
        start: 6,
        end: 7,
        startTime: '2024-01-01T00:06:00.000Z',
        endTime: '2024-01-01T00:07:00.000Z',
        peak: 6,
        peakTime: '2024-01-01T00:06:00.000Z',
        peakScore: 3,
        features: [
          { name: 'mem,used', contribution: 0.75 },
          { name: 'cpu', contribution: 0.25 },
        ],
      },
    ]);
  });

  it('leaves unscored rows empty and judges labels only where rows were scored', () => {
    const doc = runJSON(outcome) as {
      scores: (number | null)[];
      flags: number[];
      labels: { status: string; events: number[] }[];
    };
    expect(doc.scores).toEqual([null, null, null, null, null, 0.5, 3, 2, 0.25, 0.5]);
    expect(doc.flags).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(doc.labels.map((l) => [l.status, l.events])).toEqual([
      ['unscored', []],
      ['found', [1]],
      ['missed', []],
    ]);
  });

  it('writes one CSV line per file row, quoting names that need it', () => {
    const lines = runCSV(outcome).trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('row,timestamp,cpu,"mem,used",score,threshold,flag,event');
    expect(lines[1]).toBe('0,2024-01-01T00:00:00.000Z,0,101,,,,');
    expect(lines[7]).toBe('6,2024-01-01T00:06:00.000Z,6,113,3,1,1,1');
    expect(lines[10]).toBe('9,2024-01-01T00:09:00.000Z,9,119,0.5,1,0,');
  });

  it('summarises events, their features and the labels', () => {
    const text = runSummary(outcome);
    expect(text).toContain('servers.csv: 10 rows x 2 columns, 2024-01-01 00:00 to 2024-01-01 00:09');
    expect(text).toContain(
      'trained on rows 0-3; scored rows 5-9 (2024-01-01 00:05 to 2024-01-01 00:09); threshold 1 (ksigma:k=3)',
    );
    expect(text).toContain('1. rows 6-7 (2024-01-01 00:06 to 2024-01-01 00:07), peak 3, mem,used 75%, cpu 25%');
    expect(text).toContain('Known anomalies (--labels): 1 of 2 found in the scored rows');
    expect(text).toContain('rows 7-8 (2024-01-01 00:07 to 2024-01-01 00:08): found (event 1)');
    expect(text).toContain('row 9 (2024-01-01 00:09): MISSED');
  });
});
