/**
 * PR-AUC reported as average precision: sum over distinct thresholds of
 * (recall gain) x (precision at that threshold), a step function without interpolation, the
 * same definition as scikit-learn's average_precision_score. The trapezoidal area under the PR
 * curve is deliberately not used: it is optimistic when precision jumps between thresholds.
 */
import { InvalidDataError } from '../core/errors.js';
import type { BinarySeries, ScoreSeries } from './inputs.js';
import { groupScores } from './score-groups.js';

export function averagePrecision(scores: ScoreSeries, labels: BinarySeries): number {
  const g = groupScores(scores, labels);
  if (g.totalPositives === 0) {
    throw new InvalidDataError('labels contain no anomalies, so average precision is undefined');
  }
  let tp = 0;
  let flagged = 0;
  let sum = 0;
  for (let k = 0; k < g.scores.length; k++) {
    const dTp = g.positives[k]!;
    tp += dTp;
    flagged += dTp + g.negatives[k]!;
    if (dTp > 0) sum += dTp * (tp / flagged);
  }
  return sum / g.totalPositives;
}
