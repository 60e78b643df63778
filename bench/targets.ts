/**
 * Issue 5's targets for our library on this class of machine (2 cores, AVX-512): the figure
 * our best row (public JavaScript API, any thread count and GRU form) must reach.
 */
import type { Mode, Workload } from './workloads.js';

export interface Target {
  workload: Workload['id'];
  mode: Mode;
  /** us/step (at most) for streaming, seq/s (at least) otherwise. */
  value: number;
}

export const TARGETS: readonly Target[] = [
  { workload: 'W1', mode: 'step', value: 1.0 },
  { workload: 'W2', mode: 'infer', value: 35_000 },
  { workload: 'W3', mode: 'train', value: 8_000 },
  { workload: 'W4', mode: 'infer', value: 3_300 },
  { workload: 'W4', mode: 'fwdbwd', value: 1_200 },
  { workload: 'W5', mode: 'infer', value: 120_000 },
  { workload: 'W5', mode: 'fwdbwd', value: 50_000 },
];

export function targetMet(t: Target, measured: number): boolean {
  return t.mode === 'step' ? measured <= t.value : measured >= t.value;
}
