/**
 * Loads the NAB corpus: the data files named in the label file, their timestamps and values,
 * and the labelled windows resolved to row ranges. Windows are resolved by the first row
 * carrying the edge's timestamp, because several files repeat timestamps (DST artefacts) and
 * NAB indexes rows by position. Every file may be gzip-compressed (recognised by its magic
 * bytes, not its name), so `x.csv` and `x.csv.gz` are read alike.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidArgumentError, InvalidDataError } from '../../core/errors.js';
import type { IndexRange } from '../ranges.js';
import { nabRowWeights, type NabRowWeights } from './rules.js';

const gunzipAsync = promisify(gunzip);

export async function readMaybeGzip(filePath: string): Promise<Buffer> {
  const raw = await readFile(filePath);
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (err) {
    throw new InvalidDataError(
      `${filePath} looks gzip-compressed but cannot be decompressed: ${(err as Error).message}`,
    );
  }
}

/**
 * NAB timestamps are naive `YYYY-MM-DD HH:MM:SS` strings (window edges add `.ffffff`). They are
 * read as UTC so that no local time zone or daylight-saving rule can shift or merge rows.
 */
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Epoch milliseconds, or NaN when the text is not a NAB timestamp. */
export function parseNabTimestamp(text: string): number {
  const m = TIMESTAMP_PATTERN.exec(text.trim());
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(6, '0')) / 1000;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms;
}

export interface NabCorpusFile {
  /** Path relative to the data folder with forward slashes, e.g. `realKnownCause/nyc_taxi.csv`. */
  name: string;
  path: string;
  rows: number;
  /** The timestamp column exactly as written, for results files in NAB's layout. */
  timestampText: string[];
  /** Epoch milliseconds, read as UTC. */
  timestamps: Float64Array;
  values: Float64Array;
  /** Labelled windows as inclusive row ranges, sorted. */
  windows: IndexRange[];
  weights: NabRowWeights;
}

export interface NabCorpus {
  dataDir: string;
  labelsPath: string;
  files: NabCorpusFile[];
  windows: number;
}

export interface LoadNabCorpusOptions {
  /** NAB's `data/` folder (category sub-folders with CSV files). */
  dataDir: string;
  /** Default: `<dataDir>/../labels/combined_windows.json`. */
  labelsPath?: string;
  /** A subset of the label file's entries (e.g. `realKnownCause/nyc_taxi.csv`); default all. */
  files?: readonly string[];
}

export function defaultNabLabelsPath(dataDir: string): string {
  return path.join(dataDir, '..', 'labels', 'combined_windows.json');
}

async function requireDirectory(dir: unknown, name: string): Promise<string> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError(`${name} must be a non-empty path string, got ${String(dir)}`);
  }
  const s = await stat(dir).catch(() => null);
  if (s === null || !s.isDirectory()) throw new InvalidArgumentError(`${name} "${dir}" is not a directory`);
  return dir;
}

type RawWindows = Record<string, [string, string][]>;

