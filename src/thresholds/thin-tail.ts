/**
 * POT with a stated fallback for short calibration sets. POT extrapolates from the scores above
 * its `level` quantile; with a few hundred scores and level 0.98 that is a handful of peaks, and
 * the extrapolated threshold swings with every one of them. So, when the tail is thin:
 *
 * 1. 'pot-pooled': the tail starts at a lower level, chosen so that MIN_TAIL_PEAKS scores lie
 *    above it (level = 1 - MIN_TAIL_PEAKS / n), as long as that level stays at or above
 *    LOWEST_POOLED_LEVEL (below it the "tail" would be the body of the distribution);
 * 2. 'empirical': otherwise (fewer than MIN_TAIL_PEAKS / (1 - LOWEST_POOLED_LEVEL) scores), the
 *    largest calibration score plus EMPIRICAL_MARGIN times its distance from the median: with
 *    fewer scores than 1 / q, no quantile of the sample reaches the risk asked for, so the
 *    threshold is put beyond all of them by a margin in the scores' own units.
 *
 * The constants are round values chosen for the statistics, not fitted to any benchmark.
 */
import { InvalidDataError } from '../core/errors.js';
import { fitTail } from './pot.js';
import { FixedThreshold } from './fixed-threshold.js';
import { finiteScores, type ScoreArray } from './scores.js';
import type { ResolvedPotSpec } from './spec.js';
import { meanAndStd, quantile } from './statistics.js';

/** Peaks above the tail level below which the tail counts as thin. */
export const MIN_TAIL_PEAKS = 20;
/** The lowest level the pooled tail may start at. */
export const LOWEST_POOLED_LEVEL = 0.9;
/** Empirical fallback: max + EMPIRICAL_MARGIN * (max - median). */
export const EMPIRICAL_MARGIN = 0.5;

/** How a POT threshold was fitted: as configured, on a lower (pooled) level, or empirically. */
export type TailFitKind = 'pot' | 'pot-pooled' | 'empirical';

export interface TailFitReport {
  kind: TailFitKind;
  /** The level the tail started at (the configured one for 'pot'); null for 'empirical'. */
  level: number | null;
  /** Scores above that level; null for 'empirical'. */
  peaks: number | null;
  /** Calibration scores the threshold was fitted on. */
  scores: number;
}

/** Calibration scores that give MIN_TAIL_PEAKS peaks above `level`: the size below which POT falls back. */
export function scoresForTail(level: number): number {
  return Math.ceil(MIN_TAIL_PEAKS / (1 - level));
}

/** A POT threshold on `calibrationScores`, falling back as the module comment says when the tail is thin. */
export function fitPotWithFallback(
  spec: ResolvedPotSpec,
  calibrationScores: ScoreArray,
  name = 'calibrationScores',
): { threshold: FixedThreshold; report: TailFitReport } {
  const scores = finiteScores(calibrationScores, name, 2);
  const n = scores.length;
  const { mean, std } = meanAndStd(scores);
  const configuredPeaks = countAbove(scores, quantile(scores, spec.level));
  const pooledLevel = 1 - MIN_TAIL_PEAKS / n;
  const level =
    configuredPeaks >= MIN_TAIL_PEAKS ? spec.level : pooledLevel >= LOWEST_POOLED_LEVEL ? pooledLevel : null;
  if (level !== null) {
    let tail;
    try {
      tail = fitTail(scores, spec.q, level, name);
    } catch (cause) {
      if (!(cause instanceof InvalidDataError)) throw cause;
      tail = null;
    }
    if (tail !== null) {
      const threshold = FixedThreshold.fromTail(spec, tail, { count: n, mean, std });
      const kind: TailFitKind = level === spec.level ? 'pot' : 'pot-pooled';
      return { threshold, report: { kind, level, peaks: tail.excesses.length, scores: n } };
    }
  }
  const max = quantile(scores, 1);
  const median = quantile(scores, 0.5);
  const value = max + EMPIRICAL_MARGIN * (max - median);
  return {
    threshold: new FixedThreshold(spec, value, { count: n, mean, std }),
    report: { kind: 'empirical', level: null, peaks: null, scores: n },
  };
}

function countAbove(scores: Float64Array, t: number): number {
  let count = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > t) count++;
  return count;
}
