import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';

/** Anomaly scores as the library produces them, or as a user passes them by hand. */
export type ScoreArray = Float32Array | Float64Array | readonly number[];

/**
 * Copies scores into a Float64Array, rejecting anything that is not a finite number: a NaN or an
 * infinity would silently poison every mean, quantile and likelihood computed from it.
 */
export function finiteScores(scores: unknown, name: string, minLength: number): Float64Array {
  if (!(scores instanceof Float32Array || scores instanceof Float64Array || Array.isArray(scores))) {
    throw new InvalidArgumentError(
      `${name} must be a Float32Array, Float64Array or array of numbers, got ${describe(scores)}`,
    );
  }
  const values = scores as ArrayLike<unknown>;
  if (values.length < minLength) {
    throw new InvalidDataError(
      `${name} must hold at least ${minLength} score${minLength === 1 ? '' : 's'}, got ${values.length}`,
    );
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidDataError(`${name}[${i}] must be a finite number, got ${describe(v)}`);
    }
    out[i] = v;
  }
  return out;
}

/** One streamed score, checked with the same rule as whole arrays. */
export function finiteScore(score: unknown, name: string): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new InvalidDataError(`${name} must be a finite number, got ${describe(score)}`);
  }
  return score;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return typeof value;
}
