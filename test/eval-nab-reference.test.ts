/**
 * Reproduces NAB's published scoreboard from the committed detector outputs: per-file raw
 * scores and row counts of reference_results/expected_scores.csv, the normalised scores of
 * results/final_results.json at the stored thresholds, and the scores NAB's current sweep
 * optimiser would choose (SCORING.md section 8, last column).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNabCorpus, NAB_PROFILES, scoreNabCorpus, scoreNabDetections, type NabCorpus } from '../src/eval/index.js';
import { readNabResults } from '../src/eval/nab/results-file.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nab = path.resolve(repoRoot, '..', 'shared', 'datasets', 'nab');
const detectors = ['numenta', 'windowedGaussian', 'random'] as const;
const profiles = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

interface ExpectedRow {
  detector: string;
  profile: string;
  file: string;
  threshold: number;
  raw: number;
  windows: number;
  detected: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  normalized: number;
}

const expectedRows: ExpectedRow[] = readFileSync(path.join(nab, 'reference_results', 'expected_scores.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const c = line.split(',');
    return {
      detector: c[0]!,
      profile: c[1]!,
      file: c[2]!,
      threshold: Number(c[3]),
      raw: Number(c[4]),
      windows: Number(c[5]),
      detected: Number(c[6]),
      tp: Number(c[7]),
      fp: Number(c[8]),
      fn: Number(c[9]),
      tn: Number(c[10]),
      normalized: c[11] === '' ? Number.NaN : Number(c[11]),
    };
  });
const published = JSON.parse(readFileSync(path.join(nab, 'results', 'final_results.json'), 'utf8')) as Record<
  string,
  Record<string, number>
>;
const storedThresholds = JSON.parse(readFileSync(path.join(nab, 'config', 'thresholds.json'), 'utf8')) as Record<
  string,
  Record<string, { threshold: number }>
>;

let corpus: NabCorpus;
beforeAll(async () => {
  corpus = await loadNabCorpus({ dataDir: path.join(nab, 'data') });
});

describe('NAB corpus', () => {
  it('uses the cost matrices of config/profiles.json', () => {
    const config = JSON.parse(readFileSync(path.join(nab, 'config', 'profiles.json'), 'utf8')) as Record<
      string,
      { CostMatrix: { tpWeight: number; fpWeight: number; fnWeight: number } }
    >;
    const fromConfig = Object.fromEntries(
      Object.entries(config).map(([name, { CostMatrix: m }]) => [
        name,
        { tp: m.tpWeight, fp: m.fpWeight, fn: m.fnWeight },
      ]),
    );
    expect(NAB_PROFILES).toEqual(fromConfig);
  });

  it('has the documented shape', () => {
    expect(corpus.files.length).toBe(58);
    expect(corpus.windows).toBe(116);
    expect(corpus.files.reduce((n, f) => n + f.rows, 0)).toBe(365_558);
    expect(corpus.files.reduce((n, f) => n + f.weights.window.length, 0)).toBe(332_842);
    expect(corpus.files.filter((f) => f.windows.length === 0).length).toBe(6);
  });

  it('resolves window edges to the first row with that timestamp', () => {
    const f = corpus.files.find((x) => x.name === 'artificialWithAnomaly/art_daily_flatmiddle.csv')!;
    const start = f.timestampText.indexOf('2014-04-10 07:15:00');
    const end = f.timestampText.indexOf('2014-04-11 16:45:00');
    expect(f.windows).toEqual([{ start, end }]);
    expect(start).toBeGreaterThan(0);
  });
});

describe.each(detectors)('NAB reference detector %s', (detector) => {
  it('reproduces expected_scores.csv and final_results.json at the stored thresholds', async () => {
    const scores = await readNabResults(corpus, path.join(nab, 'reference_results', detector));
    const thresholds = Object.fromEntries(profiles.map((p) => [p, storedThresholds[detector]![p]!.threshold]));
    const result = scoreNabDetections(corpus, scores, { thresholds });
    for (const profile of profiles) {
      const got = result.profiles[profile]!;
      const rows = expectedRows.filter((r) => r.detector === detector && r.profile === profile);
      expect(rows.length).toBe(59);
      expect(got.threshold).toBe(rows[0]!.threshold);
      for (const exp of rows) {
        const actual = exp.file === 'TOTAL' ? got : got.files.find((f) => f.file === exp.file)!;
        expect(actual, `${profile} ${exp.file}`).toBeDefined();
        expect(actual.rawScore, `${profile} ${exp.file}`).toBeCloseTo(exp.raw, 8);
        expect(
          [actual.windows, actual.windowsDetected, actual.tp, actual.fp, actual.fn, actual.tn],
          `${profile} ${exp.file}`,
        ).toEqual([exp.windows, exp.detected, exp.tp, exp.fp, exp.fn, exp.tn]);
      }
      const total = rows.find((r) => r.file === 'TOTAL')!;
      expect(got.normalizedScore).toBeCloseTo(total.normalized, 8);
      expect(got.normalizedScore).toBeCloseTo(published[detector]![profile]!, 8);
      expect(got.thresholdSource).toBe('given');
    }
  });
});

describe('NAB null detector', () => {
  it('scores 0 after normalisation (all scores 0.5 below its threshold 0.625)', () => {
    const scores = new Map(corpus.files.map((f) => [f.name, new Float64Array(f.rows).fill(0.5)]));
    const result = scoreNabDetections(corpus, scores, { threshold: storedThresholds.null!.standard!.threshold });
    expect(result.profiles.standard!.rawScore).toBe(-116);
    expect(result.profiles.reward_low_FN_rate!.rawScore).toBe(-232);
    for (const p of profiles) expect(result.profiles[p]!.normalizedScore).toBe(0);
  });
});

describe('NAB threshold optimisation on the corpus', () => {
  // SCORING.md section 8: what NAB's current sweep gives for the reference detectors.
  const sweepScores: Record<string, [number, number, number]> = {
    numenta: [70.1011, 63.2092, 74.3202],
    windowedGaussian: [39.6495, 20.868, 47.41],
    random: [17.6554, 7.48, 27.5749],
  };

  it.each(detectors)('matches the sweep figures for %s', async (detector) => {
    const result = await scoreNabCorpus({
      dataDir: path.join(nab, 'data'),
      resultsDir: path.join(nab, 'reference_results', detector),
    });
    profiles.forEach((p, i) => {
      expect(result.profiles[p]!.thresholdSource).toBe('optimized');
      expect(result.profiles[p]!.normalizedScore).toBeCloseTo(sweepScores[detector]![i]!, 3);
    });
    if (detector === 'numenta') expect(result.profiles.reward_low_FP_rate!.threshold).toBeCloseTo(0.543099, 6);
    if (detector === 'windowedGaussian') expect(result.profiles.standard!.threshold).toBe(1);
  });
});
