/**
 * Push-path latency of SPOT: `tsx bench/spot-latency.ts [--pushes 1000000]`.
 *
 * 1. SpotThreshold.update alone on an Exp(1) stream after 20,000 calibration scores (q 1e-3,
 *    level 0.98, maxPeaks 1000: every 50th score or so is a peak and changes the tail fit).
 * 2. StreamingDetector.push of a fitted GRU (hidden 16, window 16) with a spot threshold, on a
 *    noisy sine continuing its training series.
 * Each push is timed on its own (process.hrtime.bigint); prints p50, p99, p99.9 and max in
 * microseconds as a Markdown table.
 */
import { parseArgs } from 'node:util';
import { Detector } from '../src/detector/detector.js';
import { fitThreshold, type SpotThreshold } from '../src/thresholds/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

const { values } = parseArgs({ options: { pushes: { type: 'string', default: '1000000' } } });
const pushes = Number(values.pushes);

interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

function summarise(nanoseconds: Float64Array): Latency {
  const sorted = nanoseconds.slice().sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1]! / 1000 };
}

/** Latency of `push(i)` for i in [0, pushes), each call timed on its own. */
function timeEach(push: (i: number) => void): Latency {
  const times = new Float64Array(pushes);
  for (let i = 0; i < pushes; i++) {
    const began = process.hrtime.bigint();
    push(i);
    times[i] = Number(process.hrtime.bigint() - began);
  }
  return summarise(times);
}

function spotAlone(): Latency {
  const rng = new Xoshiro128(11);
  const exponential = (): number => -Math.log1p(-rng.nextFloat());
  const model = fitThreshold(
    { method: 'spot', q: 1e-3, level: 0.98 },
    Float64Array.from({ length: 20_000 }, exponential),
  ) as SpotThreshold;
  const scores = Float64Array.from({ length: pushes }, exponential);
  return timeEach((i) => model.update(scores[i]!));
}

async function streamPush(): Promise<Latency> {
  const rng = new Xoshiro128(12);
  const value = (i: number): number => Math.sin((2 * Math.PI * i) / 50) + 0.2 * (rng.nextFloat() - 0.5);
  const training = Array.from({ length: 5000 }, (_, i) => value(i));
  const detector = new Detector({
    hidden: 16,
    window: 16,
    epochs: 3,
    seed: 3,
    threshold: { method: 'spot', q: 1e-3, level: 0.98 },
  });
  await detector.fit(training);
  const stream = detector.stream();
  const points = Float64Array.from({ length: pushes }, (_, i) => value(5000 + i));
  return timeEach((i) => stream.push(points[i]!));
}

const rows: [string, Latency][] = [
  ['SpotThreshold.update', spotAlone()],
  ['StreamingDetector.push (GRU 16, window 16, spot)', await streamPush()],
];
const us = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
console.log(`${pushes} pushes each, microseconds\n`);
console.log('| path | p50 | p99 | p99.9 | max |\n| --- | ---: | ---: | ---: | ---: |');
for (const [name, l] of rows) console.log(`| ${name} | ${us(l.p50)} | ${us(l.p99)} | ${us(l.p999)} | ${us(l.max)} |`);
