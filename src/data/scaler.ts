import { InvalidArgumentError, InvalidDataError, NotFittedError } from '../core/errors.js';
import { checkFloat32Array, checkOneOf, checkPlainObject, describeValue } from '../core/argument-checks.js';
import { checkTimeSeries, TimeSeries } from './time-series.js';

/**
 * Per-column affine scaling x' = (x - center) / scale:
 * - 'zscore' (default): center = mean, scale = standard deviation (population, ddof 0);
 * - 'minmax': center = min, scale = max - min (training data maps onto [0, 1]);
 * - 'robust': center = median, scale = interquartile range (numpy-style linear percentiles);
 *   when the IQR is 0 but the column varies (mostly constant with rare excursions), the
 *   standard deviation is used instead.
 * A constant column gets scale 1: there is no spread to normalise by, and dividing by zero
 * would turn every later deviation into Infinity; with scale 1 the column sits at 0 and a
 * deviation shows up in its original units. Missing values (NaN) are ignored when fitting and
 * stay NaN when transforming.
 */
export type ScalerKind = 'zscore' | 'minmax' | 'robust';
export const SCALER_KINDS: readonly ScalerKind[] = ['zscore', 'minmax', 'robust'];

export interface ScalerJSON {
  kind: ScalerKind;
  center: number[];
  scale: number[];
  columnNames?: string[];
}

function percentile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function validColumn(series: TimeSeries, c: number): Float64Array {
  const out = new Float64Array(series.rows);
  let n = 0;
  for (let r = 0; r < series.rows; r++) {
    const v = series.values[r * series.columns + c]!;
    if (!Number.isNaN(v)) out[n++] = v;
  }
  if (n === 0)
    throw new InvalidDataError(
      `column "${series.columnNames[c]}" has no values to fit the scaler on: every row is missing`,
    );
  return out.subarray(0, n);
}

function standardDeviation(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / values.length) };
}

export class Scaler {
  readonly kind: ScalerKind;
  private centers: Float64Array | null = null;
  private scales: Float64Array | null = null;
  private names: readonly string[] | null = null;

  constructor(kind: ScalerKind = 'zscore') {
    this.kind = checkOneOf('kind', kind, SCALER_KINDS);
  }

  get fitted(): boolean {
    return this.centers !== null;
  }

  /** Number of columns the scaler was fitted on. */
  get columns(): number {
    return this.fittedCenters().length;
  }

  /** Per-column centers (a copy). */
  get center(): Float64Array {
    return this.fittedCenters().slice();
  }

  /** Per-column scales, all > 0 (a copy). */
  get scale(): Float64Array {
    this.fittedCenters();
    return this.scales!.slice();
  }

  /** Learns center and scale of each column from training data only. */
  fit(series: TimeSeries): this {
    checkTimeSeries('series', series);
    if (series.rows === 0) throw new InvalidDataError('series must have at least one row to fit a scaler');
    const centers = new Float64Array(series.columns);
    const scales = new Float64Array(series.columns);
    for (let c = 0; c < series.columns; c++) {
      const values = validColumn(series, c);
      let center: number;
      let scale: number;
      if (this.kind === 'zscore') {
        ({ mean: center, std: scale } = standardDeviation(values));
      } else if (this.kind === 'minmax') {
        let min = Infinity;
        let max = -Infinity;
        for (const v of values) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        center = min;
        scale = max - min;
      } else {
        const sorted = values.slice().sort();
        center = percentile(sorted, 0.5);
        scale = percentile(sorted, 0.75) - percentile(sorted, 0.25);
        if (scale === 0) scale = standardDeviation(values).std;
      }
      centers[c] = center;
      scales[c] = scale > 0 && Number.isFinite(scale) ? scale : 1;
    }
    this.centers = centers;
    this.scales = scales;
    this.names = series.columnNames;
    return this;
  }

  /** A new series with every column scaled; names, timestamps and imputed mask are kept. */
  transform(series: TimeSeries): TimeSeries {
    this.checkSeries(series);
    return series.withValues(this.transformValues(series.values));
  }

  /** A new series mapped back to original units. */
  inverse(series: TimeSeries): TimeSeries {
    this.checkSeries(series);
    return series.withValues(this.inverseValues(series.values));
  }

