/**
 * Advertising / online-market traffic: hourly cost per click on an ad exchange
 * (NAB realAdExchange/exchange-4_cpc_results.csv, three labelled incidents). A plain RNN is
 * enough for this short, strongly daily series; the threshold is SPOT (streaming peaks over
 * threshold), which keeps adapting its tail estimate to every score it judges.
 *
 *   npx tsx examples/ad-exchange-traffic.ts [data.csv labels.json]
 */
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from '../src/index.js';
import { printVerdicts, readTimeWindows } from './lib/known-anomalies.js';

const bundled = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));
const dataPath = process.argv[2] ?? bundled('exchange-4_cpc_results.csv');
const labelsPath = process.argv[3] ?? bundled('exchange-4_cpc_results.labels.json');

const series = await readCsv(dataPath);
// The first incident starts two weeks in: train on the ten days before it.
const trainRows = 240;
const detector = new Detector({
  cell: 'rnn',
  hidden: 16,
  window: 24,
  threshold: { method: 'spot', q: 1e-3, level: 0.95 },
  // Costs per click are skewed with rare large values: scale by median and IQR.
  scaler: 'robust',
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
