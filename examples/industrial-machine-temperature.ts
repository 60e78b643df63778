/**
 * Industrial equipment: the temperature sensor of a large machine in the months before a
 * catastrophic failure (NAB realKnownCause/machine_temperature_system_failure.csv, with NAB's
 * labelled windows). A GRU forecaster learns the first 15% of the series, then every later row
 * is scored by how far it lands from the forecast.
 *
 *   npx tsx examples/industrial-machine-temperature.ts [data.csv labels.json]
 */
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from '../src/index.js';
import { printVerdicts, readTimeWindows } from './lib/known-anomalies.js';

const bundled = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));
const dataPath = process.argv[2] ?? bundled('machine_temperature_system_failure.csv');
const labelsPath = process.argv[3] ?? bundled('machine_temperature_system_failure.labels.json');

const series = await readCsv(dataPath);
const trainRows = Math.round(0.15 * series.rows);
// Half of the training rows are held out: the threshold is calibrated on scores the model did
// not learn from, and more of them make the tail estimate (POT) steadier.
const detector = new Detector({ cell: 'gru', validationSplit: 0.5, seed: 1 });
const summary = await detector.fit(series.slice(0, trainRows));
console.log(
  `trained on ${trainRows} rows: window ${summary.config.window}, ${summary.epochs} epochs, threshold ${summary.threshold?.toFixed(3)}`,
);

// 'training' context: detection continues where training stopped, so its first row is scored.
const result = await detector.detect(series.slice(trainRows), { context: 'training' });
const events = result.events.map((e) => ({
  ...e,
  start: e.start + trainRows,
  end: e.end + trainRows,
  peak: e.peak + trainRows,
}));
printVerdicts(events, await readTimeWindows(labelsPath, series.timestamps!), series.timestamps ?? null, trainRows);
