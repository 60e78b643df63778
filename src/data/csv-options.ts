import { InvalidArgumentError } from '../core/errors.js';
import { checkKnownKeys, checkOneOf, checkPlainObject, describeValue } from '../core/argument-checks.js';
import type { MissingPolicy } from './missing-values.js';
import { MISSING_POLICIES } from './missing-values.js';
import type { NonFinitePolicy } from './time-series.js';
import { NON_FINITE_POLICIES } from './time-series.js';

export interface CsvOptions {
  /** Field separator; 'auto' (default) picks the most frequent of , ; and tab in the first line. */
  delimiter?: 'auto' | string;
  /** Whether the first row holds column names (default true); without it columns are column_0, column_1... */
  header?: boolean;
  /**
   * Timestamp column by name or index, or false for none. By default the first column named
   * like time/timestamp/date/datetime/ts is used, else the first column whose first cell is a
   * date such as "2014-02-14 14:30:00".
   */
  timestamp?: string | number | false;
  /** Unit of numeric timestamps; 'auto' (default): magnitudes from 1e11 up are ms, below are seconds. */
  timestampUnit?: 'auto' | 's' | 'ms';
  /** Numeric columns to read, by name or index, in this order; default: every other column. */
  columns?: readonly (string | number)[];
  /** A cell that is neither a number nor a missing-value token: 'error' (default) or 'ignore' its whole column. */
  nonNumeric?: 'error' | 'ignore';
  /** +/-Infinity cells: 'error' (default) or 'missing'. */
  nonFinite?: NonFinitePolicy;
  /** Extra tokens meaning "missing", besides empty, NaN, NA, N/A, null and None (any case). */
  missingValues?: readonly string[];
  /** Decimal separator, '.' (default) or ','. */
  decimal?: '.' | ',';
  /**
   * 'keep' (default) leaves missing cells as NaN for the detector to fill with its own policy;
   * a policy name fills them right away (see fillMissing).
   */
  missing?: MissingPolicy | 'keep';
}

export interface ReadCsvOptions extends CsvOptions {
  signal?: AbortSignal;
}

export interface ResolvedCsvOptions {
  delimiter: number | 'auto';
  header: boolean;
  timestamp: string | number | false | undefined;
  timestampUnit: 'auto' | 's' | 'ms';
  columns: readonly (string | number)[] | undefined;
  nonNumeric: 'error' | 'ignore';
  nonFinite: NonFinitePolicy;
  missingValues: readonly string[];
  decimal: number;
  missing: MissingPolicy | 'keep';
}

const KNOWN_KEYS = [
  'delimiter',
  'header',
  'timestamp',
  'timestampUnit',
  'columns',
  'nonNumeric',
  'nonFinite',
  'missingValues',
  'decimal',
  'missing',
  'signal',
] as const;

export function resolveCsvOptions(options: unknown): ResolvedCsvOptions {
  const o = checkPlainObject('options', options ?? {});
  checkKnownKeys('options', o, KNOWN_KEYS);
  let delimiter: number | 'auto' = 'auto';
  if (o.delimiter !== undefined && o.delimiter !== 'auto') {
    const d = o.delimiter;
    if (typeof d !== 'string' || d.length !== 1 || d.charCodeAt(0) > 0x7e || d === '"' || d === '\n' || d === '\r') {
      throw new InvalidArgumentError(
        `options.delimiter must be 'auto' or one ASCII character other than a quote or line break, got ${describeValue(d)}`,
      );
    }
    delimiter = d.charCodeAt(0);
  }
  if (o.header !== undefined && typeof o.header !== 'boolean') {
    throw new InvalidArgumentError(`options.header must be a boolean, got ${describeValue(o.header)}`);
  }
  const ts = o.timestamp;
  if (
    ts !== undefined &&
    ts !== false &&
    typeof ts !== 'string' &&
    !(typeof ts === 'number' && Number.isInteger(ts) && ts >= 0)
  ) {
    throw new InvalidArgumentError(
      `options.timestamp must be a column name, a column index or false, got ${describeValue(ts)}`,
    );
  }
  let columns: readonly (string | number)[] | undefined;
  if (o.columns !== undefined) {
    if (!Array.isArray(o.columns) || o.columns.length === 0) {
      throw new InvalidArgumentError(
        `options.columns must be a non-empty array of column names or indices, got ${describeValue(o.columns)}`,
      );
    }
    o.columns.forEach((c, i) => {
      if (typeof c !== 'string' && !(typeof c === 'number' && Number.isInteger(c) && c >= 0)) {
        throw new InvalidArgumentError(
          `options.columns[${i}] must be a column name or a non-negative integer index, got ${describeValue(c)}`,
        );
      }
    });
    columns = [...(o.columns as (string | number)[])];
  }
  let missingValues: readonly string[] = [];
  if (o.missingValues !== undefined) {
    if (!Array.isArray(o.missingValues) || o.missingValues.some((t) => typeof t !== 'string')) {
      throw new InvalidArgumentError(
        `options.missingValues must be an array of strings, got ${describeValue(o.missingValues)}`,
      );
    }
    missingValues = [...(o.missingValues as string[])];
  }
  const decimal = checkOneOf('options.decimal', o.decimal ?? '.', ['.', ','] as const).charCodeAt(0);
  if (decimal === delimiter) {
    throw new InvalidArgumentError(`options.decimal and options.delimiter cannot both be ","`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`options.signal must be an AbortSignal, got ${describeValue(o.signal)}`);
  }
  return {
    delimiter,
    header: (o.header as boolean | undefined) ?? true,
    timestamp: ts as string | number | false | undefined,
    timestampUnit: checkOneOf('options.timestampUnit', o.timestampUnit ?? 'auto', ['auto', 's', 'ms'] as const),
    columns,
    nonNumeric: checkOneOf('options.nonNumeric', o.nonNumeric ?? 'error', ['error', 'ignore'] as const),
    nonFinite: checkOneOf('options.nonFinite', o.nonFinite ?? 'error', NON_FINITE_POLICIES),
    missingValues,
    decimal,
    missing: checkOneOf('options.missing', o.missing ?? 'keep', [...MISSING_POLICIES, 'keep'] as const),
  };
}
