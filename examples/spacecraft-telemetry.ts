/**
 * Spacecraft telemetry: channel G-7 of NASA's SMAP satellite (telemanom data set). Each row holds
 * the telemetry value and 24 one-hot command flags. As in telemanom (Hundman et al., KDD 2018),
 * an LSTM predicts the telemetry value from all 25 columns, and telemanom's nonparametric
 * dynamic threshold judges the prediction errors. Train and test are separate recordings.
 *
 *   npx tsx examples/spacecraft-telemetry.ts [train.npy[.gz] test.npy[.gz] labeled_anomalies.csv channel]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Detector, readNpy } from '../src/index.js';
import { printVerdicts, type Rows } from './lib/known-anomalies.js';

const bundled = (name: string) => fileURLToPath(new URL(`./data/smap/${name}`, import.meta.url));
const [trainPath, testPath, labelsPath, channel] =
  process.argv.length > 5
    ? process.argv.slice(2, 6)
    : [bundled('G-7.train.npy.gz'), bundled('G-7.test.npy.gz'), bundled('G-7.labels.csv'), 'G-7'];

const names = (columns: number) => ['telemetry', ...Array.from({ length: columns - 1 }, (_, i) => `command_${i + 1}`)];
const probe = await readNpy(trainPath!);
const train = await readNpy(trainPath!, { columnNames: names(probe.columns) });
const test = await readNpy(testPath!, { columnNames: names(probe.columns) });

// labeled_anomalies.csv: chan_id,spacecraft,"[[start, end], ...]",...; rows 0-based, inclusive.
const line = (await readFile(labelsPath!, 'utf8')).split('\n').find((l) => l.startsWith(`${channel},`));
if (!line) throw new Error(`${labelsPath} has no row for channel ${channel}`);
const windows: Rows[] = (JSON.parse(line.split('"')[1]!) as [number, number][]).map(([start, end]) => ({ start, end }));

const detector = new Detector({
  cell: 'lstm',
  hidden: 64,
  window: 100,
  targets: ['telemetry'],
  // The telemetry is already scaled to [-1, 1]; the command flags are 0/1. Keep both as they are.
  scaler: 'minmax',
  threshold: { method: 'dynamic' },
  seed: 1,
});
const summary = await detector.fit(train);
console.log(`${channel}: trained on ${train.rows} rows x ${train.columns} columns in ${summary.epochs} epochs`);
const result = await detector.detect(test);
printVerdicts(result.events, windows, null, result.unscored);
