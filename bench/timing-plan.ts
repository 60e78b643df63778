/**
 * How long and how often each figure is measured, for the full run and for `--quick`.
 */
import type { LatencyOptions, ThroughputOptions } from './measure.js';

export interface TimingPlan {
  throughput: ThroughputOptions;
  latency: LatencyOptions;
  /** Upper bound on one latency repetition for slow peers; fewer calls are then recorded. */
  latencyRepBudgetMs: number;
}

export const FULL_PLAN: TimingPlan = {
  throughput: { warmupMs: 500, repMs: 1000, reps: 5 },
  latency: { warmupCalls: 2000, calls: 10_000, block: 100, reps: 5 },
  latencyRepBudgetMs: 4000,
};

export const QUICK_PLAN: TimingPlan = {
  throughput: { warmupMs: 40, repMs: 80, reps: 5 },
  latency: { warmupCalls: 500, calls: 2000, block: 50, reps: 5 },
  latencyRepBudgetMs: 300,
};
