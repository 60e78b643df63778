/**
 * Child process of the model-file fuzzer. Reads { bases: string[] (file paths), seed, start, end }
 * as JSON on stdin and runs cases [start, end): Detector.fromBuffer, and for a file that loads,
 * detect, a few stream pushes and toBuffer. Prints "> <index>" before each case (stdout to a pipe
 * is synchronous on POSIX, so after a crash the parent knows which case did it) and one JSON
 * summary line at the end.
 */
import { readFileSync } from 'node:fs';
import { Detector } from '../../src/detector/detector.js';
import { RnnAnomalyError } from '../../src/core/errors.js';
import { modelFileCase } from './model-file-cases.js';

interface Untyped {
  index: number;
  kind: string;
  error: string;
}

const job = JSON.parse(readFileSync(0, 'utf8')) as { bases: string[]; seed: number; start: number; end: number };
const bases = job.bases.map((path) => new Uint8Array(readFileSync(path)));
/** loaded: loaded and used without error; rejected: typed error on load; failedOnUse: loaded, then a typed error. */
const counts = { loaded: 0, rejected: 0, failedOnUse: 0 };
const kinds: Record<string, number> = {};
const untyped: Untyped[] = [];
let slowest = { index: -1, ms: 0 };

async function exercise(detector: Detector): Promise<void> {
  const columns = detector.columnNames.length;
  const rows = Array.from({ length: 40 }, (_, i) => Array.from({ length: columns }, (_, c) => Math.sin(i + c)));
  await detector.detect(rows);
  const stream = detector.stream();
  for (let i = 0; i < 10; i++) stream.push(rows[i]!);
  Detector.fromBuffer(detector.toBuffer());
}

for (let index = job.start; index < job.end; index++) {
  process.stdout.write(`> ${index}\n`);
  const fuzzCase = modelFileCase(bases, job.seed, index);
  kinds[fuzzCase.kind] = (kinds[fuzzCase.kind] ?? 0) + 1;
  const began = performance.now();
  let loaded = false;
  try {
    const detector = Detector.fromBuffer(fuzzCase.bytes, `case ${index}`);
    loaded = true;
    await exercise(detector);
    counts.loaded++;
  } catch (error) {
    if (error instanceof RnnAnomalyError) counts[loaded ? 'failedOnUse' : 'rejected']++;
    else
      untyped.push({
        index,
        kind: fuzzCase.kind,
        error: `${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 300)}`,
      });
  }
  const ms = performance.now() - began;
  if (ms > slowest.ms) slowest = { index, ms };
}
console.log(
  JSON.stringify({ done: true, counts, kinds, untyped, slowest, maxRssBytes: process.resourceUsage().maxRSS * 1024 }),
);
