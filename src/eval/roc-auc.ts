/**
 * Area under the ROC curve from raw scores. Tied scores form one diagonal segment of the curve
 * (trapezoid), which equals the Mann-Whitney probability that a random anomaly outscores a
 * random normal point, counting ties as one half.
 */
import { InvalidDataError } from '../core/errors.js';
import type { BinarySeries, ScoreSeries } from './inputs.js';
import { groupScores } from './score-groups.js';

export function rocAuc(scores: ScoreSeries, labels: BinarySeries): number {
  const g = groupScores(scores, labels);
  if (g.totalPositives === 0 || g.totalNegatives === 0) {
    throw new InvalidDataError(
      `ROC-AUC needs both classes in labels, got ${g.totalPositives} anomalies and ${g.totalNegatives} normal points`,
    );
  }
  // Sum of trapezoids in count units, divided once at the end to keep precision.
  let tp = 0;
  let area = 0;
  for (let k = 0; k < g.scores.length; k++) {
    const dTp = g.positives[k]!;
    area += g.negatives[k]! * (tp + dTp / 2);
    tp += dTp;
  }
  return area / (g.totalPositives * g.totalNegatives);
}