async function readLabels(labelsPath: string): Promise<RawWindows> {
  let text: string;
  try {
    text = (await readMaybeGzip(labelsPath)).toString('utf8');
  } catch (err) {
    if (err instanceof InvalidDataError) throw err;
    throw new InvalidArgumentError(`labelsPath "${labelsPath}" cannot be read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidDataError(`labels file ${labelsPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidDataError(
      `labels file ${labelsPath} must map "<category>/<file>.csv" to lists of [start, end] timestamps`,
    );
  }
  for (const [file, windows] of Object.entries(parsed)) {
    const ok =
      Array.isArray(windows) &&
      windows.every((w) => Array.isArray(w) && w.length === 2 && typeof w[0] === 'string' && typeof w[1] === 'string');
    if (!ok)
      throw new InvalidDataError(
        `labels file ${labelsPath}: entry "${file}" must be a list of [start, end] timestamp strings`,
      );
  }
  return parsed as RawWindows;
}

async function readDataFile(dataDir: string, name: string): Promise<Omit<NabCorpusFile, 'windows' | 'weights'>> {
  const filePath = path.join(dataDir, ...name.split('/'));
  let text: string;
  try {
    text = (await readMaybeGzip(filePath)).toString('utf8');
  } catch (err) {
    if (err instanceof InvalidDataError) throw err;
    throw new InvalidDataError(`data file for "${name}" cannot be read at ${filePath}: ${(err as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const tCol = header.indexOf('timestamp');
  const vCol = header.indexOf('value');
  if (tCol < 0 || vCol < 0)
    throw new InvalidDataError(`${filePath}: header must contain "timestamp" and "value", got "${lines[0] ?? ''}"`);
  const rows = lines.length - 1;
  if (rows <= 0) throw new InvalidDataError(`${filePath} has no data rows`);
  const timestampText = new Array<string>(rows);
  const timestamps = new Float64Array(rows);
  const values = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',');
    const t = (cells[tCol] ?? '').trim();
    const ms = parseNabTimestamp(t);
    const v = Number((cells[vCol] ?? '').trim());
    if (Number.isNaN(ms))
      throw new InvalidDataError(`${filePath} line ${r + 2}: timestamp "${t}" is not YYYY-MM-DD HH:MM:SS`);
    if (!Number.isFinite(v) || (cells[vCol] ?? '').trim() === '') {
      throw new InvalidDataError(`${filePath} line ${r + 2}: value "${cells[vCol] ?? ''}" is not a finite number`);
    }
    timestampText[r] = t;
    timestamps[r] = ms;
    values[r] = v;
  }
  return { name, path: filePath, rows, timestampText, timestamps, values };
}

function resolveWindows(file: Omit<NabCorpusFile, 'windows' | 'weights'>, raw: [string, string][]): IndexRange[] {
  const firstRow = new Map<number, number>();
  for (let r = file.rows - 1; r >= 0; r--) firstRow.set(file.timestamps[r]!, r);
  const find = (text: string): number => {
    const row = firstRow.get(parseNabTimestamp(text));
    if (row === undefined)
      throw new InvalidDataError(`${file.name}: window edge "${text}" matches no timestamp in the data file`);
    return row;
  };
  const windows = raw.map(([s, e]) => ({ start: find(s), end: find(e) })).sort((a, b) => a.start - b.start);
  windows.forEach((w, i) => {
    if (w.end < w.start)
      throw new InvalidDataError(`${file.name}: window ${i} ends (row ${w.end}) before it starts (row ${w.start})`);
    const prev = windows[i - 1];
    if (prev !== undefined && prev.end >= w.start) {
      throw new InvalidDataError(
        `${file.name}: windows [${prev.start}, ${prev.end}] and [${w.start}, ${w.end}] overlap`,
      );
    }
  });
  return windows;
}

export async function loadNabCorpus(options: LoadNabCorpusOptions): Promise<NabCorpus> {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options must be { dataDir, labelsPath?, files? }');
  const dataDir = await requireDirectory(options.dataDir, 'dataDir');
  const labelsPath = options.labelsPath ?? defaultNabLabelsPath(dataDir);
  const labels = await readLabels(labelsPath);
  let names = Object.keys(labels).sort();
  if (options.files !== undefined) {
    if (!Array.isArray(options.files) || options.files.length === 0) {
      throw new InvalidArgumentError('files must be a non-empty array of corpus file names');
    }
    for (const f of options.files) {
      if (!(f in labels))
        throw new InvalidArgumentError(`files: "${String(f)}" is not in the labels file ${labelsPath}`);
    }
    names = [...new Set(options.files)].sort();
  }
  const files = await Promise.all(
    names.map(async (name) => {
      const data = await readDataFile(dataDir, name);
      const windows = resolveWindows(data, labels[name]!);
      return { ...data, windows, weights: nabRowWeights(data.rows, windows) };
    }),
  );
  return { dataDir, labelsPath, files, windows: files.reduce((n, f) => n + f.windows.length, 0) };
}
