import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { checkInteger, checkOneOf, describeValue } from '../core/argument-checks.js';
import { parseTimestamp } from './timestamps.js';

/** What to do with +/-Infinity (or numbers beyond float32 range) in input data. */
export type NonFinitePolicy = 'error' | 'missing';
export const NON_FINITE_POLICIES: readonly NonFinitePolicy[] = ['error', 'missing'];

export interface TimeSeriesInit {
  /** rows x columns, row-major; NaN marks a missing value. Kept as is, not copied. */
  values: Float32Array;
  columnNames: readonly string[];
  /** Epoch milliseconds, one per row. */
  timestamps?: Float64Array;
  /** rows x columns, 1 where a missing value was filled in. */
  imputed?: Uint8Array;
}

export type CellInput = number | null | undefined;
export type TimestampInput = ArrayLike<number> | readonly (number | string | Date)[];

export type FromArraysInput =
  | { columns: Readonly<Record<string, ArrayLike<CellInput>>>; timestamps?: TimestampInput }
  | {
      /** Rows (one array per row) or all values flat in row-major order. */
      values: ArrayLike<CellInput> | readonly ArrayLike<CellInput>[];
      columnNames: readonly string[];
      timestamps?: TimestampInput;
    };

export interface FromArraysOptions {
  /** 'error' (default) rejects infinities; 'missing' treats them as missing values. */
  nonFinite?: NonFinitePolicy;
}

const FLOAT32_MAX = 3.4028234663852886e38;

function checkColumnNames(names: unknown): readonly string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new InvalidArgumentError(`columnNames must be a non-empty array of strings, got ${describeValue(names)}`);
  }
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError(`columnNames[${i}] must be a non-empty string, got ${describeValue(name)}`);
    }
    if (seen.has(name)) throw new InvalidArgumentError(`columnNames has "${name}" twice; column names must be unique`);
    seen.add(name);
  });
  return Object.freeze([...names]);
}

function rejectInfinities(values: Float32Array, columns: number, columnNames: readonly string[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) {
      const row = Math.floor(i / columns);
      throw new InvalidDataError(
        `column "${columnNames[i % columns]}" has an infinite value at row ${row}; ` +
          `pass { nonFinite: 'missing' } to treat infinities as missing values`,
      );
    }
  }
}

