import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../core/errors.js';

/** One feature's share of an event's anomaly. */
export interface FeatureContribution {
  name: string;
  /** Column index in the feature scores. */
  index: number;
  /** Share of the event's summed feature scores, in [0, 1]; the shares of one event sum to 1. */
  contribution: number;
}

/** A run of consecutive anomalous rows (after merging runs separated by short gaps). */
export interface AnomalyEvent {
  /** First row, inclusive. */
  start: number;
  /** Last row, inclusive. */
  end: number;
  /** Timestamps (epoch ms) of the first and last rows, when timestamps were given. */
  startTime?: number;
  endTime?: number;
  /** Row with the highest score in the event (the first one on ties). */
  peak: number;
  peakScore: number;
  /** Features ranked by contribution, highest first; empty without feature scores. */
  features: FeatureContribution[];
}

export interface ExtractEventsOptions {
  /**
   * Runs separated by fewer than `minGap` unflagged rows become one event (the rows between
   * them join it). Default 0: every run is its own event.
   */
  minGap?: number;
  /** Keep only the `topFeatures` largest contributions per event (shares still sum to 1 over all features). */
  topFeatures?: number;
}

type Numbers = Float32Array | Float64Array | readonly number[];

/**
 * Groups flagged rows into events. `featureScores` is row-major (rows x features), one
 * non-negative score per feature and row, e.g. per-feature errors; a feature's contribution is
 * its score summed over the event's rows, divided by the total over all features. Negative
 * feature scores (possible with some likelihood decompositions) count as 0: a feature that
 * lowered the score did not cause the anomaly. If every feature sums to 0, all contributions
 * are 0.
 */
export function extractEvents(
  flags: Uint8Array | readonly number[],
  scores: Numbers,
  featureScores?: Numbers,
  featureNames?: readonly string[],
  timestamps?: Float64Array | readonly number[],
  options: ExtractEventsOptions = {},
): AnomalyEvent[] {
  const rows = checkFlags(flags);
  checkNumbers(scores, 'scores', rows);
  const features = checkFeatures(rows, featureScores, featureNames);
  if (timestamps !== undefined) checkNumbers(timestamps, 'timestamps', rows);
  const { minGap, topFeatures } = checkOptions(options);

  const names = Array.from({ length: features }, (_, f) => featureNames?.[f] ?? `feature ${f}`);
  const sums = new Float64Array(features);
  const events: AnomalyEvent[] = [];
  let i = 0;
  while (i < rows) {
    if (flags[i] !== 1) {
      i++;
      continue;
    }
    const start = i;
    let end = i;
    for (let j = i + 1; j < rows; j++) {
      if (flags[j] === 1) end = j;
      else if (j - end >= minGap) break;
    }
    events.push(describeEvent(start, end, scores, featureScores, names, sums, timestamps, topFeatures));
    i = end + 1;
  }
  return events;
}

function describeEvent(
  start: number,
  end: number,
  scores: Numbers,
  featureScores: Numbers | undefined,
  names: readonly string[],
  sums: Float64Array,
  timestamps: Float64Array | readonly number[] | undefined,
  topFeatures: number,
): AnomalyEvent {
  const features = names.length;
  let peak = start;
  for (let r = start + 1; r <= end; r++) if (scores[r]! > scores[peak]!) peak = r;
  const event: AnomalyEvent = { start, end, peak, peakScore: scores[peak]!, features: [] };
  if (timestamps !== undefined) {
    event.startTime = timestamps[start]!;
    event.endTime = timestamps[end]!;
  }
  if (featureScores !== undefined && features > 0) {
    sums.fill(0);
    for (let r = start; r <= end; r++) {
      for (let f = 0; f < features; f++) {
        const v = featureScores[r * features + f]!;
        if (v > 0) sums[f] += v;
      }
    }
    let total = 0;
    for (let f = 0; f < features; f++) total += sums[f]!;
    const ranked: FeatureContribution[] = [];
    for (let f = 0; f < features; f++) {
      ranked.push({ name: names[f]!, index: f, contribution: total > 0 ? sums[f]! / total : 0 });
    }
    ranked.sort((a, b) => b.contribution - a.contribution || a.index - b.index);
    event.features = ranked.slice(0, topFeatures);
  }
  return event;
}

function checkFlags(flags: unknown): number {
  if (!(flags instanceof Uint8Array || Array.isArray(flags))) {
    throw new InvalidArgumentError(`flags must be a Uint8Array or array of 0/1, got ${typeof flags}`);
  }
  const values = flags as ArrayLike<unknown>;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) {
      throw new InvalidDataError(`flags[${i}] must be 0 or 1, got ${String(values[i])}`);
    }
  }
  return values.length;
}

function checkNumbers(values: unknown, name: string, rows: number): void {
  if (!(values instanceof Float32Array || values instanceof Float64Array || Array.isArray(values))) {
    throw new InvalidArgumentError(
      `${name} must be a Float32Array, Float64Array or array of numbers, got ${typeof values}`,
    );
  }
  const array = values as ArrayLike<unknown>;
  if (array.length !== rows) {
    throw new InvalidArgumentError(
      `${name} must hold one value per row (${rows}), got ${array.length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new InvalidDataError(`${name}[${i}] must be a number, got ${String(v)}`);
    }
  }
}

function checkFeatures(rows: number, featureScores: unknown, featureNames: unknown): number {
  if (featureNames !== undefined) {
    if (!Array.isArray(featureNames) || featureNames.some((n) => typeof n !== 'string')) {
      throw new InvalidArgumentError('featureNames must be an array of strings');
    }
  }
  if (featureScores === undefined) return 0;
  if (!(
    featureScores instanceof Float32Array ||
    featureScores instanceof Float64Array ||
    Array.isArray(featureScores)
  )) {
    throw new InvalidArgumentError(
      `featureScores must be a Float32Array, Float64Array or array of numbers, got ${typeof featureScores}`,
    );
  }
  const length = (featureScores as ArrayLike<unknown>).length;
  const names = featureNames as string[] | undefined;
  const features = names !== undefined ? names.length : rows > 0 ? length / rows : 0;
  if (!Number.isInteger(features) || features * rows !== length) {
    throw new InvalidArgumentError(
      names !== undefined
        ? `featureScores must hold rows x featureNames.length = ${rows} x ${names.length} values, got ${length}`
        : `featureScores must hold rows x features values (a multiple of ${rows} rows), got ${length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  const array = featureScores as ArrayLike<unknown>;
  for (let i = 0; i < length; i++) {
    const v = array[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidDataError(
        `featureScores[${i}] (row ${Math.floor(i / features)}, feature ${i % features}) must be a finite number, got ${String(v)}`,
      );
    }
  }
  return features;
}

function checkOptions(options: unknown): { minGap: number; topFeatures: number } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options must be an object such as { minGap: 5 }');
  }
  const { minGap = 0, topFeatures = Number.MAX_SAFE_INTEGER } = options as ExtractEventsOptions;
  for (const [name, value, min] of [
    ['options.minGap', minGap, 0],
    ['options.topFeatures', topFeatures, 1],
  ] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new InvalidArgumentError(`${name} must be an integer, got ${String(value)}`);
    }
    if (value < min) throw new OutOfRangeError(`${name} must be at least ${min}, got ${value}`);
  }
  return { minGap, topFeatures };
}
