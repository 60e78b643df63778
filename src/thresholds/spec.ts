import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { MIN_EXCESSES_FOR_SHAPE } from './gpd.js';
import { describe } from './scores.js';

/** q-th percentile (0 < q <= 100) of the calibration scores, NumPy's linear interpolation. */
export interface PercentileSpec {
  method: 'percentile';
  /** Default 99. */
  q?: number;
}

/** mean + k * std (population std, ddof 0) of the calibration scores. */
export interface KSigmaSpec {
  method: 'ksigma';
  /** Default 3. */
  k?: number;
}

/**
 * Peaks over threshold (Siffer et al., KDD 2017): a generalized Pareto tail fitted by maximum
 * likelihood above the `level` quantile of the calibration scores, extrapolated to the score
 * exceeded with probability `q`.
 */
export interface PotSpec {
  method: 'pot';
  /** Risk: probability that a normal score exceeds the threshold. Default 1e-3; 0 < q < 1 - level. */
  q?: number;
  /** Quantile of the calibration scores where the tail starts. Default 0.98. */
  level?: number;
}

/**
 * Streaming POT: initialised like `pot`, then updated with every score it judges. `depth` > 0
 * selects DSPOT, which follows a drifting baseline (the mean of the last `depth` normal scores)
 * and thresholds the scores' excess over it.
 */
export interface SpotSpec {
  method: 'spot';
  /** Default 1e-3. */
  q?: number;
  /** Default 0.98. */
  level?: number;
  /** Drift window of DSPOT; 0 (default) is plain SPOT. */
  depth?: number;
  /**
   * Most peaks kept for refits (default 1000); older peaks are forgotten first, so memory and
   * refit time stay bounded on endless streams.
   */
  maxPeaks?: number;
}

/**
 * Nonparametric dynamic threshold of telemanom (Hundman et al., KDD 2018). Works on the scores
 * it is applied to: calibration scores only seed the streaming form.
 */
export interface DynamicSpec {
  method: 'dynamic';
  /** Trailing history per evaluation, in rows. Default 2100 (telemanom: 30 batches of 70). */
  window?: number;
  /** Rows judged per evaluation step. Default 70. */
  batch?: number;
  /** Minimum relative drop between successive sequence peaks that keeps a sequence. Default 0.13. */
  p?: number;
  /** Rows flagged on each side of a point above the threshold. Default 100. */
  buffer?: number;
  /** Also flag unusually LOW stretches (the scores mirrored about their window mean). Default false. */
  inverse?: boolean;
  /**
   * Scores at or below this are never flagged as high, and a window whose scores all lie at or
   * below it flags no low stretch either (telemanom ignores errors under 0.05 on data scaled to
   * [-1, 1]). With `inverse`, a low stretch in a window that does reach above the floor is
   * still flagged. Default null: no floor.
   */
  minScore?: number | null;
}

export type ThresholdSpec = PercentileSpec | KSigmaSpec | PotSpec | SpotSpec | DynamicSpec;
export type ThresholdMethod = ThresholdSpec['method'];

export type ResolvedPercentileSpec = Required<PercentileSpec>;
export type ResolvedKSigmaSpec = Required<KSigmaSpec>;
export type ResolvedPotSpec = Required<PotSpec>;
export type ResolvedSpotSpec = Required<SpotSpec>;
export type ResolvedDynamicSpec = Required<DynamicSpec>;
/** A spec with every default filled in: what a fitted model reports and stores. */
export type ResolvedThresholdSpec =
  ResolvedPercentileSpec | ResolvedKSigmaSpec | ResolvedPotSpec | ResolvedSpotSpec | ResolvedDynamicSpec;

export const THRESHOLD_METHODS: readonly ThresholdMethod[] = ['percentile', 'ksigma', 'pot', 'spot', 'dynamic'];

export const THRESHOLD_DEFAULTS = {
  percentile: { method: 'percentile', q: 99 },
  ksigma: { method: 'ksigma', k: 3 },
  pot: { method: 'pot', q: 1e-3, level: 0.98 },
  spot: { method: 'spot', q: 1e-3, level: 0.98, depth: 0, maxPeaks: 1000 },
  dynamic: { method: 'dynamic', window: 2100, batch: 70, p: 0.13, buffer: 100, inverse: false, minScore: null },
} as const satisfies { [M in ThresholdMethod]: Required<Extract<ThresholdSpec, { method: M }>> };