function toTimestamps(input: TimestampInput, rows: number): Float64Array {
  if (input === null || typeof input !== 'object' || typeof (input as ArrayLike<unknown>).length !== 'number') {
    throw new InvalidArgumentError(
      `timestamps must be an array of epoch milliseconds, Dates or ISO 8601 strings, got ${describeValue(input)}`,
    );
  }
  const list = input as ArrayLike<unknown>;
  if (list.length !== rows) {
    throw new InvalidArgumentError(
      `timestamps must have one entry per row (${rows}), got ${list.length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const item = list[i];
    const ms =
      typeof item === 'number'
        ? item
        : item instanceof Date
          ? item.getTime()
          : typeof item === 'string'
            ? parseTimestamp(item)
            : NaN;
    if (!Number.isFinite(ms)) {
      throw new InvalidDataError(
        `timestamps[${i}] must be finite epoch milliseconds, a valid Date or a "YYYY-MM-DD[ HH:MM:SS]" string, got ${describeValue(item)}`,
      );
    }
    out[i] = ms;
  }
  return out;
}

function cellValue(
  value: unknown,
  where: () => string,
  column: string,
  row: number,
  nonFinite: NonFinitePolicy,
): number {
  if (value === null || value === undefined) return NaN;
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(`${where()} must be a number, null or undefined, got ${describeValue(value)}`);
  }
  if (Number.isNaN(value)) return NaN;
  if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
    if (nonFinite === 'missing') return NaN;
    throw new InvalidDataError(
      `column "${column}" has ${Number.isFinite(value) ? `a value beyond float32 range (${value})` : 'an infinite value'} at row ${row}; ` +
        `pass { nonFinite: 'missing' } to treat it as a missing value`,
    );
  }
  return value;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (Array.isArray(value) || ArrayBuffer.isView(value)) && !(value instanceof DataView);
}

/**
 * A multivariate time series: `rows` observations of `columns` named features, stored
 * row-major in one Float32Array (the layout the native engine reads windows from in place).
 * NaN marks a missing value until `fillMissing` replaces it and records the position in
 * `imputed`. Infinities are never stored. Instances are treated as immutable: methods return
 * new series, and `slice` returns a view that shares memory with its parent.
 */
export class TimeSeries {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
  readonly columnNames: readonly string[];
  readonly timestamps?: Float64Array;
  readonly imputed?: Uint8Array;

  constructor(init: TimeSeriesInit) {
    if (typeof init !== 'object' || init === null) {
      throw new InvalidArgumentError(`init must be an object with values and columnNames, got ${describeValue(init)}`);
    }
    if (!(init.values instanceof Float32Array)) {
      throw new InvalidArgumentError(
        `values must be a Float32Array (rows x columns, row-major), got ${describeValue(init.values)}`,
      );
    }
    const columnNames = checkColumnNames(init.columnNames);
    const columns = columnNames.length;
    if (init.values.length % columns !== 0) {
      throw new InvalidArgumentError(
        `values has ${init.values.length} elements, not a multiple of the ${columns} columns`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    const rows = init.values.length / columns;
    if (init.timestamps !== undefined) {
      if (!(init.timestamps instanceof Float64Array) || init.timestamps.length !== rows) {
        throw new InvalidArgumentError(
          `timestamps must be a Float64Array of length ${rows}, got ${describeValue(init.timestamps)}`,
          'ERR_SHAPE_MISMATCH',
        );
      }
      const bad = init.timestamps.findIndex((t) => !Number.isFinite(t));
      if (bad >= 0)
        throw new InvalidDataError(`timestamps[${bad}] must be finite epoch milliseconds, got ${init.timestamps[bad]}`);
    }
    if (
      init.imputed !== undefined &&
      (!(init.imputed instanceof Uint8Array) || init.imputed.length !== init.values.length)
    ) {
      throw new InvalidArgumentError(
        `imputed must be a Uint8Array of length ${init.values.length}, got ${describeValue(init.imputed)}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    rejectInfinities(init.values, columns, columnNames);
    this.values = init.values;
    this.rows = rows;
    this.columns = columns;
    this.columnNames = columnNames;
    if (init.timestamps !== undefined) this.timestamps = init.timestamps;
    if (init.imputed !== undefined) this.imputed = init.imputed;
  }

  /**
   * Builds a series from named columns, from rows, or from flat row-major values (all copied).
   * null, undefined and NaN are missing values.
   */
  static fromArrays(input: FromArraysInput, options: FromArraysOptions = {}): TimeSeries {
    if (typeof input !== 'object' || input === null) {
      throw new InvalidArgumentError(
        `input must be { columns } or { values, columnNames }, got ${describeValue(input)}`,
      );
    }
    const nonFinite = checkOneOf('options.nonFinite', options.nonFinite ?? 'error', NON_FINITE_POLICIES);
    let names: readonly string[];
    let values: Float32Array;
    if ('columns' in input) {
      if (typeof input.columns !== 'object' || input.columns === null || Array.isArray(input.columns)) {
        throw new InvalidArgumentError(
          `columns must be an object mapping names to arrays, got ${describeValue(input.columns)}`,
        );
      }
      names = checkColumnNames(Object.keys(input.columns));
      const data = names.map((name) => {
        const column = input.columns[name];
        if (!isArrayLike(column))
          throw new InvalidArgumentError(
            `columns.${name} must be an array or typed array, got ${describeValue(column)}`,
          );
        return column as ArrayLike<unknown>;
      });
      const rows = data[0]!.length;
      data.forEach((column, c) => {
        if (column.length !== rows) {
          throw new InvalidArgumentError(
            `columns.${names[c]} has ${column.length} values but columns.${names[0]} has ${rows}; every column needs one value per row`,
            'ERR_SHAPE_MISMATCH',
          );
        }
      });
      values = new Float32Array(rows * names.length);
      for (let c = 0; c < names.length; c++) {
        const column = data[c]!;
        const name = names[c]!;
        for (let r = 0; r < rows; r++) {
          values[r * names.length + c] = cellValue(column[r], () => `columns.${name}[${r}]`, name, r, nonFinite);
        }
      }
    } else if ('values' in input) {
      names = checkColumnNames(input.columnNames);
      const columns = names.length;
      const source = input.values as unknown;
      if (!isArrayLike(source)) {
        throw new InvalidArgumentError(
          `values must be an array of rows or a flat row-major array, got ${describeValue(source)}`,
        );
      }
      const nested = source.length > 0 && isArrayLike(source[0]);
      if (nested) {
        const rowsList = source as ArrayLike<unknown>;
        values = new Float32Array(rowsList.length * columns);
        for (let r = 0; r < rowsList.length; r++) {
          const row = rowsList[r];
          if (!isArrayLike(row) || row.length !== columns) {
            throw new InvalidArgumentError(
              `values[${r}] must be an array of ${columns} numbers (one per column), got ${describeValue(row)}`,
              'ERR_SHAPE_MISMATCH',
            );
          }
          for (let c = 0; c < columns; c++) {
            values[r * columns + c] = cellValue(row[c], () => `values[${r}][${c}]`, names[c]!, r, nonFinite);
          }
        }
      } else {
        if (source.length % columns !== 0) {
          throw new InvalidArgumentError(
            `values has ${source.length} elements, not a multiple of the ${columns} columns`,
            'ERR_SHAPE_MISMATCH',
          );
        }
        values = new Float32Array(source.length);
        for (let i = 0; i < source.length; i++) {
          values[i] = cellValue(
            source[i],
            () => `values[${i}]`,
            names[i % columns]!,
            Math.floor(i / columns),
            nonFinite,
          );
        }
      }
    } else {
      throw new InvalidArgumentError('input must have either a columns object or values with columnNames');
    }
    const rows = values.length / names.length;
    const timestamps = input.timestamps === undefined ? undefined : toTimestamps(input.timestamps, rows);
    return new TimeSeries({ values, columnNames: names, ...(timestamps ? { timestamps } : {}) });
  }

  /** Index of a column given by name or index; throws naming the known columns otherwise. */
  columnIndex(column: string | number): number {
    if (typeof column === 'number') {
      return checkInteger('column', column, 0, this.columns - 1);
    }
    const index = typeof column === 'string' ? this.columnNames.indexOf(column) : -1;
    if (index < 0) {
      throw new InvalidArgumentError(
        `column must be one of ${this.columnNames.map((n) => `"${n}"`).join(', ')} or an index below ${this.columns}, got ${describeValue(column)}`,
      );
    }
    return index;
  }

  /** One column's values, copied. */
  column(column: string | number): Float32Array {
    const c = this.columnIndex(column);
    const out = new Float32Array(this.rows);
    for (let r = 0; r < this.rows; r++) out[r] = this.values[r * this.columns + c]!;
    return out;
  }

  /** One row's values (a view, not a copy). */
  row(index: number): Float32Array {
    checkInteger('row', index, 0, this.rows - 1);
    return this.values.subarray(index * this.columns, (index + 1) * this.columns);
  }

  /** Rows [start, end) as a view sharing memory with this series. */
  slice(start: number, end: number = this.rows): TimeSeries {
    checkInteger('start', start, 0, this.rows);
    checkInteger('end', end, start, this.rows);
    const from = start * this.columns;
    const to = end * this.columns;
    return new TimeSeries({
      values: this.values.subarray(from, to),
      columnNames: this.columnNames,
      ...(this.timestamps ? { timestamps: this.timestamps.subarray(start, end) } : {}),
      ...(this.imputed ? { imputed: this.imputed.subarray(from, to) } : {}),
    });
  }

  /** A copy with only the given columns, in the given order. */
  selectColumns(columns: readonly (string | number)[]): TimeSeries {
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new InvalidArgumentError(
        `columns must be a non-empty array of column names or indices, got ${describeValue(columns)}`,
      );
    }
    const picked = columns.map((c) => this.columnIndex(c));
    if (new Set(picked).size !== picked.length)
      throw new InvalidArgumentError('columns must not name the same column twice');
    const width = picked.length;
    const values = new Float32Array(this.rows * width);
    const imputed = this.imputed ? new Uint8Array(this.rows * width) : undefined;
    for (let r = 0; r < this.rows; r++) {
      for (let k = 0; k < width; k++) {
        values[r * width + k] = this.values[r * this.columns + picked[k]!]!;
        if (imputed) imputed[r * width + k] = this.imputed![r * this.columns + picked[k]!]!;
      }
    }
    return new TimeSeries({
      values,
      columnNames: picked.map((c) => this.columnNames[c]!),
      ...(this.timestamps ? { timestamps: this.timestamps.slice() } : {}),
      ...(imputed ? { imputed } : {}),
    });
  }

  /** The same rows, names, timestamps and imputed mask with other values (e.g. scaled). */
  withValues(values: Float32Array): TimeSeries {
    if (!(values instanceof Float32Array) || values.length !== this.values.length) {
      throw new InvalidArgumentError(
        `values must be a Float32Array of length ${this.values.length}, got ${describeValue(values)}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    return new TimeSeries({
      values,
      columnNames: this.columnNames,
      ...(this.timestamps ? { timestamps: this.timestamps } : {}),
      ...(this.imputed ? { imputed: this.imputed } : {}),
    });
  }

  /** Number of missing (NaN) values. */
  countMissing(): number {
    let count = 0;
    for (let i = 0; i < this.values.length; i++) if (Number.isNaN(this.values[i]!)) count++;
    return count;
  }

  /** Indices of rows with at least one filled-in value, ascending. */
  imputedRows(): Int32Array {
    const imputed = this.imputed;
    if (!imputed) return new Int32Array(0);
    const rows: number[] = [];
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.columns; c++) {
        if (imputed[r * this.columns + c] !== 0) {
          rows.push(r);
          break;
        }
      }
    }
    return Int32Array.from(rows);
  }
}

export function checkTimeSeries(name: string, value: unknown): TimeSeries {
  if (!(value instanceof TimeSeries)) {
    throw new InvalidArgumentError(
      `${name} must be a TimeSeries (see TimeSeries.fromArrays or readCsv), got ${describeValue(value)}`,
    );
  }
  return value;
}
