// A user's script against the installed package: the three subpath entry points, require() of
// the ESM package (unflagged from Node 20.19), and a short fit and detect on the native path.
// Prints the active kernel table; `--expect-isa NAME` makes another table an error.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from 'rnn-anomaly';
import { activeIsa } from 'rnn-anomaly/engine';
import * as evaluation from 'rnn-anomaly/eval';
import * as report from 'rnn-anomaly/report';

const fail = (message) => {
  console.error(`api.mjs: ${message}`);
  process.exit(1);
};
const expectIsa = process.argv.includes('--expect-isa')
  ? process.argv[process.argv.indexOf('--expect-isa') + 1]
  : undefined;

const required = createRequire(import.meta.url)('rnn-anomaly');
if (required.Detector !== Detector) fail('require("rnn-anomaly") does not give the same Detector as import');
for (const [name, entry] of [
  ['eval', evaluation],
  ['report', report],
]) {
  if (Object.keys(entry).length === 0) fail(`rnn-anomaly/${name} exports nothing`);
}

const csv = fileURLToPath(
  import.meta
    .resolve('rnn-anomaly/package.json')
    .replace(/package\.json$/, 'examples/data/ec2_cpu_utilization_825cc2.csv'),
);
const series = await readCsv(csv);
const detector = new Detector({ cell: 'gru', hidden: 8, window: 16, epochs: 2, seed: 1 });
await detector.fit(series.slice(0, 800));
const result = await detector.detect(series.slice(800, 1600), { context: 'training' });
const scored = result.scores.filter((s) => s !== null && Number.isFinite(s)).length;
if (scored === 0) fail('detect scored no row');
const isa = activeIsa();
if (expectIsa !== undefined && isa !== expectIsa) fail(`active kernel table is ${isa}, expected ${expectIsa}`);
console.log(
  `api.mjs: Node ${process.version} ${process.arch}, kernels ${isa}, ${scored} rows scored, ${result.events.length} events`,
);
