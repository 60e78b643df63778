/**
 * Held-out detection quality of the defaults: generated 4-column seasonal series with injected
 * anomalies of six kinds (spike, level shift, frequency change, stuck sensor, correlation break,
 * slow drift; eval/lib/synthetic-series.ts), scored event-wise (a label is found when an event
 * overlaps it; an event overlapping no label is false) in two set-ups:
 * - split: fit on 4,000 clean rows, detect on the next 4,000 rows with one anomaly of each kind;
 * - fit-on-everything: fit(x); detect(x) on 8,000 rows holding two anomalies of each kind.
 *
 *   npx tsx eval/synthetic-detection.ts [--seeds 101,102,103,104,105] [--epochs 10] [--calibration cross-fit]
 *
 * The reported figures use seeds 101-105; development used seeds 1-3, and no constant of the
 * library was chosen on either.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import { Detector } from '../src/detector/detector.js';
import { eventwiseMetrics } from '../src/eval/eventwise.js';
import type { CalibrationMethod } from '../src/model/fitted-model.js';
import { Xoshiro128 } from '../src/core/prng.js';
import {
  ANOMALY_KINDS,
  inject,
  normalSeries,
  sliceRows,
  toRows,
  type GeneratedSeries,
  type InjectedAnomaly,
} from './lib/synthetic-series.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '101,102,103,104,105' },
    epochs: { type: 'string', default: '10' },
    calibration: { type: 'string', default: 'cross-fit' },
  },
});
const seeds = args.seeds.split(',').map(Number);
const epochs = Number(args.epochs);
const calibration = args.calibration as CalibrationMethod;
const COLUMNS = 4;
const ROWS = 4000;
/** Rows between the starts of neighbouring anomalies: the longest (300) plus room for the window. */
const SPACING = 600;

/** `count` anomalies of each kind, shuffled, on random columns, starting at `from` every SPACING rows. */
function injectAll(series: GeneratedSeries, from: number, count: number, rng: Xoshiro128): InjectedAnomaly[] {
  const kinds = Array.from({ length: count }, () => [...ANOMALY_KINDS]).flat();
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((kind, i) => inject(series, kind, rng.nextBelow(COLUMNS), from + i * SPACING + rng.nextBelow(100)));
}

interface Tally {
  tp: number;
  fp: number;
  fn: number;
  missed: Record<string, number>;
}
const tally = (): Tally => ({ tp: 0, fp: 0, fn: 0, missed: {} });
const split = tally();
const everything = tally();

function add(t: Tally, events: readonly { start: number; end: number }[], labels: InjectedAnomaly[]): void {
  const m = eventwiseMetrics(events, labels);
  t.tp += m.truePositives;
  t.fp += m.falsePositives;
  t.fn += m.falseNegatives;
  for (const label of labels) {
    if (!events.some((e) => e.start <= label.end && e.end >= label.start))
      t.missed[label.kind] = (t.missed[label.kind] ?? 0) + 1;
  }
}

const began = performance.now();
console.log(
  `synthetic detection: seeds ${seeds.join(',')}, epochs ${epochs}, calibration ${calibration}; load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const seed of seeds) {
  const rng = new Xoshiro128(seed);
  const clean = normalSeries('seasonal', 2 * ROWS, COLUMNS, seed);
  const test = sliceRows(clean, ROWS, 2 * ROWS);
  const testLabels = injectAll(test, 200, 1, rng);
  const detector = new Detector({ epochs, calibration, seed });
  await detector.fit(toRows(sliceRows(clean, 0, ROWS)));
  add(split, (await detector.detect(toRows(test), { context: 'training' })).events, testLabels);

  const dirty = normalSeries('seasonal', 2 * ROWS, COLUMNS, seed + 10_000);
  const labels = injectAll(dirty, 300, 2, rng);
  const all = new Detector({ epochs, calibration, seed });
  const summary = await all.fit(toRows(dirty));
  add(everything, (await all.detect(toRows(dirty))).events, labels);
  console.log(
    `seed ${seed}: fit-on-everything calibrated on ${summary.calibrationRows} rows, ${summary.contaminatedRows} left out`,
  );
}
const line = (name: string, t: Tally): string => {
  const recall = t.tp / (t.tp + t.fn);
  const precision = t.tp + t.fp > 0 ? t.tp / (t.tp + t.fp) : 1;
  const missed =
    Object.entries(t.missed)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return `| ${name} | ${recall.toFixed(3)} | ${precision.toFixed(3)} | ${t.tp} | ${t.fp} | ${t.fn} | ${missed} |`;
};
console.log('| set-up | event recall | event precision | found | false events | missed | missed by kind |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(line('split', split));
console.log(line('fit-on-everything', everything));
console.log(
  `${((performance.now() - began) / 1000).toFixed(0)} s; load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
