/**
 * Generated series with known normal behaviour, for eval/calibration.ts and
 * eval/synthetic-detection.ts. Everything is seeded (xoshiro128**), so a seed gives the same
 * series on every machine. Rows are row-major, `columns` per row.
 */
import { Xoshiro128 } from '../../src/core/prng.js';

export type NormalKind = 'stationary' | 'seasonal' | 'trending';
export const NORMAL_KINDS: readonly NormalKind[] = ['stationary', 'seasonal', 'trending'];

export interface GeneratedSeries {
  values: Float32Array;
  rows: number;
  columns: number;
}

/** Standard normal draws by Box-Muller. */
export class Gaussian {
  private readonly rng: Xoshiro128;
  private spare: number | null = null;

  constructor(seed: number) {
    this.rng = new Xoshiro128(seed);
  }

  next(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = Math.max(this.rng.nextFloat(), 1e-12);
    const v = this.rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  uniform(): number {
    return this.rng.nextFloat();
  }
}

/**
 * Normal behaviour of `kind`, `rows` rows by `columns` columns:
 * - stationary: per column an AR(1) process (phi 0.8, unit innovation variance scaled to 0.3);
 * - seasonal: a sine of period 48 rows (phase per column) plus that AR(1) noise at 0.2;
 * - trending: the seasonal series plus a linear trend of 2 units per 10,000 rows.
 * Columns after the first share a common factor with it (correlation about 0.7), so a broken
 * correlation is detectable in the multivariate series.
 */
export function normalSeries(kind: NormalKind, rows: number, columns: number, seed: number): GeneratedSeries {
  const g = new Gaussian(seed);
  const values = new Float32Array(rows * columns);
  const ar = new Float64Array(columns);
  const phases = Float64Array.from({ length: columns }, (_, c) => (c * Math.PI) / 3);
  const noiseScale = kind === 'stationary' ? 0.3 : 0.2;
  for (let t = 0; t < rows; t++) {
    const common = g.next();
    for (let c = 0; c < columns; c++) {
      const innovation = c === 0 ? common : 0.7 * common + 0.714 * g.next();
      ar[c] = 0.8 * ar[c]! + 0.6 * innovation;
      let v = noiseScale * ar[c]!;
      if (kind !== 'stationary') v += Math.sin((2 * Math.PI * t) / 48 + phases[c]!);
      if (kind === 'trending') v += (2 * t) / 10_000;
      values[t * columns + c] = v;
    }
  }
  return { values, rows, columns };
}

/** The rows [from, to) of a generated series, as a fresh series. */
export function sliceRows(series: GeneratedSeries, from: number, to: number): GeneratedSeries {
  return {
    values: series.values.slice(from * series.columns, to * series.columns),
    rows: to - from,
    columns: series.columns,
  };
}

/** Rows as arrays, the form Detector.fit takes for several columns. */
export function toRows(series: GeneratedSeries): Float32Array[] {
  return Array.from({ length: series.rows }, (_, t) =>
    series.values.subarray(t * series.columns, (t + 1) * series.columns),
  );
}

export type AnomalyKind =
  'spike' | 'level-shift' | 'frequency-change' | 'stuck-sensor' | 'correlation-break' | 'slow-drift';
export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'spike',
  'level-shift',
  'frequency-change',
  'stuck-sensor',
  'correlation-break',
  'slow-drift',
];

export interface InjectedAnomaly {
  kind: AnomalyKind;
  column: number;
  /** Inclusive row range of the label. */
  start: number;
  end: number;
}

/** Label length of each kind, in rows. */
const LENGTHS: Record<AnomalyKind, number> = {
  spike: 1,
  'level-shift': 60,
  'frequency-change': 120,
  'stuck-sensor': 100,
  'correlation-break': 120,
  'slow-drift': 300,
};

/**
 * Injects one anomaly of `kind` on `column` starting at row `start` into a seasonal series (in
 * place); returns its label. Sizes are in units of the column's normal amplitude (about 1):
 * spike +4 on one row; level shift +1.5; frequency change: the sine's period halves; stuck
 * sensor: the value frozen; correlation break: the column's cycle inverts (half a period out of
 * phase with the other columns) while its noise keeps following them; slow drift: a ramp from
 * 0 to +1.5.
 */
export function inject(series: GeneratedSeries, kind: AnomalyKind, column: number, start: number): InjectedAnomaly {
  const { values, columns } = series;
  const end = Math.min(series.rows - 1, start + LENGTHS[kind] - 1);
  const at = (t: number): number => t * columns + column;
  const phase = (column * Math.PI) / 3;
  switch (kind) {
    case 'spike':
      values[at(start)] = values[at(start)]! + 4;
      break;
    case 'level-shift':
      for (let t = start; t <= end; t++) values[at(t)] = values[at(t)]! + 1.5;
      break;
    case 'frequency-change':
      for (let t = start; t <= end; t++) {
        const normal = Math.sin((2 * Math.PI * t) / 48 + phase);
        values[at(t)] = values[at(t)]! - normal + Math.sin((2 * Math.PI * t) / 24 + phase);
      }
      break;
    case 'stuck-sensor': {
      const frozen = values[at(start)]!;
      for (let t = start; t <= end; t++) values[at(t)] = frozen;
      break;
    }
    case 'correlation-break':
      for (let t = start; t <= end; t++) {
        const normal = Math.sin((2 * Math.PI * t) / 48 + phase);
        values[at(t)] = values[at(t)]! - 2 * normal;
      }
      break;
    case 'slow-drift':
      for (let t = start; t <= end; t++) values[at(t)] = values[at(t)]! + (1.5 * (t - start)) / (end - start);
      break;
  }
  return { kind, column, start, end };
}
