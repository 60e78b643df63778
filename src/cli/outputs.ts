import { stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { writeFileAtomic } from '../persistence/atomic-write.js';
import { reportInputFromResult } from '../report/from-detection.js';
import { renderHtmlReport } from '../report/html-report.js';
import { flag } from './args.js';
import { runCSV, runJSON } from './run-files.js';
import type { CliIo } from './command.js';
import type { RunOutcome } from './run-outcome.js';
import { runSummary } from './summary.js';
import { UsageError } from './usage-error.js';

/** Output flags shared by `run` and `detect`. */
export const outputFlags = {
  out: flag.string({
    description: 'Write the full result: .json (document) or .csv (one line per row)',
    placeholder: '<file.json|file.csv>',
  }),
  report: flag.string({ description: 'Write a self-contained HTML report', placeholder: '<file.html>' }),
  labels: flag.string({
    description:
      'Known anomalies, JSON: [[start, end], ...] as timestamps or row indices (inclusive), or NAB combined_windows.json',
    placeholder: '<labels.json>',
  }),
  json: flag.switch({ description: 'Print the full result as JSON on stdout (nothing else goes to stdout)' }),
  eventGap: flag.number({
    description: 'Merge flagged runs fewer than this many rows apart into one event; 0 = never',
    integer: true,
    min: 0,
    default: 'the model window',
  }),
} as const;

/** The detect option for --event-gap: absent means the library's default (the model window). */
export function eventGapOption(eventGap: number | undefined): { eventGap?: number } {
  return eventGap === undefined ? {} : { eventGap };
}

export const OUTPUT_FLAG_NAMES = Object.keys(outputFlags) as (keyof typeof outputFlags)[];

export type OutFormat = 'json' | 'csv';

export function outFormat(path: string, command: string): OutFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  throw new UsageError(`--out must name a .json or .csv file, got "${path}"`, command);
}

/**
 * Fails before any long work when an output could not be written afterwards: its directory
 * must exist, and the path must not be a directory.
 */
export async function checkWritable(path: string, flagLabel: string): Promise<void> {
  const dir = dirname(resolve(path));
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new InvalidArgumentError(`${flagLabel} ${path}: directory ${dir} does not exist`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory())
    throw new InvalidArgumentError(`${flagLabel} ${path} is a directory, expected a file name`);
}

/** Checks the output paths of run or detect before any long work: --out's format and every path. */
export async function checkOutputPaths(
  paths: { out?: string; report?: string; model?: string },
  command: string,
): Promise<void> {
  if (paths.out) outFormat(paths.out, command);
  for (const [path, flagLabel] of [
    [paths.out, '--out'],
    [paths.report, '--report'],
    [paths.model, '--model'],
  ] as const) {
    if (path) await checkWritable(path, flagLabel);
  }
}

export interface PendingFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Renders every requested output in memory first, so a failure leaves no file behind. */
export function renderOutputs(
  outcome: RunOutcome,
  paths: { out?: string; report?: string },
  command: string,
): PendingFile[] {
  const files: PendingFile[] = [];
  const encoder = new TextEncoder();
  if (paths.out) {
    const text = outFormat(paths.out, command) === 'json' ? `${JSON.stringify(runJSON(outcome))}\n` : runCSV(outcome);
    files.push({ path: paths.out, bytes: encoder.encode(text) });
  }
  if (paths.report) {
    const input = reportInputFromResult(outcome.result, {
      title: `Anomalies in ${basename(outcome.dataPath)}`,
      source: outcome.dataPath,
      series: outcome.series,
      rowOffset: outcome.detectStart,
      ...(outcome.trainRows ? { trainRows: outcome.trainRows } : {}),
      ...(outcome.labels ? { labels: outcome.labels } : {}),
      ...(outcome.fit ? { fit: outcome.fit } : {}),
      generatedAt: new Date(),
    });
    files.push({ path: paths.report, bytes: encoder.encode(renderHtmlReport(input)) });
  }
  return files;
}

/** Each file is replaced atomically (temporary file, fsync, rename). */
export async function writeOutputs(files: readonly PendingFile[]): Promise<void> {
  for (const file of files) await writeFileAtomic(file.path, file.bytes);
}

/** A file written after the outputs, such as the model of `run --model`. */
export interface ExtraOutput {
  readonly path: string;
  write(): Promise<void>;
}

/**
 * The last step of run and detect: renders and writes the requested outputs (then `extra`), and
 * prints the result as JSON, or its summary and the files written.
 */
export async function deliverOutcome(
  outcome: RunOutcome,
  flags: { out?: string; report?: string; json?: boolean },
  command: string,
  stdout: CliIo['stdout'],
  extra?: ExtraOutput,
): Promise<void> {
  const files = renderOutputs(outcome, flags, command);
  await writeOutputs(files);
  if (extra) await extra.write();
  if (flags.json) {
    stdout.write(`${JSON.stringify(runJSON(outcome))}\n`);
    return;
  }
  stdout.write(runSummary(outcome));
  const written = [...files.map((f) => f.path), ...(extra ? [extra.path] : [])];
  if (written.length > 0) stdout.write(`\nwrote ${written.join(', ')}\n`);
}
