/**
 * The NAB score of one file, causally: the score of row r uses the values and prediction
 * errors of rows 0..r only. Four signs of an anomaly, each mapped to [0, 1], are combined by
 * their maximum and then passed through a refractory rule (RefractoryGate), as NAB charges
 * every alarm outside a window. The terms are the library's online scorers
 * (src/scoring/online/); what is NAB-specific here is their choice, their seeding and their
 * mapping constants:
 * - the surprise of the forecaster's error against its own history (ErrorSurprise). The
 *   detector reports squared errors (averaged by its EWMA); their square root, an RMS error in
 *   the data's units, is what is standardised: it is less heavy-tailed than its square, so a
 *   single burst inflates the error history's spread less and later anomalies stay visible;
 * - the surprise of the change against one day earlier (SeasonalChange, then ErrorSurprise),
 *   for series sampled often enough that a day fits twice into the probationary rows;
 * - a value outside the range of the last `rangeMemory` values (RangeNovelty), which scores 1;
 * - likewise a level outside the range of the last `rangeMemory` levels, the level being the
 *   mean of the last `levelRows` values (RollingMean): a sustained shift that no single row
 *   makes extreme.
 * The probationary rows are never scored (NAB ignores them) but seed each history. Each term
 * can be switched off (`terms`), which is how eval/nab-ablations.ts measures what it carries.
 */
import {
  ErrorSurprise,
  RangeNovelty,
  RefractoryGate,
  RollingMean,
  rowsPerDay,
  SeasonalChange,
} from '../../src/scoring/index.js';

/** The four signs of an anomaly; a term switched off never raises a row's score. */
export interface NabScoreTerms {
  /** The forecaster's error against its own history: the network's term. */
  forecastError: boolean;
  /** The change against one day earlier. */
  dayAgo: boolean;
  /** A value outside the range of earlier values. */
  range: boolean;
  /** A level outside the range of earlier levels. */
  levelRange: boolean;
}

export interface NabScoreMapping {
  terms: NabScoreTerms;
  /**
   * The detector's score kind: 'squared' errors are standardised as their square root (an RMS
   * error, see above); 'nll' (the Gaussian head's negative log-likelihood) as it is, being a
   * log already.
   */
  errorKind: 'squared' | 'nll';
  /**
   * Share of the probationary rows, at their end, whose forecast errors seed the error history:
   * the detector's validation rows, predicted without having been trained on.
   */
  errorSeedShare: number;
  /** Forecast errors (the latest ones) the error surprise is judged against. */
  errorHistory: number;
  /** Scores before this many values are in a history are 0. */
  warmup: number;
  /** z of the forecast error at which its score is 0.5. */
  errorZHalf: number;
  /** Rows of the seasonal change average, as a share of a day's rows. */
  seasonalSmoothingShare: number;
  /** z of the seasonal change at which its score is 0.5. */
  seasonalZHalf: number;
  /** Widening of the range of earlier values (and of earlier levels), as a share of its width. */
  rangeTolerance: number;
  /** Rows whose values (and levels) make up the range. */
  rangeMemory: number;
  /** Rows averaged into a level. */
  levelRows: number;
  /** Rows back whose largest combined score must be exceeded to raise an alarm. */
  refractory: number;
}

export interface NabSeries {
  /** Epoch milliseconds. */
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** The day-ago change history holds every row of a file (NAB files have at most 22,695 rows). */
const ALL_ROWS = 100_000;

/** `errors`: the detector's per-row scores, of the kind `mapping.errorKind` names. */
export function nabOnlineScores(
  series: NabSeries,
  probation: number,
  errors: ArrayLike<number>,
  mapping: NabScoreMapping,
): Float64Array {
  const rows = series.values.length;
  const scores = new Float64Array(rows);
  const { terms } = mapping;
  const errorOf = mapping.errorKind === 'squared' ? (r: number) => Math.sqrt(errors[r]!) : (r: number) => errors[r]!;
  const errorSurprise = new ErrorSurprise({
    history: mapping.errorHistory,
    warmup: mapping.warmup,
    zHalf: mapping.errorZHalf,
  });
  for (let r = Math.floor(probation * (1 - mapping.errorSeedShare)); r < probation; r++)
    errorSurprise.observe(errorOf(r));

  const range = new RangeNovelty({ memory: mapping.rangeMemory, tolerance: mapping.rangeTolerance });
  const levelRange = new RangeNovelty({ memory: mapping.rangeMemory, tolerance: mapping.rangeTolerance });
  const level = new RollingMean(mapping.levelRows);
  for (let r = 0; r < probation; r++) {
    range.observe(series.values[r]!);
    const m = level.next(series.values[r]!);
    if (m !== null) levelRange.observe(m);
  }

  // The day length is read from the probationary timestamps only; a day that does not fit twice
  // into them leaves too few changes to judge the first scored rows against.
  const day = rowsPerDay(series.timestamps, probation);
  const seasonal =
    terms.dayAgo && day >= 2 && day <= probation / 2
      ? new SeasonalChange({ period: day, smoothing: Math.max(1, Math.round(day * mapping.seasonalSmoothingShare)) })
      : null;
  const seasonalSurprise = new ErrorSurprise({
    history: ALL_ROWS,
    warmup: mapping.warmup,
    zHalf: mapping.seasonalZHalf,
  });
  if (seasonal !== null) {
    for (let r = 0; r < probation; r++) {
      const change = seasonal.next(series.values[r]!);
      if (change !== null) seasonalSurprise.observe(change);
    }
  }

  const gate = new RefractoryGate(mapping.refractory);
  for (let r = probation; r < rows; r++) {
    const errorScore = errorSurprise.next(errorOf(r));
    let score = terms.forecastError ? errorScore : 0;
    const change = seasonal?.next(series.values[r]!) ?? null;
    if (change !== null) score = Math.max(score, seasonalSurprise.next(change));
    // Switched-off range terms still observe every row, so the others see the same histories.
    const m = level.next(series.values[r]!);
    const novelLevel = m !== null && levelRange.next(m) && terms.levelRange;
    const novelValue = range.next(series.values[r]!) && terms.range;
    if (novelValue || novelLevel) score = 1;
    scores[r] = gate.next(score);
  }
  return scores;
}
