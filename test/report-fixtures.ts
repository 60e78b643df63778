/**
 * Hand-built report inputs: a two-column sine series with anomalies injected at known rows, the
 * score being the distance from the clean sine (so the flagged rows are known exactly), and
 * events written out by hand. No model is involved.
 */
import type { ReportEvent, ReportInput } from '../src/report/report-input.js';

const FIVE_MINUTES = 300_000;
export const FIXTURE_START = Date.UTC(2014, 0, 1, 0, 0, 0);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FixtureOptions {
  rows: number;
  /** Inclusive row ranges where column 0 jumps by +5. */
  anomalies: readonly [number, number][];
  labels?: readonly [number, number][];
  trainRows?: number;
  varyingThreshold?: boolean;
  columnNames?: readonly string[];
}

export function fixtureReport(options: FixtureOptions): ReportInput {
  const { rows } = options;
  const names = options.columnNames ?? ['temperature', 'pressure'];
  const columns = names.length;
  const random = mulberry32(7);
  const values = new Float32Array(rows * columns);
  const scores = new Float32Array(rows).fill(Number.NaN);
  const flags = new Uint8Array(rows);
  const timestamps = new Float64Array(rows);
  const trainEnd = options.trainRows ?? 0;
  const anomalous = new Uint8Array(rows);
  for (const [a, b] of options.anomalies) anomalous.fill(1, a, b + 1);
  for (let r = 0; r < rows; r++) {
    timestamps[r] = FIXTURE_START + r * FIVE_MINUTES;
    const clean = Math.sin((2 * Math.PI * r) / 288);
    for (let c = 0; c < columns; c++) {
      values[r * columns + c] = clean * (c + 1) + (random() - 0.5) * 0.1 + (c === 0 && anomalous[r] ? 5 : 0);
    }
    if (r >= trainEnd) {
      scores[r] = Math.abs(values[r * columns]! - clean);
      flags[r] = scores[r]! > 1 ? 1 : 0;
    }
  }
  const events: ReportEvent[] = options.anomalies.map(([start, end]) => ({
    start,
    end,
    startTime: timestamps[start]!,
    endTime: timestamps[end]!,
    peak: start,
    peakScore: 5,
    features:
      columns > 1
        ? [
            { name: names[0]!, index: 0, contribution: 0.9 },
            { name: names[1]!, index: 1, contribution: 0.1 },
          ]
        : [{ name: names[0]!, index: 0, contribution: 1 }],
  }));
  let threshold: number | Float32Array = 1;
  if (options.varyingThreshold) {
    threshold = new Float32Array(rows).fill(Number.NaN);
    for (let r = trainEnd; r < rows; r++) threshold[r] = 1 + 0.2 * Math.sin(r / 500);
  }
  return {
    title: 'Fixture report',
    source: 'fixture.csv',
    series: { rows, columns, columnNames: names, values, timestamps },
    scores,
    threshold,
    flags,
    events,
    labels: options.labels?.map(([start, end]) => ({ start, end })),
    trainRows: trainEnd > 0 ? { start: 0, end: trainEnd - 1 } : undefined,
    settings: { cell: 'gru', hidden: 16, threshold: { method: 'ksigma', k: 4 } },
    training: { loss: [1, 0.5, 0.3, 0.25, 0.24], validationLoss: [1.1, 0.6, 0.35, 0.3, 0.31], bestEpoch: 4 },
  };
}
