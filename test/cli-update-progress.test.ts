/**
 * The CLI shows the progress of the cross-fit fold trainings, and `update` says how many new
 * rows its contamination rule left out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, SPIKE, runCli, writeSeriesCsv } from './cli-helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rnnad-cli-update-progress-'));
  // 576 rows are 12 periods of the sine and end before SPIKE: the model learns normal rows only.
  await writeSeriesCsv(join(dir, 'first.csv'), 576);
  // The update rows hold SPIKE (an 11-row jump of +8).
  await writeSeriesCsv(join(dir, 'next.csv'), 1200);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rnn-anomaly train and update under cross-fit', () => {
  it('shows the epochs of each calibration fold on stderr, then update reports the rows it left out', async () => {
    const train = await runCli(['train', 'first.csv', '--model', 'm.rnnad', ...FAST], dir);
    expect(train.code).toBe(0);
    const lines = train.stderr.split('\n');
    // Not a terminal: one line per epoch, the final model's unnamed, each fold's named.
    expect(lines.filter((l) => /^epoch \d+\/5 /.test(l))).toHaveLength(5);
    for (let fold = 1; fold <= 4; fold++) {
      const epochs = lines
        .filter((l) => l.startsWith(`calibration fold ${fold}/4  epoch `))
        .map((l) => Number(/epoch (\d+)\//.exec(l)![1]));
      expect(epochs.length, `fold ${fold}`).toBeGreaterThan(0);
      expect(epochs).toEqual(epochs.map((_, i) => i + 1));
    }

    const text = await runCli(['update', 'next.csv', '--model', 'm.rnnad', '--out', 'm2.rnnad'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^[\d,]+ new rows with extreme scores left out of training and calibration \(the model's contamination setting\)$/m,
    );
    const json = await runCli(['update', 'next.csv', '--model', 'm.rnnad', '--out', 'm3.rnnad', '--json'], dir);
    const summary = JSON.parse(json.stdout) as { contaminatedRows: number; windows: number };
    // At least the jump's rows and the windows that read them.
    expect(summary.contaminatedRows).toBeGreaterThanOrEqual(SPIKE.end - SPIKE.start + 1 + 16);
  });
});
