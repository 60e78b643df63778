/**
 * Streaming: points arrive one at a time (here replayed from NAB's AWS CloudWatch CPU series) and
 * an alert is printed the moment a score crosses the threshold. The detector is trained once on
 * history; each push runs one step of the recurrent network, and the threshold keeps learning
 * from every score it judges. NAB labels one incident in the bundled series, from
 * 2014-04-15 07:24 to 2014-04-16 11:54.
 *
 *   npx tsx examples/streaming-alerts.ts [data.csv]
 */
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from '../src/index.js';

const path = process.argv[2] ?? fileURLToPath(new URL('./data/ec2_cpu_utilization_825cc2.csv', import.meta.url));
const series = await readCsv(path);
const historyRows = Math.round(0.25 * series.rows);
// DSPOT (SPOT with depth): thresholds each score's excess over the mean of the last 50 normal
// scores, so a slow drift in the load does not turn into a stream of alerts.
const detector = new Detector({
  cell: 'gru',
  threshold: { method: 'spot', q: 1e-5, depth: 50 },
  smoothing: 6,
  seed: 1,
});
await detector.fit(series.slice(0, historyRows));

const stream = detector.stream();
const when = (row: number) => new Date(series.timestamps![row]!).toISOString().slice(0, 16).replace('T', ' ');
let inAlert = false;
let alerts = 0;
const started = performance.now();
for (let row = historyRows; row < series.rows; row++) {
  const point = stream.push(series.row(row));
  if (!point.ready) continue;
  if (point.flag && !inAlert) {
    alerts++;
    console.log(
      `ALERT  ${when(row)}  cpu ${series.values[row]!.toFixed(1)}%  score ${point.score.toFixed(2)} > ${point.threshold.toFixed(2)}`,
    );
  } else if (!point.flag && inAlert) {
    console.log(`clear  ${when(row)}`);
  }
  inAlert = point.flag === 1;
}
const perPoint = (performance.now() - started) / (series.rows - historyRows);
console.log(
  `${series.rows - historyRows} points streamed, ${alerts} alerts, ${(perPoint * 1000).toFixed(0)} µs per point`,
);
