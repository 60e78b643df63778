// Run where no addon could be installed: the pure-JS parts work, and the first native call
// raises ERR_NATIVE_LOAD with possible solutions.
import { fileURLToPath } from 'node:url';
import { Detector, fitThreshold, readCsv } from 'rnn-anomaly';
import { pointwiseMetrics } from 'rnn-anomaly/eval';

const fail = (message) => {
  console.error(`without-addon.mjs: ${message}`);
  process.exit(1);
};
const csv = fileURLToPath(
  import.meta
    .resolve('rnn-anomaly/package.json')
    .replace(/package\.json$/, 'examples/data/ec2_cpu_utilization_825cc2.csv'),
);
const series = await readCsv(csv);
const values = Float64Array.from({ length: series.rows }, (_, r) => series.values[r]);
const { flags } = fitThreshold({ method: 'percentile', q: 99 }, values).apply(values);
const flagged = flags.reduce((n, f) => n + f, 0);
const metrics = pointwiseMetrics(flags, flags);
if (series.rows !== 4032 || !(flagged > 0 && flagged <= 0.011 * series.rows) || metrics.f1 !== 1) {
  fail(`pure-JS parts: ${series.rows} rows, ${flagged} flagged, F1 ${metrics.f1}`);
}

try {
  await new Detector({ epochs: 1 }).fit(series.slice(0, 500));
  fail('fit ran without a native addon');
} catch (err) {
  if (err?.code !== 'ERR_NATIVE_LOAD' || !/Possible solutions:/.test(err.message)) throw err;
  console.log(`without-addon.mjs: CSV, thresholds and metrics work; fit raises ERR_NATIVE_LOAD:\n${err.message}`);
}
