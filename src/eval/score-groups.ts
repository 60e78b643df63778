/**
 * Threshold-free metrics (best F1, ROC-AUC, average precision) all walk the distinct score
 * values from highest to lowest. Grouping equal scores first is what makes ties correct: a
 * threshold cannot separate two points with the same score, so they move together.
 */
import {
  checkNotEmpty,
  checkSameLength,
  checkScores,
  toBinary,
  type BinarySeries,
  type ScoreSeries,
} from './inputs.js';

export interface ScoreGroups {
  /** Distinct scores, highest first. */
  scores: Float64Array;
  /** Labelled anomalies with exactly that score. */
  positives: Float64Array;
  /** Normal points with exactly that score. */
  negatives: Float64Array;
  totalPositives: number;
  totalNegatives: number;
}

export function groupScores(scores: ScoreSeries, labels: BinarySeries): ScoreGroups {
  checkScores(scores, 'scores');
  const truth = toBinary(labels, 'labels');
  checkSameLength(scores, 'scores', truth, 'labels');
  checkNotEmpty(truth, 'scores');

  const n = truth.length;
  const values = Float64Array.from(scores as ArrayLike<number>);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[b]! - values[a]!);

  const distinct: number[] = [];
  const pos: number[] = [];
  const neg: number[] = [];
  let totalPositives = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const v = values[i]!;
    if (distinct.length === 0 || distinct[distinct.length - 1] !== v) {
      distinct.push(v);
      pos.push(0);
      neg.push(0);
    }
    const g = distinct.length - 1;
    if (truth[i] === 1) {
      pos[g]!++;
      totalPositives++;
    } else neg[g]!++;
  }
  return {
    scores: Float64Array.from(distinct),
    positives: Float64Array.from(pos),
    negatives: Float64Array.from(neg),
    totalPositives,
    totalNegatives: n - totalPositives,
  };
}