  /**
   * Scales row-major values. `columns` maps each value column to a fitted column (e.g. the
   * forecast targets); by default the values have every fitted column in order. Writes into
   * `out` when given (it may be `values` itself) so streaming callers allocate nothing.
   */
  transformValues(values: Float32Array, out?: Float32Array, columns?: ArrayLike<number>): Float32Array {
    return this.apply(values, out, columns, false);
  }

  /** Inverse of transformValues, with the same arguments. */
  inverseValues(values: Float32Array, out?: Float32Array, columns?: ArrayLike<number>): Float32Array {
    return this.apply(values, out, columns, true);
  }

  toJSON(): ScalerJSON {
    const centers = this.fittedCenters();
    return {
      kind: this.kind,
      center: Array.from(centers),
      scale: Array.from(this.scales!),
      ...(this.names ? { columnNames: [...this.names] } : {}),
    };
  }

  static fromJSON(json: unknown): Scaler {
    const o = checkPlainObject('json', json);
    const scaler = new Scaler(checkOneOf('json.kind', o.kind, SCALER_KINDS));
    const center = o.center;
    const scale = o.scale;
    if (
      !Array.isArray(center) ||
      center.length === 0 ||
      center.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    ) {
      throw new InvalidArgumentError(
        `json.center must be a non-empty array of finite numbers, got ${describeValue(center)}`,
      );
    }
    if (
      !Array.isArray(scale) ||
      scale.length !== center.length ||
      scale.some((v) => typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    ) {
      throw new InvalidArgumentError(
        `json.scale must be an array of ${center.length} positive finite numbers, got ${describeValue(scale)}`,
      );
    }
    if (o.columnNames !== undefined) {
      const names = o.columnNames;
      if (!Array.isArray(names) || names.length !== center.length || names.some((n) => typeof n !== 'string')) {
        throw new InvalidArgumentError(
          `json.columnNames must be an array of ${center.length} strings, got ${describeValue(names)}`,
        );
      }
      scaler.names = Object.freeze([...(names as string[])]);
    }
    scaler.centers = Float64Array.from(center as number[]);
    scaler.scales = Float64Array.from(scale as number[]);
    return scaler;
  }

  private fittedCenters(): Float64Array {
    if (this.centers === null)
      throw new NotFittedError('the scaler is not fitted: call fit(trainingSeries) or Scaler.fromJSON first');
    return this.centers;
  }

  private checkSeries(series: TimeSeries): void {
    checkTimeSeries('series', series);
    const width = this.fittedCenters().length;
    if (series.columns !== width) {
      throw new InvalidDataError(
        `series has ${series.columns} columns (${series.columnNames.join(', ')}) but the scaler was fitted on ${width}` +
          (this.names ? ` (${this.names.join(', ')})` : ''),
        'ERR_COLUMNS_MISMATCH',
      );
    }
    if (this.names && series.columnNames.some((n, i) => n !== this.names![i])) {
      throw new InvalidDataError(
        `series has columns (${series.columnNames.join(', ')}) but the scaler was fitted on (${this.names.join(', ')})`,
        'ERR_COLUMNS_MISMATCH',
      );
    }
  }

  private apply(
    values: Float32Array,
    out: Float32Array | undefined,
    columns: ArrayLike<number> | undefined,
    inverse: boolean,
  ): Float32Array {
    const centers = this.fittedCenters();
    const scales = this.scales!;
    checkFloat32Array('values', values);
    const map = columns ?? null;
    const width = map ? map.length : centers.length;
    if (map) {
      for (let k = 0; k < map.length; k++) {
        const c = map[k]!;
        if (!Number.isInteger(c) || c < 0 || c >= centers.length) {
          throw new InvalidArgumentError(
            `columns[${k}] must be a fitted column index in [0, ${centers.length - 1}], got ${describeValue(c)}`,
          );
        }
      }
    }
    if (width === 0 || values.length % width !== 0) {
      throw new InvalidArgumentError(
        `values has ${values.length} elements, not a multiple of the ${width} columns`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    const target = out ?? new Float32Array(values.length);
    checkFloat32Array('out', target, values.length);
    for (let i = 0; i < values.length; i++) {
      const k = i % width;
      const c = map ? map[k]! : k;
      target[i] = inverse ? values[i]! * scales[c]! + centers[c]! : (values[i]! - centers[c]!) / scales[c]!;
    }
    return target;
  }
}
