/**
 * Point adjustment and PA%K (Kim et al., "Towards a Rigorous Evaluation of Time-Series Anomaly
 * Detection", AAAI 2022).
 *
 * Point adjustment (PA) marks a whole labelled segment as detected as soon as one of its points
 * is flagged. It inflates F1 so much that random scores can look state of the art, which is
 * why PA%K exists: a segment is adjusted only when more than K percent of its points are
 * flagged. K = 0 is plain PA, K = 100 never adjusts and gives the point-wise figure. Report
 * these beside the point-wise F1, never instead of it.
 */
import { OutOfRangeError } from '../core/errors.js';
import { metricsFromCounts, type ClassificationMetrics } from './classification.js';
import { checkSameLength, toBinary, type BinarySeries } from './inputs.js';
import { runsOf } from './ranges.js';

export interface PaKPoint extends ClassificationMetrics {
  /** Percentage of a segment's points that must be flagged (strictly more) to adjust it. */
  k: number;
}

export interface PaKCurve {
  points: PaKPoint[];
  /** Trapezoidal area under F1(K), divided by the K span so that it lies in [0, 1]. */
  auc: number;
}

export const DEFAULT_PA_K_VALUES: readonly number[] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** Per-segment detection counts; every K is then a cheap pass over the segments. */
class SegmentTally {
  readonly lengths: number[] = [];
  readonly detected: number[] = [];
  readonly falsePositives: number;
  readonly trueNegatives: number;

  constructor(flags: Uint8Array, truth: Uint8Array) {
    let fp = 0;
    let tn = 0;
    for (let i = 0; i < flags.length; i++) {
      if (truth[i] === 0) {
        if (flags[i] === 1) fp++;
        else tn++;
      }
    }
    for (const r of runsOf(truth)) {
      let d = 0;
      for (let i = r.start; i <= r.end; i++) d += flags[i]!;
      this.lengths.push(r.end - r.start + 1);
      this.detected.push(d);
    }
    this.falsePositives = fp;
    this.trueNegatives = tn;
  }

  at(k: number): PaKPoint {
    let tp = 0;
    let fn = 0;
    for (let s = 0; s < this.lengths.length; s++) {
      const len = this.lengths[s]!;
      const d = this.detected[s]!;
      // d / len > k / 100, without the rounding of a division.
      const hit = 100 * d > k * len ? len : d;
      tp += hit;
      fn += len - hit;
    }
    return { k, ...metricsFromCounts({ tp, fp: this.falsePositives, fn, tn: this.trueNegatives }) };
  }
}

function checkK(k: number, name: string): void {
  if (typeof k !== 'number' || !Number.isFinite(k) || k < 0 || k > 100) {
    throw new OutOfRangeError(`${name} must be a percentage in [0, 100], got ${String(k)}`);
  }
}

function tally(predicted: BinarySeries, labels: BinarySeries): SegmentTally {
  const flags = toBinary(predicted, 'predicted');
  const truth = toBinary(labels, 'labels');
  checkSameLength(flags, 'predicted', truth, 'labels');
  return new SegmentTally(flags, truth);
}

/** The flags after PA%K adjustment (k = 0: classic point adjustment). */
export function pointAdjust(predicted: BinarySeries, labels: BinarySeries, k = 0): Uint8Array {
  checkK(k, 'k');
  const flags = toBinary(predicted, 'predicted');
  const truth = toBinary(labels, 'labels');
  checkSameLength(flags, 'predicted', truth, 'labels');
  const out = flags.slice();
  for (const r of runsOf(truth)) {
    let d = 0;
    for (let i = r.start; i <= r.end; i++) d += flags[i]!;
    if (100 * d > k * (r.end - r.start + 1)) out.fill(1, r.start, r.end + 1);
  }
  return out;
}

/** Precision, recall and F1 after classic point adjustment (inflated; see the file comment). */
export function pointAdjustedMetrics(predicted: BinarySeries, labels: BinarySeries): ClassificationMetrics {
  const { k: _k, ...metrics } = tally(predicted, labels).at(0);
  return metrics;
}

/** Precision, recall and F1 after PA%K adjustment. */
export function paKMetrics(predicted: BinarySeries, labels: BinarySeries, k: number): PaKPoint {
  checkK(k, 'k');
  return tally(predicted, labels).at(k);
}

/** F1 as a function of K and the normalised area under it, Kim et al.'s summary figure. */
export function paKCurve(
  predicted: BinarySeries,
  labels: BinarySeries,
  ks: readonly number[] = DEFAULT_PA_K_VALUES,
): PaKCurve {
  if (!Array.isArray(ks) || ks.length < 2) {
    throw new OutOfRangeError('ks must be an array of at least two K percentages');
  }
  ks.forEach((k, i) => checkK(k, `ks[${i}]`));
  const sorted = [...new Set(ks)].sort((a, b) => a - b);
  if (sorted.length < 2) throw new OutOfRangeError('ks must contain at least two distinct K percentages');
  const t = tally(predicted, labels);
  const points = sorted.map((k) => t.at(k));
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i]!.f1 + points[i - 1]!.f1) / 2) * (points[i]!.k - points[i - 1]!.k);
  }
  return { points, auc: area / (sorted[sorted.length - 1]! - sorted[0]!) };
}
