import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorSurprise } from '../src/scoring/index.js';
import { configHash, FileCache } from '../eval/lib/file-cache.js';
import { readNasaLabels } from '../eval/lib/nasa-labels.js';
import { DATA_ENV_VARIABLE, locateDataset, NAB_DATASET, SMAP_MSL_DATASET } from '../eval/lib/run-args.js';
import { InvalidArgumentError } from '../src/core/errors.js';
import { collect } from './cli-helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('ErrorSurprise (NAB score mapping)', () => {
  it('standardises an error against the history before it', () => {
    const s = new ErrorSurprise({ history: 10, warmup: 3, zHalf: 5, refractory: 0 });
    expect([s.next(1), s.next(2), s.next(3)]).toEqual([0, 0, 0]); // warm-up
    // History 1, 2, 3: mean 2, population std sqrt(2/3).
    const z = 3 / Math.sqrt(2 / 3);
    expect(s.next(5)).toBeCloseTo(z / (z + 5), 12);
  });

  it('forgets errors older than the history', () => {
    const s = new ErrorSurprise({ history: 2, warmup: 2, zHalf: 1, refractory: 0 });
    s.observe(100);
    s.observe(1);
    s.observe(3); // 100 drops out: history 1, 3 (mean 2, std 1)
    expect(s.next(4)).toBeCloseTo(2 / 3, 12);
  });

  it('scores 0 below the mean and silences repeats within the refractory period', () => {
    const s = new ErrorSurprise({ history: 100, warmup: 2, zHalf: 1, refractory: 2 });
    s.observe(0);
    s.observe(2);
    expect(s.next(0)).toBe(0);
    const first = s.next(10);
    expect(first).toBeGreaterThan(0.5);
    expect(s.next(9)).toBe(0); // not above the score two rows back
    expect(s.next(1)).toBe(0);
    expect(s.next(50)).toBeGreaterThan(0); // a new maximum raises a new alarm
  });
});

describe('FileCache', () => {
  it('round-trips values and metadata, and misses cleanly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rnnad-cache-'));
    try {
      const cache = new FileCache<{ ms: number }>(dir);
      expect(await cache.get('cat/a.csv')).toBeNull();
      await cache.set('cat/a.csv', Float32Array.from([1.5, -2, 3]), { ms: 7 });
      const got = await cache.get('cat/a.csv');
      expect(Array.from(got!.values)).toEqual([1.5, -2, 3]);
      expect(got!.meta).toEqual({ ms: 7 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names configurations by content', () => {
    expect(configHash({ a: 1 })).toBe(configHash({ a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});

describe('readNasaLabels', () => {
  it('reads the 82 label rows with the documented counts', async () => {
    const rows = await readNasaLabels(
      path.resolve(repoRoot, '..', 'shared', 'datasets', 'smap_msl', 'labeled_anomalies.csv'),
    );
    expect(rows.length).toBe(82);
    expect(rows.filter((r) => r.spacecraft === 'SMAP').length).toBe(55);
    const sequences = (craft: string): number =>
      rows.filter((r) => r.spacecraft === craft).reduce((n, r) => n + r.sequences.length, 0);
    expect([sequences('SMAP'), sequences('MSL')]).toEqual([69, 36]);
    expect(rows.filter((r) => r.channel === 'P-2').map((r) => r.sequences)).toEqual([
      [{ start: 5350, end: 6575 }],
      [{ start: 5300, end: 6420 }],
    ]);
    expect(rows[0]).toMatchObject({
      channel: 'P-1',
      testLength: 8505,
      classes: ['contextual', 'contextual', 'contextual'],
    });
  });
});

describe('where the runners find their corpus', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'rnnad-datasets-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function makeNab(dir: string): Promise<void> {
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await mkdir(path.join(dir, 'labels'));
    await writeFile(path.join(dir, 'labels', 'combined_windows.json'), '{}');
  }

  function failure(run: () => unknown): InvalidArgumentError {
    try {
      run();
    } catch (err) {
      if (err instanceof InvalidArgumentError) return err;
      throw err;
    }
    throw new Error('expected an InvalidArgumentError');
  }

  it('says how to pass the location when neither --data nor the variable is given', () => {
    for (const env of [{}, { [DATA_ENV_VARIABLE]: '' }]) {
      const err = failure(() => locateDataset(NAB_DATASET, undefined, env));
      expect(err.code).toBe('ERR_INVALID_ARGUMENT');
      expect(err.message).toBe(
        `no location for the NAB corpus: pass --data DIR or set ${DATA_ENV_VARIABLE}=DIR, where DIR holds nab/ with data/, labels/combined_windows.json`,
      );
    }
  });

  it('names the folder and the entries it lacks', async () => {
    await mkdir(path.join(root, 'nab', 'data'), { recursive: true });
    expect(failure(() => locateDataset(NAB_DATASET, root, {})).message).toContain(
      `--data ${root}: ${path.join(root, 'nab')} lacks labels/combined_windows.json; pass --data DIR`,
    );
    expect(failure(() => locateDataset(SMAP_MSL_DATASET, undefined, { [DATA_ENV_VARIABLE]: root })).message).toContain(
      `${DATA_ENV_VARIABLE}=${root}: ${root} has no smap_msl/ folder and is not the SMAP/MSL folder itself (it lacks labeled_anomalies.csv, train/, test/)`,
    );
    const absent = path.join(root, 'absent');
    expect(failure(() => locateDataset(NAB_DATASET, absent, {})).message).toContain(
      `--data ${absent}: ${absent} is not a folder`,
    );
  });

  it('takes the datasets folder or the benchmark folder itself, --data before the variable', async () => {
    await makeNab(path.join(root, 'nab'));
    expect(locateDataset(NAB_DATASET, root, {})).toBe(path.join(root, 'nab'));
    expect(locateDataset(NAB_DATASET, path.join(root, 'nab'), {})).toBe(path.join(root, 'nab'));
    expect(locateDataset(NAB_DATASET, undefined, { [DATA_ENV_VARIABLE]: root })).toBe(path.join(root, 'nab'));
    expect(locateDataset(NAB_DATASET, root, { [DATA_ENV_VARIABLE]: path.join(root, 'absent') })).toBe(
      path.join(root, 'nab'),
    );
  });

  it('stops the NAB runner with usage exit code 2 before any work when the location is missing', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env[DATA_ENV_VARIABLE];
    const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'eval', 'nab.ts'), '--limit', '1'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await collect(child);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`no location for the NAB corpus: pass --data DIR or set ${DATA_ENV_VARIABLE}=DIR`);
    expect(run.stderr).toContain('usage: npm run eval:nab -- --data DIR');
  }, 30_000);
});
