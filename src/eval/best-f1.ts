/**
 * The best point-wise F1 over every threshold. The threshold is chosen by looking at the test
 * labels, so this is an upper bound on what a deployed detector would get, not a fair estimate;
 * the result says so in `tunedOnTestSet`.
 */
import { InvalidDataError } from '../core/errors.js';
import { metricsFromCounts, type ClassificationMetrics } from './classification.js';
import type { BinarySeries, ScoreSeries } from './inputs.js';
import { groupScores } from './score-groups.js';

export interface BestF1 extends ClassificationMetrics {
  /** Points with `score >= threshold` are flagged; the highest threshold reaching the best F1. */
  threshold: number;
  tunedOnTestSet: true;
}

export function bestF1(scores: ScoreSeries, labels: BinarySeries): BestF1 {
  const g = groupScores(scores, labels);
  if (g.totalPositives === 0) {
    throw new InvalidDataError('labels contain no anomalies, so the best F1 is undefined');
  }
  let tp = 0;
  let fp = 0;
  let best = -1;
  let bestIndex = 0;
  let bestTp = 0;
  let bestFp = 0;
  for (let k = 0; k < g.scores.length; k++) {
    tp += g.positives[k]!;
    fp += g.negatives[k]!;
    const f1 = (2 * tp) / (tp + fp + g.totalPositives);
    if (f1 > best) {
      best = f1;
      bestIndex = k;
      bestTp = tp;
      bestFp = fp;
    }
  }
  const counts = metricsFromCounts({
    tp: bestTp,
    fp: bestFp,
    fn: g.totalPositives - bestTp,
    tn: g.totalNegatives - bestFp,
  });
  return { ...counts, threshold: g.scores[bestIndex]!, tunedOnTestSet: true };
}
