import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { FAST, runCli, writeSeriesCsv } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-cli-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI flags of the network options', () => {
  it('train stores --dropout, --input-dropout, --head, --variance-floor, --horizon-score; info shows them', async () => {
    await writeSeriesCsv(join(dir, 'series.csv'), 800);
    const flags = [
      '--dropout',
      '0.2',
      '--input-dropout',
      '0.05',
      '--head',
      'gaussian',
      '--variance-floor',
      '0.001',
      '--horizon',
      '2',
      '--horizon-score',
      'mean',
    ];
    const run = await runCli(['train', 'series.csv', '--model', 'm.rnnad', ...FAST, ...flags], dir);
    expect(run.stderr.includes('Error') ? run.stderr : '').toBe('');
    expect(run.code).toBe(0);
    const detector = await Detector.load(join(dir, 'm.rnnad'));
    const c = detector.config;
    expect([c.dropout, c.inputDropout, c.head, c.varianceFloor, c.horizon, c.horizonScore, c.score]).toEqual([
      0.2,
      0.05,
      'gaussian',
      0.001,
      2,
      'mean',
      'nll',
    ]);
    const info = await runCli(['info', 'm.rnnad'], dir);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('horizon 2 (score: mean); score nll');
    expect(info.stdout).toContain('head: gaussian (variance floor 0.001); dropout 0.2, input dropout 0.05');
  });

  it('update continues training a saved model and saves it to --out', async () => {
    await writeSeriesCsv(join(dir, 'more.csv'), 400);
    const run = await runCli(
      ['update', 'more.csv', '--model', 'm.rnnad', '--out', 'm2.rnnad', '--epochs', '2', '--json'],
      dir,
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      model: string;
      rows: number;
      epochs: number;
      thresholdRecalibrated: boolean;
    };
    expect(summary).toMatchObject({ model: 'm2.rnnad', rows: 400, epochs: 2, thresholdRecalibrated: true });
    const before = await Detector.load(join(dir, 'm.rnnad'));
    const after = await Detector.load(join(dir, 'm2.rnnad'));
    expect(after.summary.updates).toHaveLength(1);
    expect(Array.from(after.network.getFlatParameters())).not.toEqual(Array.from(before.network.getFlatParameters()));
    const bad = await runCli(['update', 'more.csv', '--model', 'm.rnnad', '--epochs', '0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--epochs');
  });

  it('a bad combination is a usage error naming the flag', async () => {
    const run = await runCli(['train', 'series.csv', '--model', 'x.rnnad', ...FAST, '--score', 'nll'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--score 'nll' needs head 'gaussian'");
  });
});
