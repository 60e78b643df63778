/**
 * Cloud servers: CPU utilisation of an AWS EC2 instance every 5 minutes, as reported by
 * CloudWatch (NAB realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv, one labelled incident).
 * An LSTM forecaster learns the first quarter; a k-sigma threshold flags the rest.
 *
 *   npx tsx examples/cloud-cpu-utilization.ts [data.csv labels.json]
 */
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from '../src/index.js';
import { printVerdicts, readTimeWindows } from './lib/known-anomalies.js';

const bundled = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));
const dataPath = process.argv[2] ?? bundled('ec2_cpu_utilization_825cc2.csv');
const labelsPath = process.argv[3] ?? bundled('ec2_cpu_utilization_825cc2.labels.json');

const series = await readCsv(dataPath);
const trainRows = Math.round(0.25 * series.rows);
const detector = new Detector({
  cell: 'lstm',
  hidden: 32,
  // CPU load swings daily: one day of 5-minute samples per window.
  window: 288,
  threshold: { method: 'ksigma', k: 5 },
  // A span of 6 rows (30 minutes) of EWMA keeps single noisy samples from raising alerts.
  smoothing: 6,
  seed: 1,
});
await detector.fit(series.slice(0, trainRows));
const result = await detector.detect(series.slice(trainRows), { context: 'training' });
const events = result.events.map((e) => ({
  ...e,
  start: e.start + trainRows,
  end: e.end + trainRows,
  peak: e.peak + trainRows,
}));
printVerdicts(events, await readTimeWindows(labelsPath, series.timestamps!), series.timestamps ?? null, trainRows);
