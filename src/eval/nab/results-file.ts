/**
 * Detector outputs in NAB's results layout: `<resultsDir>/<category>/<detector>_<file>.csv`
 * (NAB's own naming, detector = the folder's name) or `<resultsDir>/<category>/<file>.csv`,
 * either optionally gzip-compressed, with a header naming an `anomaly_score` column and one
 * row per data row. Scores are parsed from the text as float64, keeping every digit.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { InvalidArgumentError, InvalidDataError } from '../../core/errors.js';
import { writeFileAtomic } from '../../persistence/atomic-write.js';
import { parseNabTimestamp, readMaybeGzip, type NabCorpus, type NabCorpusFile } from './corpus.js';

const gzipAsync = promisify(gzip);

export interface NabResultsFile {
  scores: Float64Array;
  /** Epoch ms per row when the file has a `timestamp` column. */
  timestamps: Float64Array | null;
}

export async function readNabResultsFile(filePath: string): Promise<NabResultsFile> {
  const text = (await readMaybeGzip(filePath)).toString('utf8');
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const sCol = header.indexOf('anomaly_score');
  const tCol = header.indexOf('timestamp');
  if (sCol < 0)
    throw new InvalidDataError(`${filePath}: header must contain an "anomaly_score" column, got "${lines[0] ?? ''}"`);
  const rows = lines.length - 1;
  const scores = new Float64Array(rows);
  const timestamps = tCol >= 0 ? new Float64Array(rows) : null;
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',');
    const cell = (cells[sCol] ?? '').trim();
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v)) {
      throw new InvalidDataError(`${filePath} line ${r + 2}: anomaly_score "${cell}" is not a finite number`);
    }
    scores[r] = v;
    if (timestamps !== null) timestamps[r] = parseNabTimestamp(cells[tCol] ?? '');
  }
  return { scores, timestamps };
}

function candidates(resultsDir: string, name: string): string[] {
  const dir = path.join(resultsDir, ...path.posix.dirname(name).split('/'));
  const base = path.posix.basename(name);
  const detector = path.basename(path.resolve(resultsDir));
  return [base, `${base}.gz`, `${detector}_${base}`, `${detector}_${base}.gz`].map((b) => path.join(dir, b));
}

/** The results file for a corpus entry, or an error listing where it was looked for. */
export async function findNabResultsFile(resultsDir: string, name: string): Promise<string> {
  const paths = candidates(resultsDir, name);
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (s?.isFile()) return p;
  }
  throw new InvalidDataError(`no results file for "${name}"; looked for ${paths.join(', ')}`);
}

/** Reads every corpus file's scores and checks row counts (and timestamps when present). */
export async function readNabResults(corpus: NabCorpus, resultsDir: string): Promise<Map<string, Float64Array>> {
  if (typeof resultsDir !== 'string' || resultsDir.length === 0) {
    throw new InvalidArgumentError(`resultsDir must be a non-empty path string, got ${String(resultsDir)}`);
  }
  const s = await stat(resultsDir).catch(() => null);
  if (s === null || !s.isDirectory()) throw new InvalidArgumentError(`resultsDir "${resultsDir}" is not a directory`);
  const entries = await Promise.all(
    corpus.files.map(async (file) => {
      const p = await findNabResultsFile(resultsDir, file.name);
      const res = await readNabResultsFile(p);
      checkAgainstData(p, res, file);
      return [file.name, res.scores] as const;
    }),
  );
  return new Map(entries);
}

function checkAgainstData(filePath: string, res: NabResultsFile, file: NabCorpusFile): void {
  if (res.scores.length !== file.rows) {
    throw new InvalidDataError(
      `${filePath} has ${res.scores.length} rows but the data file ${file.name} has ${file.rows}`,
    );
  }
  if (res.timestamps === null) return;
  for (let r = 0; r < file.rows; r++) {
    if (res.timestamps[r] !== file.timestamps[r]) {
      throw new InvalidDataError(
        `${filePath} line ${r + 2}: timestamp does not match row ${r} of ${file.name} ("${file.timestampText[r]}")`,
      );
    }
  }
}

/**
 * Writes `timestamp,value,anomaly_score` for one corpus file, gzip-compressed when the path
 * ends in `.gz`. The file appears complete or not at all (see writeFileAtomic).
 */
export async function writeNabResultsFile(
  filePath: string,
  file: NabCorpusFile,
  scores: ArrayLike<number>,
): Promise<void> {
  if (scores.length !== file.rows) {
    throw new InvalidArgumentError(
      `scores must have one value per row of ${file.name} (${file.rows}), got ${scores.length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  const parts = ['timestamp,value,anomaly_score'];
  for (let r = 0; r < file.rows; r++) parts.push(`${file.timestampText[r]},${file.values[r]},${scores[r]}`);
  const text = parts.join('\n') + '\n';
  const body = filePath.endsWith('.gz') ? await gzipAsync(text) : Buffer.from(text, 'utf8');
  await mkdir(path.dirname(filePath), { recursive: true });
  await writeFileAtomic(filePath, body);
}
