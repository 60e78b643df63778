/**
 * Long run of the model-file fuzzer (`npm run fuzz`): `tsx test/fuzz/run-model-file-fuzz.ts
 * [--cases 100000] [--seed 1] [--batch 2000]`. Prints the summary as JSON and exits 1 when any
 * case crashed, hung, exceeded the memory cap or threw something other than an RnnAnomalyError.
 * A failing case is reproduced from its seed and index with modelFileCase (model-file-cases.ts).
 */
import { parseArgs } from 'node:util';
import { runModelFileFuzz } from './model-file-fuzzer.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '2000' },
  },
});
const summary = await runModelFileFuzz({
  cases: Number(values.cases),
  seed: Number(values.seed),
  batch: Number(values.batch),
});
console.log(JSON.stringify({ ...summary, peakRssMiB: Math.round(summary.peakRssBytes / 2 ** 20) }, null, 2));
process.exitCode = summary.failures.length === 0 ? 0 : 1;