const MAX_ROWS = 2 ** 31 - 1;

/**
 * Validates a threshold spec (or a bare method name such as 'pot') and fills in defaults.
 * `name` is how the spec is referred to in error messages, e.g. 'options.threshold'.
 */
export function checkThresholdSpec(spec: unknown, name = 'threshold'): ResolvedThresholdSpec {
  const raw: Record<string, unknown> = typeof spec === 'string' ? { method: spec } : (spec as Record<string, unknown>);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(
      `${name} must be an object such as { method: 'pot', q: 1e-3 } or a method name, got ${describe(spec)}`,
    );
  }
  const method = raw['method'];
  if (typeof method !== 'string' || !(THRESHOLD_METHODS as readonly string[]).includes(method)) {
    throw new InvalidArgumentError(
      `${name}.method must be one of ${THRESHOLD_METHODS.map((m) => `'${m}'`).join(', ')}, got ${describe(method)}`,
    );
  }
  const defaults: Record<string, unknown> = THRESHOLD_DEFAULTS[method as ThresholdMethod];
  for (const key of Object.keys(raw)) {
    if (!(key in defaults)) {
      const allowed = Object.keys(defaults).filter((k) => k !== 'method');
      throw new InvalidArgumentError(
        `${name}.${key} is not an option of the '${method}' threshold; allowed: ${allowed.join(', ')}`,
      );
    }
  }
  const pick = <T>(key: string): T => (raw[key] === undefined ? defaults[key] : raw[key]) as T;
  const field = (key: string): string => `${name}.${key}`;

  switch (method as ThresholdMethod) {
    case 'percentile': {
      const q = checkNumber(pick('q'), field('q'), 0, 100, false, true);
      return { method: 'percentile', q };
    }
    case 'ksigma': {
      const k = checkNumber(pick('k'), field('k'), 0, Infinity, false, false);
      return { method: 'ksigma', k };
    }
    case 'pot':
    case 'spot': {
      const level = checkNumber(pick('level'), field('level'), 0, 1, false, false);
      const q = checkNumber(pick('q'), field('q'), 0, 1 - level, false, false, `(0, 1 - level) = (0, ${1 - level})`);
      if (method === 'pot') return { method: 'pot', q, level };
      const depth = checkInteger(pick('depth'), field('depth'), 0, MAX_ROWS);
      const maxPeaks = checkInteger(pick('maxPeaks'), field('maxPeaks'), MIN_EXCESSES_FOR_SHAPE, MAX_ROWS);
      return { method: 'spot', q, level, depth, maxPeaks };
    }
    case 'dynamic': {
      const window = checkInteger(pick('window'), field('window'), 2, MAX_ROWS);
      const batch = checkInteger(pick('batch'), field('batch'), 1, window, `[1, window] = [1, ${window}]`);
      const p = checkNumber(pick('p'), field('p'), 0, 1, true, false);
      const buffer = checkInteger(pick('buffer'), field('buffer'), 0, MAX_ROWS);
      const inverse = pick<unknown>('inverse');
      if (typeof inverse !== 'boolean') {
        throw new InvalidArgumentError(`${field('inverse')} must be a boolean, got ${describe(inverse)}`);
      }
      const floor = pick<unknown>('minScore');
      const minScore = floor === null ? null : checkNumber(floor, field('minScore'), -Infinity, Infinity, false, false);
      return { method: 'dynamic', window, batch, p, buffer, inverse, minScore };
    }
  }
}

function checkNumber(
  value: unknown,
  name: string,
  min: number,
  max: number,
  minIncluded: boolean,
  maxIncluded: boolean,
  rangeText?: string,
): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${name} must be a number, got ${describe(value)}`);
  }
  const aboveMin = minIncluded ? value >= min : value > min;
  const belowMax = maxIncluded ? value <= max : value < max;
  if (!aboveMin || !belowMax || !Number.isFinite(value)) {
    const range = rangeText ?? `${minIncluded ? '[' : '('}${min}, ${max}${maxIncluded ? ']' : ')'}`;
    throw new OutOfRangeError(`${name} must be in ${range}, got ${value}`);
  }
  return value;
}

function checkInteger(value: unknown, name: string, min: number, max: number, rangeText?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidArgumentError(`${name} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new OutOfRangeError(`${name} must be in ${rangeText ?? `[${min}, ${max}]`}, got ${value}`);
  }
  return value;
}
