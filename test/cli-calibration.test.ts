/** The run summary names the calibration the threshold came from, and --calibration selects it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, runCli, writeSeriesCsv } from './cli-helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rnnad-cli-calibration-'));
  await writeSeriesCsv(join(dir, 'data.csv'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rnn-anomaly run: calibration', () => {
  it('says cross-fit by default, with the tail fit and the thin-tail warning', async () => {
    const run = await runCli(['run', 'data.csv', '--train-fraction', '0.5', ...FAST], dir);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    // 600 training rows, window 16: 584 out-of-sample scores, too few for a level-0.98 tail.
    expect(run.stdout).toMatch(
      /^calibration: cross-fit on 584 out-of-sample scores, POT tail pooled from level 0\.9658 \(20 peaks\)$/m,
    );
    expect(run.stdout).toMatch(
      /^warning: the threshold was calibrated on 584 scores, fewer than the 1000 .* about 1016 rows would suffice$/m,
    );
  });

  it('says how many rows --contamination left out', async () => {
    const run = await runCli(['run', 'data.csv', '--train-fraction', '0.5', ...FAST, '--contamination', '0.05'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^calibration: cross-fit on [\d,]+ out-of-sample scores, .*; [\d,]+ rows with extreme scores left out \(--contamination\)$/m,
    );
  });

  it('says holdout with --calibration holdout', async () => {
    const run = await runCli(['run', 'data.csv', '--train-fraction', '0.5', ...FAST, '--calibration', 'holdout'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^calibration: holdout on 120 validation scores$/m);
  });
});
