/**
 * Server use: `concurrency` independent W2 stacks each running forwardAsync at once, the way
 * a service answers simultaneous requests. Measures aggregate sequences per second for one
 * combination of our kernel threads (setThreads) and libuv's pool size (UV_THREADPOOL_SIZE,
 * which must be set before the process starts, hence a process per combination: run.ts
 * spawns this file with the variable in its environment).
 *
 * usage: server-scenario.ts <kernelThreads> <concurrency> <quick 0|1>; prints one JSON line.
 */
import { makeCaseData } from './case-data.js';
import { torchParameterRecord } from './layouts.js';
import { measureThroughput } from './measure.js';
import { FULL_PLAN, QUICK_PLAN } from './timing-plan.js';
import { workloadById } from './workloads.js';
import { RecurrentStack, setThreads } from '../src/engine/index.js';

const [kernelThreads, concurrency, quick] = process.argv.slice(2).map(Number);
if (!(kernelThreads >= 1 && concurrency >= 1)) {
  process.stderr.write('usage: server-scenario.ts <kernelThreads> <concurrency> <quick 0|1>\n');
  process.exit(2);
}
const w = workloadById('W2')!;
const data = makeCaseData(w, 'infer');
setThreads(kernelThreads);
const stacks = Array.from({ length: concurrency }, () => {
  const net = new RecurrentStack({ cell: 'gru', inputSize: w.inputSize, hiddenSize: w.hiddenSize, layers: w.layers });
  net.setParameters(torchParameterRecord(data.stack));
  return net;
});
const call = async (): Promise<void> => {
  await Promise.all(stacks.map((net) => net.forwardAsync(data.x, { batch: w.batch, steps: w.steps })));
};
const { rate } = await measureThroughput(call, true, (quick ? QUICK_PLAN : FULL_PLAN).throughput);
const perCall = concurrency * w.batch;
process.stdout.write(
  `${JSON.stringify({ median: rate.median * perCall, min: rate.min * perCall, max: rate.max * perCall, reps: rate.reps })}\n`,
);
