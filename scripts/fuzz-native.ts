// The long run of the native fuzzer (the short one is test/fuzz-native.test.ts):
//   npx tsx scripts/fuzz-native.ts --cases 100000 --seed 7 [--batch 500] [--parallel 2]
// Exits non-zero on any crash, hang or untyped error, and prints each with its seed and case
// index; `--cases 1 --from <index> --seed <seed>` is not needed to replay one: a case is fully
// determined by (seed, index), and the report names both.
import { parseArgs } from 'node:util';

import { runNativeFuzz } from '../test/fuzz/native-fuzz-runner.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '500' },
    parallel: { type: 'string', default: '2' },
    'rss-cap-mb': { type: 'string', default: '1536' },
  },
});
const cases = Number(values.cases);
let lastPrint = 0;
const report = await runNativeFuzz({
  seed: Number(values.seed),
  cases,
  batch: Number(values.batch),
  parallel: Number(values.parallel),
  rssCapMb: Number(values['rss-cap-mb']),
  onCrash: (crash) => console.log('CRASH', JSON.stringify(crash, null, 1)),
  onBatch: (done, r) => {
    if (Date.now() - lastPrint < 10_000 && done < cases) return;
    lastPrint = Date.now();
    console.log(
      `${done}/${cases} cases, ${r.failures.length} failures, ${r.crashes.length} crashes, peak RSS ${r.peakRssMb} MB`,
    );
  },
});
console.log(JSON.stringify({ ...report, targets: undefined, surface: undefined }, null, 1));
console.log(`targets fuzzed: ${Object.keys(report.targets).length}`);
process.exitCode = report.failures.length || report.crashes.length ? 1 : 0;
