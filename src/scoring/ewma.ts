import { InvalidArgumentError, InvalidDataError } from '../errors.js';
import { checkFloat32Array, checkInteger, checkPlainObject, describeValue } from '../argument-checks.js';

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

/** A `smoothing` setting read as an alpha when in (0, 1] and as a span when above 1. */
export function smoothingAlpha(smoothing: number): number {
  if (typeof smoothing !== 'number' || !Number.isFinite(smoothing) || smoothing <= 0) {
    throw new InvalidArgumentError(`smoothing must be an alpha in (0, 1] or a span > 1, got ${describeValue(smoothing)}`);
  }
  return smoothing <= 1 ? smoothing : alphaFromSpan(smoothing);
}

export interface EwmaState {
  alpha: number;
  columns: number;
  numerators: number[];
  denominators: number[];
}

/** Online EWMA of `columns` independent series, one row at a time. */
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
    const keep = 1 - this.alpha;
    for (let c = 0; c < this.columns; c++) {
      const x = values[offset + c]!;
      if (!Number.isFinite(x)) {
        throw new InvalidDataError(`value ${describeValue(x)} at index ${offset + c} cannot be smoothed; values must be finite`);
      }
      const numerator = x + keep * this.numerators[c]!;
      const denominator = 1 + keep * this.denominators[c]!;
      this.numerators[c] = numerator;
      this.denominators[c] = denominator;
      out[outOffset + c] = numerator / denominator;
    }
  }

  /** Smooths one value of a single-column smoother. */
  next(value: number): number {
    if (this.columns !== 1) throw new InvalidArgumentError(`next() needs a 1-column smoother; this one has ${this.columns} columns, use update()`);
    const keep = 1 - this.alpha;
    if (!Number.isFinite(value)) throw new InvalidDataError(`value ${describeValue(value)} cannot be smoothed; values must be finite`);
    this.numerators[0] = value + keep * this.numerators[0]!;
    this.denominators[0] = 1 + keep * this.denominators[0]!;
    return Math.fround(this.numerators[0]! / this.denominators[0]!);
  }

  reset(): void {
    this.numerators.fill(0);
    this.denominators.fill(0);
  }

  toJSON(): EwmaState {
    return { alpha: this.alpha, columns: this.columns, numerators: Array.from(this.numerators), denominators: Array.from(this.denominators) };
  }

  static fromJSON(json: unknown): EwmaSmoother {
    const o = checkPlainObject('json', json);
    const smoother = new EwmaSmoother(o.alpha as number, o.columns as number);
    for (const key of ['numerators', 'denominators'] as const) {
      const list = o[key];
      if (!Array.isArray(list) || list.length !== smoother.columns || list.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new InvalidArgumentError(`json.${key} must be an array of ${smoother.columns} finite numbers, got ${describeValue(list)}`);
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
    throw new InvalidArgumentError(`values has ${values.length} elements, not a multiple of the ${columns} columns`, 'ERR_SHAPE_MISMATCH');
  }
  const smoother = new EwmaSmoother(alpha, columns);
  const result = out ?? new Float32Array(values.length);
  checkFloat32Array('out', result, values.length);
  for (let offset = 0; offset < values.length; offset += columns) smoother.update(values, result, offset, offset);
  return result;
}
