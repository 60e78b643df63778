/** Command-line flags shared by the evaluation runners. */
import { parseArgs } from 'node:util';

export interface RunArgs {
  /** Run only this many files or channels (a quick subset); undefined = all. */
  limit: number | undefined;
  /** Native threads; default: every core. */
  threads: number | undefined;
  /** Ignore cached per-file outputs and recompute them. */
  fresh: boolean;
  /** Dataset folder; undefined = the runner's default under ../shared/datasets. */
  data: string | undefined;
}

export function parseRunArgs(argv: readonly string[], usage: string): RunArgs {
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
  return {
    limit: values.limit === undefined ? undefined : positiveInteger(values.limit, '--limit', usage),
    threads: values.threads === undefined ? undefined : positiveInteger(values.threads, '--threads', usage),
    fresh: values.fresh === true,
    data: values.data,
  };
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
