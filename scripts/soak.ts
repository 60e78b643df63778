// Soak: N stream pushes through detector.stream() on a small fitted model, then M create/dispose
// cycles of every native-backed class, with RSS sampled; exits non-zero unless RSS is flat.
//   npx tsx scripts/soak.ts [--pushes 10000000] [--cycles 20000] [--sample 100000]
// Flat means: after warm-up (the first quarter of the samples), the largest RSS of the last
// quarter is within --tolerance (default 10%) of the largest RSS of the second quarter. Also
// prints the push latency (p50, p99, p99.9, max) measured on every push.
import { parseArgs } from 'node:util';

import { Detector } from '../src/index.js';
import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';

const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '10000000' },
    cycles: { type: 'string', default: '20000' },
    sample: { type: 'string', default: '100000' },
    tolerance: { type: 'string', default: '0.1' },
  },
});
const pushes = Number(values.pushes);
const cycles = Number(values.cycles);
const sampleEvery = Number(values.sample);
const tolerance = Number(values.tolerance);

const rssMb = (): number => process.memoryUsage.rss() / 2 ** 20;

/** Flat RSS: the last quarter's peak within tolerance of the second quarter's peak. */
function flat(samples: number[]): { ok: boolean; second: number; last: number } {
  const q = Math.max(1, Math.floor(samples.length / 4));
  const second = Math.max(...samples.slice(q, 2 * q));
  const last = Math.max(...samples.slice(samples.length - q));
  return { ok: last <= second * (1 + tolerance), second, last };
}

function describe(name: string, samples: number[]): boolean {
  const verdict = flat(samples);
  const round = (v: number): number => Math.round(v * 10) / 10;
  console.log(
    `${name}: RSS start ${round(samples[0]!)} MB, end ${round(samples[samples.length - 1]!)} MB, ` +
      `max ${round(Math.max(...samples))} MB; second-quarter peak ${round(verdict.second)} MB, ` +
      `last-quarter peak ${round(verdict.last)} MB: ${verdict.ok ? 'flat' : `GREW more than ${tolerance * 100}%`}`,
  );
  return verdict.ok;
}

// A small fitted model: 2 features, a sine and a noisy cosine.
const rows = 2000;
const train = Array.from({ length: rows }, (_, t) => [Math.sin(t / 10), Math.cos(t / 7) + 0.05 * Math.sin(t * 1.3)]);
const detector = new Detector({ hidden: 8, window: 16, epochs: 2, windowsPerEpoch: 256, seed: 1 });
await detector.fit(train);
const stream = detector.stream();

const pushSamples: number[] = [rssMb()];
const latencyNs = new Float64Array(Math.min(pushes, 2_000_000));
const point = [0, 0];
const started = Date.now();
for (let i = 0; i < pushes; i++) {
  point[0] = Math.sin(i / 10);
  point[1] = Math.cos(i / 7);
  const t0 = process.hrtime.bigint();
  stream.push(point);
  const dt = Number(process.hrtime.bigint() - t0);
  // Reservoir of the latest pushes (a ring), so memory use does not grow with --pushes.
  latencyNs[i % latencyNs.length] = dt;
  if ((i + 1) % sampleEvery === 0) pushSamples.push(rssMb());
}
const pushSeconds = (Date.now() - started) / 1000;
const sorted = Float64Array.from(latencyNs.subarray(0, Math.min(pushes, latencyNs.length))).sort();
const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000;
console.log(
  `${pushes} pushes in ${pushSeconds.toFixed(1)} s; latency over the last ${sorted.length}: ` +
    `p50 ${pct(0.5).toFixed(2)} us, p99 ${pct(0.99).toFixed(2)} us, p99.9 ${pct(0.999).toFixed(2)} us, ` +
    `max ${(sorted[sorted.length - 1]! / 1000).toFixed(1)} us`,
);
const pushesFlat = describe('pushes', pushSamples);

const cycleSamples: number[] = [rssMb()];
const cycleSample = Math.max(1, Math.floor(cycles / 40));
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
  if ((i + 1) % cycleSample === 0) cycleSamples.push(rssMb());
}
const cyclesFlat = describe(`${cycles} create/dispose cycles`, cycleSamples);
process.exitCode = pushesFlat && cyclesFlat ? 0 : 1;
