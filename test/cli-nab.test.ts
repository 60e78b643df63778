import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from './cli-helpers.js';

const NAB = join(REPO, '..', 'shared', 'datasets', 'nab');
const DATA = join(NAB, 'data');
const NUMENTA = join(NAB, 'reference_results', 'numenta');

interface NabOutput {
  files: number;
  windows: number;
  profiles: Record<string, { threshold: number; thresholdSource: string; normalizedScore: number; files?: unknown[] }>;
}

async function published(): Promise<{
  scores: Record<string, number>;
  thresholds: Record<string, { threshold: number }>;
}> {
  const scores = JSON.parse(await readFile(join(NAB, 'results', 'final_results.json'), 'utf8')) as Record<
    string,
    Record<string, number>
  >;
  const thresholds = JSON.parse(await readFile(join(NAB, 'config', 'thresholds.json'), 'utf8')) as Record<
    string,
    Record<string, { threshold: number }>
  >;
  return { scores: scores['numenta']!, thresholds: thresholds['numenta']! };
}

describe('rnn-anomaly nab score', () => {
  it("reproduces NAB's published scores of the Numenta HTM detector at its published threshold", async () => {
    const { scores, thresholds } = await published();
    // standard and reward_low_FN_rate share one published threshold.
    const threshold = thresholds['standard']!.threshold;
    expect(thresholds['reward_low_FN_rate']!.threshold).toBe(threshold);
    const run = await runCli(
      ['nab', 'score', '--data', DATA, '--results', NUMENTA, '--threshold', String(threshold)],
      REPO,
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as NabOutput;
    expect(out.files).toBe(58);
    expect(out.windows).toBe(116);
    expect(Object.keys(out.profiles)).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
    expect(out.profiles['standard']!.normalizedScore).toBeCloseTo(scores['standard']!, 9);
    expect(out.profiles['reward_low_FN_rate']!.normalizedScore).toBeCloseTo(scores['reward_low_FN_rate']!, 9);
    expect(out.profiles['standard']!.thresholdSource).toBe('given');
    expect(out.profiles['standard']!.files).toBeUndefined();
  });

  it('optimises the thresholds by default, never below the published scores', async () => {
    const { scores } = await published();
    const run = await runCli(['nab', 'score', '--data', DATA, '--results', NUMENTA], REPO);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as NabOutput;
    for (const [name, profile] of Object.entries(out.profiles)) {
      expect(profile.thresholdSource).toBe('optimized');
      expect(profile.normalizedScore).toBeGreaterThanOrEqual(scores[name]! - 1e-9);
    }
  });

  it('needs both folders', async () => {
    const run = await runCli(['nab', 'score', '--data', DATA], REPO);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/"nab score" needs --data <nab\/data> and --results <dir>/);
  });
});
