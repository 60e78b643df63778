/**
 * Events the way telemanom finds them from a detection's smoothed errors. The one step the
 * Detector does not take: telemanom replaces the first `window` smoothed errors of a channel by
 * their mean over the first 2 x `window` rows, because an EWMA restarted at the first scored
 * row averages too few errors there to be compared with the rest. The nonparametric dynamic
 * threshold is then run on the result, exactly as in detect(). Working from the scores also lets
 * the runner re-threshold cached scores without retraining.
 */
import { fitThreshold, type ThresholdSpec } from '../../src/thresholds/index.js';
import { maskToRanges, type IndexRange } from '../../src/eval/index.js';

/** `scores` as in DetectionResult.scores: the first `unscored` rows have no prediction. */
export function telemanomEvents(scores: Float32Array, unscored: number, window: number, threshold: ThresholdSpec): IndexRange[] {
  const scored = Float64Array.from(scores.subarray(unscored));
  const head = Math.min(window, scored.length);
  const span = Math.min(2 * window, scored.length);
  let mean = 0;
  for (let i = 0; i < span; i++) mean += scored[i]!;
  mean /= span;
  scored.fill(mean, 0, head);
  const { flags } = fitThreshold(threshold).apply(scored);
  return maskToRanges(flags).map((r) => ({ start: r.start + unscored, end: r.end + unscored }));
}
