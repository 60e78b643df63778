/**
 * `node --expose-gc --import tsx bench/serving-memory.ts [streams]`: bytes held per stream by a
 * StreamPool over the W6 model (default threshold), measured as the growth of V8 heap plus
 * ArrayBuffers after creating that many streams, each past its first window.
 */
import { fitW6Detector, W6, w6Point } from './w6-model.js';

const streams = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const pool = (await fitW6Detector()).streams();
const keys = Array.from({ length: streams }, (_, s) => `host-${String(s).padStart(6, '0')}/metric`);
const usage = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const before = usage();
const chunk = 10_000;
for (let t = 0; t < W6.window + 1; t++) {
  for (let from = 0; from < streams; from += chunk) {
    const part = keys.slice(from, from + chunk);
    pool.push(
      part,
      part.map((_, i) => w6Point(from + i, t)),
      part.map(() => `2026-12-03T10:${String(t % 60).padStart(2, '0')}:00Z`),
    );
  }
}
const after = usage();
const perStream = (after - before) / streams;
console.log(
  JSON.stringify({
    streams,
    window: W6.window,
    columns: W6.columns,
    hidden: W6.hidden,
    typedArrayBytesPerStream: pool.bytesPerStream,
    measuredBytesPerStream: Math.round(perStream),
    recordBytes: pool.record(keys[0]!)!.length,
  }),
);
