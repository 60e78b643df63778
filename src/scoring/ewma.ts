import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkPlainObject, describeValue } from '../core/argument-checks.js';

/**
 * Exponentially weighted moving average in the "adjusted" form (pandas' `ewm(...).mean()`
 * default, which telemanom uses to smooth prediction errors): the mean of all values so far
 * with weights (1 - alpha)^age, normalised by the sum of the weights. Unlike the plain
 * recursion y_t = alpha x_t + (1 - alpha) y_{t-1}, early outputs are not pulled toward the first
 * value. Computed recursively in float64: num_t = x_t + (1 - alpha) num_{t-1},
 * den_t = 1 + (1 - alpha) den_{t-1}, y_t = num_t / den_t, so streaming one point at a time
 * (EwmaSmoother) gives exactly the batch result.
 */

function checkAlpha(alpha: unknown): number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) {
    throw new InvalidArgumentError(`alpha must be a number in (0, 1], got ${describeValue(alpha)}`);
  }
  return alpha;
}

/** Smoothing factor for a span of N points: 2 / (N + 1), as in pandas and telemanom. */
export function alphaFromSpan(span: number): number {
  if (typeof span !== 'number' || !Number.isFinite(span) || span < 1) {
    throw new InvalidArgumentError(`span must be a finite number >= 1, got ${describeValue(span)}`);
  }
  return 2 / (span + 1);
}

/**
 * The EWMA factor of a `smoothing` setting (the Detector's `smoothing` option): 0 turns smoothing
 * off (alpha 1), a value in (0, 1] is the alpha itself, a value above 1 is a span. The three
 * readings meet at 1: alpha 1 and span 1 both mean no smoothing.
 */
export function smoothingAlpha(smoothing: number): number {
  if (typeof smoothing !== 'number' || !Number.isFinite(smoothing) || smoothing < 0) {
    throw new InvalidArgumentError(
      `smoothing must be 0 (off), an alpha in (0, 1] or a span > 1, got ${describeValue(smoothing)}`,
    );
  }
  if (smoothing === 0) return 1;
  return smoothing <= 1 ? smoothing : alphaFromSpan(smoothing);
}

export interface EwmaState {
  alpha: number;
  columns: number;
  numerators: number[];
  denominators: number[];
}

/** The running sums of one smoothed column: enough to continue its EWMA elsewhere. */
export interface EwmaColumnState {
  numerator: number;
  denominator: number;
}

/** Online EWMA of `columns` independent series, one row (or one value of one column) at a time. */
export class EwmaSmoother {
  readonly alpha: number;
  readonly columns: number;
  private readonly numerators: Float64Array;
  private readonly denominators: Float64Array;

  constructor(alpha: number, columns = 1) {
    this.alpha = checkAlpha(alpha);
    this.columns = checkInteger('columns', columns, 1);
    this.numerators = new Float64Array(columns);
    this.denominators = new Float64Array(columns);
  }

  /** Smooths one row: values[offset .. offset+columns) into out[outOffset ..]. */
  update(values: ArrayLike<number>, out: Float32Array, offset = 0, outOffset = 0): void {
    for (let c = 0; c < this.columns; c++) {
      const x = values[offset + c]!;
      if (!Number.isFinite(x)) {
        throw new InvalidDataError(
          `value ${describeValue(x)} at index ${offset + c} cannot be smoothed; values must be finite`,
        );
      }
      out[outOffset + c] = this.step(c, x);
    }
  }

  /** Smooths one value of a single-column smoother. */
  next(value: number): number {
    if (this.columns !== 1)
      throw new InvalidArgumentError(
        `next() needs a 1-column smoother; this one has ${this.columns} columns, use update()`,
      );
    return this.nextAt(0, value);
  }

  /** Smooths the next value of one column (a checked index); the other columns keep their state. */
  nextAt(column: number, value: number): number {
    if (!Number.isFinite(value))
      throw new InvalidDataError(`value ${describeValue(value)} cannot be smoothed; values must be finite`);
    return Math.fround(this.step(column, value));
  }

  /** The running sums of one column, for `restore` on another smoother. */
  stateOf(column: number): EwmaColumnState {
    return { numerator: this.numerators[column]!, denominator: this.denominators[column]! };
  }

  /** Continues one column from a state taken with `stateOf` (a fresh column has sums 0). */
  restore(column: number, state: EwmaColumnState): void {
    this.numerators[column] = state.numerator;
    this.denominators[column] = state.denominator;
  }

  /** Forgets one column's history, or every column's. */
  reset(column?: number): void {
    if (column !== undefined) {
      this.numerators[column] = 0;
      this.denominators[column] = 0;
      return;
    }
    this.numerators.fill(0);
    this.denominators.fill(0);
  }

  /** The adjusted recursion for one finite value, in float64. */
  private step(column: number, x: number): number {
    const keep = 1 - this.alpha;
    const numerator = x + keep * this.numerators[column]!;
    const denominator = 1 + keep * this.denominators[column]!;
    this.numerators[column] = numerator;
    this.denominators[column] = denominator;
    return numerator / denominator;
  }

  toJSON(): EwmaState {
    return {
      alpha: this.alpha,
      columns: this.columns,
      numerators: Array.from(this.numerators),
      denominators: Array.from(this.denominators),
    };
  }

  static fromJSON(json: unknown): EwmaSmoother {
    const o = checkPlainObject('json', json);
    const smoother = new EwmaSmoother(o.alpha as number, o.columns as number);
    for (const key of ['numerators', 'denominators'] as const) {
      const list = o[key];
      if (
        !Array.isArray(list) ||
        list.length !== smoother.columns ||
        list.some((v) => typeof v !== 'number' || !Number.isFinite(v))
      ) {
        throw new InvalidArgumentError(
          `json.${key} must be an array of ${smoother.columns} finite numbers, got ${describeValue(list)}`,
        );
      }
      smoother[key].set(list as number[]);
    }
    return smoother;
  }
}

/**
 * EWMA of each column of `values` ([rows][columns], row-major) with smoothing factor alpha in
 * (0, 1] (1 = no smoothing; see alphaFromSpan for spans).
 */
export function ewma(values: Float32Array, alpha: number, columns = 1, out?: Float32Array): Float32Array {
  checkFloat32Array('values', values);
  checkInteger('columns', columns, 1);
  if (values.length % columns !== 0) {
    throw new InvalidArgumentError(
      `values has ${values.length} elements, not a multiple of the ${columns} columns`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  const smoother = new EwmaSmoother(alpha, columns);
  const result = out ?? new Float32Array(values.length);
  checkFloat32Array('out', result, values.length);
  for (let offset = 0; offset < values.length; offset += columns) smoother.update(values, result, offset, offset);
  return result;
}
