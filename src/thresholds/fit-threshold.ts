import { DynamicThreshold } from './dynamic-threshold.js';
import { FixedThreshold } from './fixed-threshold.js';
import type { ThresholdModel } from './model.js';
import { fitTail } from './pot.js';
import { finiteScores, type ScoreArray } from './scores.js';
import { checkThresholdSpec, type ThresholdMethod, type ThresholdSpec } from './spec.js';
import { meanAndStd, quantile } from './statistics.js';
import { SpotThreshold } from './spot-threshold.js';

const NAME = 'calibrationScores';

/**
 * Fits a threshold on calibration scores: scores of data known or assumed to be normal, e.g. the
 * validation part of the training series. `dynamic` needs none (it thresholds the scores it is
 * applied to) and only uses them, when given, to seed its streaming history.
 */
export function fitThreshold(spec: ThresholdSpec | ThresholdMethod, calibrationScores?: ScoreArray): ThresholdModel {
  const resolved = checkThresholdSpec(spec);
  if (resolved.method === 'dynamic') {
    const calibration = calibrationScores === undefined ? undefined : finiteScores(calibrationScores, NAME, 0);
    return DynamicThreshold.fromCalibration(resolved, calibration);
  }
  const minimum = resolved.method === 'percentile' ? 1 : 2;
  const calibration = finiteScores(calibrationScores, NAME, minimum);
  const { mean, std } = meanAndStd(calibration);
  const count = calibration.length;
  switch (resolved.method) {
    case 'percentile':
      return new FixedThreshold(resolved, quantile(calibration, resolved.q / 100), { count, mean, std });
    case 'ksigma':
      return new FixedThreshold(resolved, mean + resolved.k * std, { count, mean, std });
    case 'pot': {
      return FixedThreshold.fromTail(resolved, fitTail(calibration, resolved.q, resolved.level, NAME), {
        count,
        mean,
        std,
      });
    }
    case 'spot':
      return SpotThreshold.fromCalibration(resolved, calibration, NAME);
  }
}
