/**
 * Timing harness for the JavaScript-side peers. Every figure is a set of repetitions taken
 * after a warm-up; a figure is reported as the median of the repetitions with their min and
 * max, never a single run.
 */
import { performance } from 'node:perf_hooks';

export interface Stat {
  median: number;
  min: number;
  max: number;
  /** Repetitions behind the figure. */
  reps: number;
}

export function summarize(samples: number[]): Stat {
  if (samples.length === 0) throw new RangeError('summarize: samples must not be empty');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], reps: sorted.length };
}

export type Call = () => void | Promise<void>;

export interface ThroughputOptions {
  warmupMs: number;
  repMs: number;
  reps: number;
}

/** Calls per second: each repetition calls `call` back to back for at least `repMs`. */
export async function measureThroughput(
  call: Call,
  isAsync: boolean,
  opts: ThroughputOptions,
): Promise<{ rate: Stat; callsPerRep: number }> {
  const runFor = async (ms: number): Promise<{ calls: number; seconds: number }> => {
    let calls = 0;
    const start = performance.now();
    let now: number;
    do {
      if (isAsync) await call();
      else call();
      calls++;
      now = performance.now();
    } while (now - start < ms);
    return { calls, seconds: (now - start) / 1000 };
  };
  await runFor(opts.warmupMs);
  const rates: number[] = [];
  let totalCalls = 0;
  for (let r = 0; r < opts.reps; r++) {
    const { calls, seconds } = await runFor(opts.repMs);
    rates.push(calls / seconds);
    totalCalls += calls;
  }
  return { rate: summarize(rates), callsPerRep: Math.round(totalCalls / opts.reps) };
}

export interface LatencyOptions {
  warmupCalls: number;
  /** Calls per repetition. */
  calls: number;
  /** Calls timed together; the per-call time of a block is its duration / block. */
  block: number;
  reps: number;
}

/**
 * Microseconds per call. Timer reads cost tens of nanoseconds, comparable to the calls being
 * measured, so calls are timed in blocks; each repetition reports the median over its blocks
 * (robust to a GC pause or a timer interrupt landing in one block), and the figure is the
 * median of the repetitions' medians.
 */
export async function measureLatency(
  call: Call,
  isAsync: boolean,
  opts: LatencyOptions,
): Promise<{ latencyUs: Stat; callsPerRep: number }> {
  for (let i = 0; i < opts.warmupCalls; i++) {
    if (isAsync) await call();
    else call();
  }
  const block = Math.max(1, Math.min(opts.block, opts.calls));
  const blocks = Math.max(1, Math.round(opts.calls / block));
  const repMedians: number[] = [];
  for (let r = 0; r < opts.reps; r++) {
    const perCall: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const start = performance.now();
      if (isAsync) for (let i = 0; i < block; i++) await call();
      else for (let i = 0; i < block; i++) call();
      perCall.push(((performance.now() - start) * 1000) / block);
    }
    repMedians.push(summarize(perCall).median);
  }
  return { latencyUs: summarize(repMedians), callsPerRep: blocks * block };
}
