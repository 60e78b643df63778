import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseTimestamp } from '../data/timestamps.js';
import { InvalidDataError } from '../core/errors.js';
import type { RowRange } from '../report/report-input.js';

/**
 * Known anomalies for `--labels`, as inclusive row ranges of the data file. Accepted JSON:
 *
 * - `[["2013-12-10 06:25:00", "2013-12-12 05:35:00"], ...]`: time windows, inclusive at both
 *   ends (NAB's format; needs a timestamp column in the data);
 * - `[[2130, 2700], ...]`: row ranges, inclusive, 0 = first data row;
 * - NAB's whole `combined_windows.json` (`{ "<category>/<file>.csv": [...] }`): the entry whose
 *   file name matches the data file's is used.
 */

export interface LabelledData {
  readonly rows: number;
  readonly timestamps?: ArrayLike<number>;
}

function fail(labelsPath: string, problem: string): never {
  throw new InvalidDataError(`labels file ${labelsPath} ${problem}`);
}

function pickEntry(parsed: Record<string, unknown>, labelsPath: string, dataPath: string): unknown {
  const dataName = basename(dataPath);
  const keys = Object.keys(parsed).filter((key) => basename(key) === dataName);
  if (keys.length === 0) fail(labelsPath, `has no entry for ${dataName} (its keys name other files)`);
  if (keys.length > 1) fail(labelsPath, `has several entries for ${dataName}: ${keys.join(', ')}`);
  return parsed[keys[0]!];
}

function firstRowAtOrAfter(timestamps: ArrayLike<number>, t: number): number {
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! >= t) return i;
  return timestamps.length;
}

function lastRowAtOrBefore(timestamps: ArrayLike<number>, t: number): number {
  // The first row past the window ends it, so repeated (DST) timestamps later on cannot extend it.
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! > t) return i - 1;
  return timestamps.length - 1;
}

function timeWindow(
  window: readonly [string, string],
  index: number,
  data: LabelledData,
  labelsPath: string,
  dataPath: string,
): RowRange {
  const [startText, endText] = window;
  const start = parseTimestamp(startText);
  const end = parseTimestamp(endText);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    fail(
      labelsPath,
      `window ${index + 1} ["${startText}", "${endText}"] holds a timestamp that cannot be read (expected e.g. "2014-02-07 14:55:00")`,
    );
  }
  if (start > end) fail(labelsPath, `window ${index + 1} ends before it starts ("${startText}" > "${endText}")`);
  const timestamps = data.timestamps;
  if (!timestamps) {
    fail(
      labelsPath,
      `gives time windows, but ${basename(dataPath)} has no timestamp column; give row ranges such as [[100, 250]] instead`,
    );
  }
  const first = firstRowAtOrAfter(timestamps, start);
  const last = lastRowAtOrBefore(timestamps, end);
  if (first > last) {
    fail(
      labelsPath,
      `window ${index + 1} ["${startText}", "${endText}"] covers no row of ${basename(dataPath)}; do the labels belong to this file?`,
    );
  }
  return { start: first, end: last };
}

function rowWindow(
  window: readonly [number, number],
  index: number,
  data: LabelledData,
  labelsPath: string,
  dataPath: string,
): RowRange {
  const [start, end] = window;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
    fail(labelsPath, `window ${index + 1} [${start}, ${end}] must be two row indices with 0 <= start <= end`);
  }
  if (end >= data.rows) {
    fail(
      labelsPath,
      `window ${index + 1} [${start}, ${end}] reaches past the last row of ${basename(dataPath)} (${data.rows - 1}); do the labels belong to this file?`,
    );
  }
  return { start, end };
}

/** Parses labels JSON text (see the module comment for the formats) against the data they label. */
export function parseLabels(text: string, data: LabelledData, labelsPath: string, dataPath: string): RowRange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(labelsPath, `is not valid JSON (${(err as Error).message})`);
  }
  const list =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? pickEntry(parsed as Record<string, unknown>, labelsPath, dataPath)
      : parsed;
  if (!Array.isArray(list)) {
    fail(
      labelsPath,
      'must hold a list of [start, end] pairs (timestamps or row indices), or map file names to such lists',
    );
  }
  const ranges = list.map((window: unknown, index: number) => {
    if (!Array.isArray(window) || window.length !== 2) {
      fail(labelsPath, `window ${index + 1} must be a [start, end] pair, got ${JSON.stringify(window)}`);
    }
    const [a, b] = window as unknown[];
    if (typeof a === 'string' && typeof b === 'string') return timeWindow([a, b], index, data, labelsPath, dataPath);
    if (typeof a === 'number' && typeof b === 'number') return rowWindow([a, b], index, data, labelsPath, dataPath);
    return fail(
      labelsPath,
      `window ${index + 1} must be two timestamps or two row indices, got ${JSON.stringify(window)}`,
    );
  });
  return ranges.sort((x, y) => x.start - y.start);
}

export async function readLabels(labelsPath: string, data: LabelledData, dataPath: string): Promise<RowRange[]> {
  let text: string;
  try {
    text = await readFile(labelsPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidDataError(
      `cannot read labels file ${labelsPath}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return parseLabels(text, data, labelsPath, dataPath);
}
