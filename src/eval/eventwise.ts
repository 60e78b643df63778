/**
 * Event-wise precision, recall and F1, the convention of telemanom (Hundman et al., KDD 2018)
 * and Orion: a labelled range is a true positive when at least one predicted event overlaps
 * it, otherwise a false negative; a predicted event overlapping no labelled range is a false
 * positive. Predicted events that hit an already found range cost nothing and add nothing, so
 * precision = TP / (TP + FP) mixes labelled-range and predicted-event counts, as in telemanom.
 * A detector that floods one long anomaly with alarms is not rewarded, one that fires on
 * every normal bump is punished once per bump.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { checkRanges, type IndexRange } from './ranges.js';

export interface EventwiseMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Labelled ranges overlapped by at least one predicted event. */
  truePositives: number;
  /** Predicted events overlapping no labelled range. */
  falsePositives: number;
  /** Labelled ranges no predicted event overlaps. */
  falseNegatives: number;
  labelledEvents: number;
  predictedEvents: number;
}

/**
 * `predicted` and `labels` are inclusive row ranges (AnomalyEvent objects qualify). `length`,
 * when given, bounds-checks both against the series length.
 */
export function eventwiseMetrics(
  predicted: readonly IndexRange[],
  labels: readonly IndexRange[],
  length = Number.MAX_SAFE_INTEGER,
): EventwiseMetrics {
  if (!Number.isInteger(length) || length < 0) {
    throw new InvalidArgumentError(`length must be a non-negative integer, got ${String(length)}`);
  }
  const pred = checkRanges(predicted, length, 'predicted');
  const truth = checkRanges(labels, length, 'labels');
  const found = new Uint8Array(truth.length);
  let falsePositives = 0;
  // Predictions come sorted by start, so a labelled range ending before the current prediction
  // starts can never be hit again and the scan start only moves forward.
  let first = 0;
  for (const p of pred) {
    while (first < truth.length && truth[first]!.end < p.start) first++;
    let hit = false;
    for (let t = first; t < truth.length && truth[t]!.start <= p.end; t++) {
      if (truth[t]!.end >= p.start) {
        found[t] = 1;
        hit = true;
      }
    }
    if (!hit) falsePositives++;
  }
  let truePositives = 0;
  for (const f of found) truePositives += f;
  const falseNegatives = truth.length - truePositives;
  const precision = truePositives + falsePositives === 0 ? 0 : truePositives / (truePositives + falsePositives);
  const recall = truth.length === 0 ? 0 : truePositives / truth.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    precision,
    recall,
    f1,
    truePositives,
    falsePositives,
    falseNegatives,
    labelledEvents: truth.length,
    predictedEvents: pred.length,
  };
}
