import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AbortError, InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { describeValue } from '../core/argument-checks.js';
import type { CsvOptions, ReadCsvOptions } from './csv-options.js';
import { resolveCsvOptions } from './csv-options.js';
import { CsvParser } from './csv-parser.js';
import type { TimeSeries } from './time-series.js';

const READ_CHUNK_BYTES = 1 << 20;

/**
 * Parses CSV text held in memory (see readCsv for the format rules and options).
 * Synchronous: meant for small inputs; use readCsv for files.
 */
export function parseCsv(text: string, options: CsvOptions = {}): TimeSeries {
  if (typeof text !== 'string') throw new InvalidArgumentError(`text must be a string, got ${describeValue(text)}`);
  const resolved = resolveCsvOptions(options);
  if ((options as ReadCsvOptions).signal !== undefined) {
    throw new InvalidArgumentError('options.signal applies to readCsv only; parseCsv is synchronous');
  }
  const parser = new CsvParser(resolved);
  parser.push(Buffer.from(text, 'utf8'));
  return parser.finish();
}

/**
 * Reads a CSV file (optionally gzip-compressed, by the ".gz" suffix) into a TimeSeries, streaming
 * it in 1 MiB chunks: memory holds the parsed numbers (4 bytes per cell, 8 per timestamp), never
 * the file's text, so files larger than memory-for-text work.
 *
 * Format: a header row (unless `header: false`); fields separated by `,`, `;` or tab (detected
 * from the first line unless `delimiter` is given); RFC 4180 quoting; LF, CRLF or CR line ends; a
 * UTF-8 byte order mark is skipped; blank lines are skipped. The timestamp column is found by
 * name or content (see `CsvOptions.timestamp`); dates without a zone are read as UTC. Every other
 * column (or those in `columns`) must be numeric: empty, NaN, NA, N/A, null and None cells are
 * missing values (kept as NaN unless `missing` names a fill policy); infinities are rejected unless
 * `nonFinite: 'missing'`; any other text is an error naming the column, row and line, unless
 * `nonNumeric: 'ignore'` drops that column.
 */
export async function readCsv(path: string, options: ReadCsvOptions = {}): Promise<TimeSeries> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError(`path must be a non-empty string, got ${describeValue(path)}`);
  }
  const resolved = resolveCsvOptions(options);
  const signal = options.signal;
  if (signal?.aborted) throw new AbortError('readCsv was aborted before it started');
  const parser = new CsvParser(resolved);
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  let input: Readable = file;
  if (path.toLowerCase().endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
    // pipeline destroys every stream on failure, so the loop below sees the error.
    pipeline(file, gunzip, () => undefined);
    input = gunzip;
  }
  try {
    for await (const chunk of input) {
      if (signal?.aborted) throw new AbortError(`reading "${path}" was aborted`);
      parser.push(chunk as Buffer);
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) {
      throw new InvalidDataError(`"${path}" is not a valid gzip file: ${(error as Error).message}`, 'ERR_CSV_PARSE');
    }
    throw error;
  } finally {
    input.destroy();
    file.destroy();
  }
  return parser.finish();
}
