/**
 * Child process for the CSV limit tests: `readCsv(argv[3])` when argv[2] is 'file', or
 * `parseCsv` of a header and one numeric cell of argv[3] MiB when argv[2] is 'cell'; then one
 * JSON line with the outcome, the time taken and the peak resident set.
 */
import { parseCsv, readCsv } from '../../src/data/read-csv.js';

const [mode, argument] = process.argv.slice(2);
const began = performance.now();
let result: Record<string, unknown>;
try {
  const series =
    mode === 'file' ? await readCsv(argument!) : parseCsv(`value\n${'1'.repeat(Number(argument) * 2 ** 20)}\n`);
  result = { parsed: true, rows: series.rows };
} catch (error) {
  const e = error as Error & { code?: string };
  result = {
    parsed: false,
    name: e.name,
    code: e.code,
    messageLength: e.message.length,
    message: e.message.slice(0, 300),
  };
}
result.elapsedMs = performance.now() - began;
result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(result));
