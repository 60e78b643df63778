/**
 * Precision, recall and F1 from confusion counts. With nothing predicted, precision is 0; with
 * nothing labelled, recall is 0; F1 is 2TP / (2TP + FP + FN) and 0 when that is 0/0. These are
 * the zero-division choices of scikit-learn's default, so figures compare directly.
 */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface ClassificationMetrics extends ConfusionCounts {
  precision: number;
  recall: number;
  f1: number;
}

export function metricsFromCounts(counts: ConfusionCounts): ClassificationMetrics {
  const { tp, fp, fn, tn } = counts;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return { precision, recall, f1, tp, fp, fn, tn };
}
