import type { ReadCsvOptions } from '../data/csv-options.js';
import { readCsv } from '../data/read-csv.js';
import type { TimeSeries } from '../data/time-series.js';
import { flag, type FlagValues } from './args.js';

/** How the input CSV is read; shared by run, train and detect. */
export const csvFlags = {
  timestamp: flag.string({
    description: 'Timestamp column by name or 0-based index, or "none" (default: found by name or content)',
    placeholder: '<column|none>',
  }),
  columns: flag.list({
    description: 'Numeric columns to use, by name or 0-based index (default: all but the timestamp)',
  }),
  delimiter: flag.string({ description: 'Field separator (default: detected from , ; or tab)', placeholder: '<char>' }),
  decimal: flag.choice(['.', ','] as const, { description: 'Decimal separator', default: '.' }),
  noHeader: flag.switch({ description: 'The first line is data, not column names' }),
  ignoreText: flag.switch({ description: 'Skip columns holding text instead of failing on them' }),
} as const;

export const CSV_FLAG_NAMES = Object.keys(csvFlags) as (keyof typeof csvFlags)[];

function columnRef(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function csvOptionsFrom(flags: FlagValues<typeof csvFlags>): ReadCsvOptions {
  const options: ReadCsvOptions = {};
  if (flags.timestamp !== undefined)
    options.timestamp = flags.timestamp === 'none' ? false : columnRef(flags.timestamp);
  if (flags.columns) options.columns = flags.columns.map(columnRef);
  if (flags.delimiter !== undefined) options.delimiter = flags.delimiter === '\\t' ? '\t' : flags.delimiter;
  if (flags.decimal !== undefined) options.decimal = flags.decimal;
  if (flags.noHeader) options.header = false;
  if (flags.ignoreText) options.nonNumeric = 'ignore';
  return options;
}

export function readSeries(
  path: string,
  flags: FlagValues<typeof csvFlags>,
  signal?: AbortSignal,
): Promise<TimeSeries> {
  return readCsv(path, { ...csvOptionsFrom(flags), ...(signal ? { signal } : {}) });
}
