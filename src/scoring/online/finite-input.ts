import { describeValue } from '../../core/argument-checks.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../../core/errors.js';

/** Largest magnitude accepted: 2^24 squares of it still sum to a finite float64. */
export const MAX_INPUT_MAGNITUDE = 1e150;

/** Ring buffers are allocated up front: at most 2^24 rows (128 MiB of float64). */
export const MAX_RING_ROWS = 16_777_216;

/**
 * The online scorers keep running sums and running extremes; one NaN or infinity would turn
 * every later result into NaN (or freeze an extreme) without a word. So each input is checked
 * before any state changes: a non-number is an InvalidArgumentError, NaN or ±Infinity an
 * InvalidDataError, a magnitude beyond 1e150 (whose square would overflow a sum) an
 * OutOfRangeError, and the scorer is left exactly as it was.
 */
export function checkFiniteInput(name: string, value: unknown): number {
  if (typeof value !== 'number')
    throw new InvalidArgumentError(`${name} must be a finite number, got ${describeValue(value)}`);
  if (!Number.isFinite(value)) {
    throw new InvalidDataError(
      `${name} must be a finite number, got ${value}; fill or drop missing values before scoring them`,
    );
  }
  if (Math.abs(value) > MAX_INPUT_MAGNITUDE) {
    throw new OutOfRangeError(`${name} must have a magnitude of at most ${MAX_INPUT_MAGNITUDE}, got ${value}`);
  }
  return value;
}
