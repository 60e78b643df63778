export { TimeSeries, NON_FINITE_POLICIES } from './time-series.js';
export type {
  TimeSeriesInit,
  FromArraysInput,
  FromArraysOptions,
  NonFinitePolicy,
  CellInput,
  TimestampInput,
} from './time-series.js';
export { readCsv, parseCsv } from './read-csv.js';
export type { CsvOptions, ReadCsvOptions } from './csv-options.js';
export { readNpy, parseNpy } from './npy.js';
export type { NpyOptions } from './npy.js';
export { fillMissing, MISSING_POLICIES } from './missing-values.js';
export type { MissingPolicy } from './missing-values.js';
export { Scaler, SCALER_KINDS } from './scaler.js';
export type { ScalerKind, ScalerJSON } from './scaler.js';
export { parseTimestamp } from './timestamps.js';
