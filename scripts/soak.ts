// Soak: N stream pushes through detector.stream() on a small fitted model, then M create/dispose
// cycles of every native-backed class, with RSS sampled; exits non-zero unless RSS is flat.
//   npx tsx scripts/soak.ts [--pushes 10000000] [--cycles 20000] [--samples 40] [--tolerance 0.1]
// Each RSS sample is taken after a full garbage collection and one turn of the event loop, so it
// measures memory still held, not garbage not yet collected. Flat means: the median of the last
// quarter of the samples is within --tolerance (default 15%: V8 grows its own heap by about
// 16 MB once in the first thousand cycles) of the median of the second quarter (the first
// quarter is warm-up). Also prints the push latency over every push (p50, p99, p99.9, max).
//
// The forced collections also keep the C++ heap from fragmenting: the addon before
// native/kernels/buffers.h grew from 92 to 546 MB over 4,000 cycles left to V8's own collections,
// yet stayed flat at 174 MB over 20,000 with one forced every 500. That property is held by the
// platform_buffers CTest program (freed buffers go back to the OS), not by this script.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { Detector } from '../src/index.js';
import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';

const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '10000000' },
    cycles: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '40' },
    tolerance: { type: 'string', default: '0.15' },
  },
});
const pushes = Number(values.pushes);
const cycles = Number(values.cycles);
const samples = Number(values.samples);
const tolerance = Number(values.tolerance);
for (const [name, value] of [
  ['--pushes', pushes],
  ['--cycles', cycles],
  ['--samples', samples],
]) {
  if (!Number.isInteger(value) || (value as number) < (name === '--samples' ? 8 : 1)) {
    throw new Error(`${name} must be an integer >= ${name === '--samples' ? 8 : 1}, got ${String(value)}`);
  }
}
if (!(tolerance > 0)) throw new Error(`--tolerance must be > 0, got ${values.tolerance}`);

// A full collection on demand without asking the caller for `node --expose-gc`: the flag may be
// set at run time, and a fresh context then sees the gc function.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function rssAfterCollection(): Promise<number> {
  collectGarbage();
  await nextTurn(); // finalizers and the work they schedule run on the next turn
  return process.memoryUsage.rss() / 2 ** 20;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function verdict(name: string, rss: number[]): boolean {
  const q = Math.floor(rss.length / 4);
  const second = median(rss.slice(q, 2 * q));
  const last = median(rss.slice(rss.length - q));
  const flat = last <= second * (1 + tolerance);
  const mb = (v: number): string => `${v.toFixed(1)} MB`;
  console.log(
    `${name}: RSS first ${mb(rss[0]!)}, last ${mb(rss[rss.length - 1]!)}, max ${mb(Math.max(...rss))}; ` +
      `median of the second quarter ${mb(second)}, of the last quarter ${mb(last)}: ` +
      (flat ? `flat (within ${tolerance * 100}%)` : `GREW by more than ${tolerance * 100}%`),
  );
  return flat;
}

// Push latency histogram: 10 ns bins up to 1 ms, so the percentiles cover every push at a fixed
// memory cost.
const binNs = 10;
const histogram = new Uint32Array(100_000);
let slowest = 0;
function record(ns: number): void {
  histogram[Math.min(histogram.length - 1, Math.floor(ns / binNs))]! += 1;
  if (ns > slowest) slowest = ns;
}
function percentileUs(p: number): number {
  const rank = Math.ceil(p * pushes);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return ((i + 1) * binNs) / 1000;
  }
  return slowest / 1000;
}

// A small fitted model: 2 features, a sine and a noisy cosine.
const rows = 2000;
const train = Array.from({ length: rows }, (_, t) => [Math.sin(t / 10), Math.cos(t / 7) + 0.05 * Math.sin(t * 1.3)]);
const detector = new Detector({ hidden: 8, window: 16, epochs: 2, windowsPerEpoch: 256, seed: 1 });
await detector.fit(train);
const stream = detector.stream();

const pushSampleEvery = Math.max(1, Math.floor(pushes / samples));
const pushRss: number[] = [await rssAfterCollection()];
const point = [0, 0];
const started = Date.now();
for (let i = 0; i < pushes; i++) {
  point[0] = Math.sin(i / 10);
  point[1] = Math.cos(i / 7);
  const t0 = process.hrtime.bigint();
  stream.push(point);
  record(Number(process.hrtime.bigint() - t0));
  if ((i + 1) % pushSampleEvery === 0) pushRss.push(await rssAfterCollection());
}
const pushSeconds = (Date.now() - started) / 1000;
console.log(
  `${pushes} pushes in ${pushSeconds.toFixed(1)} s (RSS sampling included); latency over every push: ` +
    `p50 ${percentileUs(0.5).toFixed(2)} us, p99 ${percentileUs(0.99).toFixed(2)} us, ` +
    `p99.9 ${percentileUs(0.999).toFixed(2)} us, max ${(slowest / 1000).toFixed(1)} us`,
);
const pushesFlat = verdict(`${pushes} pushes`, pushRss);

const cycleSampleEvery = Math.max(1, Math.floor(cycles / samples));
const cycleRss: number[] = [await rssAfterCollection()];
const cyclesStarted = Date.now();
for (let i = 0; i < cycles; i++) {
  const network = new AnomalyNetwork(
    { cell: 'lstm', inputSize: 4, hiddenSize: 64, layers: 2, mode: 'forecast', outputSize: 4 },
    i,
  );
  const netStream = network.openStream(4, 16);
  const stack = new RecurrentStack({ cell: 'gru', inputSize: 4, hiddenSize: 64, layers: 2, seed: i });
  const stepper = stack.createStepper(2);
  stepper.dispose();
  stack.dispose();
  netStream.dispose();
  network.dispose();
  if ((i + 1) % cycleSampleEvery === 0) cycleRss.push(await rssAfterCollection());
}
console.log(`${cycles} create/dispose cycles in ${((Date.now() - cyclesStarted) / 1000).toFixed(1)} s`);
const cyclesFlat = verdict(`${cycles} create/dispose cycles`, cycleRss);
process.exitCode = pushesFlat && cyclesFlat ? 0 : 1;
