/**
 * Point-wise precision, recall and F1: every point is one sample, no adjustment. This is the
 * strictest of the reported figures and the only one that does not reward a detector for
 * flagging a single point of a long anomaly.
 */
import { metricsFromCounts, type ClassificationMetrics } from './classification.js';
import { checkSameLength, toBinary, type BinarySeries } from './inputs.js';

export function pointwiseMetrics(predicted: BinarySeries, labels: BinarySeries): ClassificationMetrics {
  const flags = toBinary(predicted, 'predicted');
  const truth = toBinary(labels, 'labels');
  checkSameLength(flags, 'predicted', truth, 'labels');
  return metricsFromCounts(countConfusion(flags, truth));
}

export function countConfusion(
  flags: Uint8Array,
  truth: Uint8Array,
): { tp: number; fp: number; fn: number; tn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === 1) {
      if (truth[i] === 1) tp++;
      else fp++;
    } else if (truth[i] === 1) fn++;
  }
  return { tp, fp, fn, tn: flags.length - tp - fp - fn };
}
