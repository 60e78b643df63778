/**
 * Command-line flags shared by the evaluation runners, and where they find their corpus. The
 * corpora are not part of the repository, so their location is always given: `--data DIR` or
 * the environment variable RNN_ANOMALY_DATA, with no silent default.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../../src/core/errors.js';

/** Names the datasets folder when `--data` is not given. */
export const DATA_ENV_VARIABLE = 'RNN_ANOMALY_DATA';

/** One benchmark's corpus: a sub-folder of the datasets folder with the entries a run reads. */
export interface BenchmarkDataset {
  /** As people call it, for messages: `NAB`. */
  name: string;
  /** Its sub-folder in the datasets folder: `nab`. */
  folder: string;
  /** Entries the runner reads, relative to the benchmark's folder; a trailing `/` marks a folder. */
  entries: readonly string[];
}

export const NAB_DATASET: BenchmarkDataset = {
  name: 'NAB',
  folder: 'nab',
  entries: ['data/', 'labels/combined_windows.json'],
};

export const SMAP_MSL_DATASET: BenchmarkDataset = {
  name: 'SMAP/MSL',
  folder: 'smap_msl',
  entries: ['labeled_anomalies.csv', 'train/', 'test/'],
};

export interface RunArgs {
  /** Run only this many files or channels (a quick subset); undefined = all. */
  limit: number | undefined;
  /** Native threads; default: every core. */
  threads: number | undefined;
  /** Ignore cached per-file outputs and recompute them. */
  fresh: boolean;
  /** The benchmark's own folder (absolute), found from --data or RNN_ANOMALY_DATA. */
  data: string;
}

export interface RunnerHelp {
  /** The npm script, e.g. `eval:nab`. */
  script: string;
  dataset: BenchmarkDataset;
  /** What `--limit N` picks. */
  limit: string;
}

function layout(dataset: BenchmarkDataset): string {
  return `${dataset.folder}/ with ${dataset.entries.join(', ')}`;
}

export function runnerUsage(help: RunnerHelp): string {
  return [
    `usage: npm run ${help.script} -- --data DIR [--limit N] [--threads N] [--fresh]`,
    '',
    `  --data DIR     the datasets folder, holding ${layout(help.dataset)}`,
    `                 (DIR may also be the ${help.dataset.folder} folder itself); default: $${DATA_ENV_VARIABLE}`,
    `  --limit N      ${help.limit}`,
    '  --threads N    native worker threads (default: all cores)',
    '  --fresh        recompute instead of reusing cached per-file outputs',
    '  -h, --help     this text',
  ].join('\n');
}

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true;
}

function missingEntries(dir: string, entries: readonly string[]): string[] {
  return entries.filter((entry) => {
    const s = statSync(path.join(dir, entry), { throwIfNoEntry: false });
    return s === undefined || (entry.endsWith('/') ? !s.isDirectory() : !s.isFile());
  });
}

/**
 * The benchmark's folder: `<DIR>/<folder>`, or DIR itself when it is that folder, where DIR is
 * `--data` or else RNN_ANOMALY_DATA. Throws an InvalidArgumentError that says what is missing
 * and how to pass it.
 */
export function locateDataset(dataset: BenchmarkDataset, dataFlag: string | undefined, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[DATA_ENV_VARIABLE];
  const given = dataFlag ?? (fromEnv === '' ? undefined : fromEnv);
  const how = `pass --data DIR or set ${DATA_ENV_VARIABLE}=DIR, where DIR holds ${layout(dataset)}`;
  if (given === undefined) {
    throw new InvalidArgumentError(`no location for the ${dataset.name} corpus: ${how}`);
  }
  const source = dataFlag !== undefined ? `--data ${dataFlag}` : `${DATA_ENV_VARIABLE}=${fromEnv}`;
  const root = path.resolve(given);
  if (!isDirectory(root)) throw new InvalidArgumentError(`${source}: ${root} is not a folder; ${how}`);
  const nested = path.join(root, dataset.folder);
  if (isDirectory(nested)) {
    const missing = missingEntries(nested, dataset.entries);
    if (missing.length === 0) return nested;
    throw new InvalidArgumentError(`${source}: ${nested} lacks ${missing.join(', ')}; ${how}`);
  }
  const missing = missingEntries(root, dataset.entries);
  if (missing.length === 0) return root;
  throw new InvalidArgumentError(
    `${source}: ${root} has no ${dataset.folder}/ folder and is not the ${dataset.name} folder itself (it lacks ${missing.join(', ')}); ${how}`,
  );
}

export function parseRunArgs(argv: readonly string[], help: RunnerHelp, env: NodeJS.ProcessEnv = process.env): RunArgs {
  const usage = runnerUsage(help);
  let values: { limit?: string; threads?: string; fresh?: boolean; data?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        limit: { type: 'string' },
        threads: { type: 'string' },
        fresh: { type: 'boolean', default: false },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${usage}`);
  }
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const limit = values.limit === undefined ? undefined : positiveInteger(values.limit, '--limit', usage);
  const threads = values.threads === undefined ? undefined : positiveInteger(values.threads, '--threads', usage);
  try {
    return { limit, threads, fresh: values.fresh === true, data: locateDataset(help.dataset, values.data, env) };
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
    fail(`${err.message}\n\n${usage}`);
  }
}

function positiveInteger(raw: string, name: string, usage: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got "${raw}"\n${usage}`);
  return n;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
