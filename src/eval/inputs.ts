/**
 * Argument checks shared by the metric functions. Metrics are often called on arrays that came
 * out of a long pipeline, so a NaN score or a label of 2 must fail loudly with the argument's
 * name instead of quietly turning into a wrong figure.
 */
import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';

/** 0/1 flags or labels, one per point: Uint8Array, number[] or boolean[]. */
export type BinarySeries = ArrayLike<number | boolean>;

/** Real-valued scores, one per point (higher = more anomalous). */
export type ScoreSeries = ArrayLike<number>;

function assertArrayLike(value: unknown, name: string): asserts value is ArrayLike<unknown> {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { length?: unknown }).length === 'number' &&
    Number.isInteger((value as { length: number }).length);
  if (!ok) {
    throw new InvalidArgumentError(`${name} must be an array or typed array, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

/** Copies 0/1 (or boolean) values into a Uint8Array, rejecting anything else. */
export function toBinary(values: BinarySeries, name: string): Uint8Array {
  assertArrayLike(values, name);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false) {
      throw new InvalidDataError(`${name}[${i}] must be 0, 1, true or false, got ${String(v)}`);
    }
  }
  return out;
}

/** Checks that every score is a finite number (NaN would silently corrupt every sort). */
export function checkScores(values: ScoreSeries, name: string): void {
  assertArrayLike(values, name);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidDataError(`${name}[${i}] must be a finite number, got ${String(v)}`);
    }
  }
}

export function checkSameLength(a: ArrayLike<unknown>, aName: string, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(
      `${aName} and ${bName} must have the same length, got ${a.length} and ${b.length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
}

export function checkNotEmpty(values: ArrayLike<unknown>, name: string): void {
  if (values.length === 0) throw new InvalidDataError(`${name} must not be empty`);
}
