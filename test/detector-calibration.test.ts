/**
 * Threshold calibration: cross-fit (every scored row gets an out-of-sample score), the stated
 * fallback of a thin POT tail, the holdout path as it always was, small data, and old model files.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { InvalidDataError } from '../src/core/errors.js';
import { fitPotWithFallback, fitThreshold, MIN_TAIL_PEAKS, scoresForTail } from '../src/thresholds/index.js';
import { crossFitFolds, rowsForCrossFit } from '../src/training/cross-fit.js';
import { contaminatedRows, withEchoes } from '../src/training/contamination.js';
import { firstScoredRow, windowSpan, type WindowShape } from '../src/model/window-starts.js';
import { noise, sine } from './helpers/sine.js';
import { expectTypedError } from './helpers/typed-errors.js';

const quick = { hidden: 8, window: 25, epochs: 3, windowsPerEpoch: 256, learningRate: 0.01, seed: 3 } as const;

describe('cross-fit folds', () => {
  for (const shape of [
    { mode: 'forecast', window: 25, horizon: 1 },
    { mode: 'forecast', window: 10, horizon: 3 },
    { mode: 'reconstruct', window: 12, horizon: 1 },
  ] satisfies WindowShape[]) {
    it(`give every scored row exactly one fold, and no fold model a window touching its rows (${shape.mode}, horizon ${shape.horizon})`, () => {
      const rows = 503;
      const folds = crossFitFolds(shape, rows)!;
      expect(folds).toHaveLength(4);
      const covered = new Uint8Array(rows);
      for (const fold of folds) {
        for (let r = fold.start; r < fold.end; r++) covered[r]!++;
        expect(fold.trainStarts.length).toBeGreaterThan(0);
        for (const s of fold.trainStarts) {
          const touches = s < fold.end && s + windowSpan(shape) > fold.start;
          expect(touches, `window ${s} touches fold ${fold.start}..${fold.end - 1}`).toBe(false);
        }
      }
      const first = firstScoredRow(shape);
      expect(Array.from(covered.subarray(0, first)).every((c) => c === 0)).toBe(true);
      expect(Array.from(covered.subarray(first)).every((c) => c === 1)).toBe(true);
    });
  }

  it('the detector calibrates on an out-of-sample score of every scored row', async () => {
    const detector = new Detector({ ...quick, threshold: { method: 'percentile', q: 99 }, contamination: 0 });
    const summary = await detector.fit(sine(600));
    expect(summary.calibration).toBe('cross-fit');
    expect(summary.calibrationRows).toBe(600 - 25);
    expect(detector.config.calibration).toBe('cross-fit');
    // Out-of-sample errors are larger than the final model's in-sample errors of the same rows.
    const inSample = (await detector.detect(sine(600))).scores.subarray(25);
    const sorted = Float64Array.from(inSample).sort();
    expect(summary.threshold!).toBeGreaterThan(sorted[Math.floor(0.9 * sorted.length)]!);
  });
});

describe('thin-tail fallback of POT', () => {
  const spec = { method: 'pot', q: 1e-3, level: 0.98 } as const;
  const exponentialScores = (n: number): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => -Math.log(1 - (0.5 + 0.4999 * noise(i + 7))));

  it('keeps the configured level when it has enough peaks', () => {
    const n = scoresForTail(0.98) + 100;
    const { threshold, report } = fitPotWithFallback(spec, exponentialScores(n));
    expect(report).toMatchObject({ kind: 'pot', level: 0.98, scores: n });
    expect(report.peaks!).toBeGreaterThanOrEqual(MIN_TAIL_PEAKS);
    // Exactly what plain POT fits on the same scores.
    expect(threshold.value).toBe(fitThreshold(spec, exponentialScores(n)).current);
  });

  it('pools a lower level when the configured one holds too few peaks', () => {
    const { threshold, report } = fitPotWithFallback(spec, exponentialScores(400));
    expect(report.kind).toBe('pot-pooled');
    expect(report.level!).toBeCloseTo(1 - MIN_TAIL_PEAKS / 400, 12);
    expect(report.peaks).toBe(MIN_TAIL_PEAKS);
    // An exponential tail with rate 1: the 1e-3 quantile is ln(1000) = 6.9; the fit is in its region.
    expect(threshold.value).toBeGreaterThan(4);
    expect(threshold.value).toBeLessThan(15);
  });

  it('takes the empirical bound when even the pooled level would hold too few peaks', () => {
    const scores = exponentialScores(120);
    const { threshold, report } = fitPotWithFallback(spec, scores);
    expect(report).toEqual({ kind: 'empirical', level: null, peaks: null, scores: 120 });
    const sorted = Float64Array.from(scores).sort();
    const median = (sorted[59]! + sorted[60]!) / 2;
    expect(threshold.value).toBeCloseTo(sorted[119]! + 0.5 * (sorted[119]! - median), 12);
  });

  it('is taken and reported by a fit on a short series, with a warning naming the rows that would suffice', async () => {
    const detector = new Detector(quick);
    const summary = await detector.fit(sine(400));
    expect(summary.thresholdFit).toMatchObject({ kind: 'pot-pooled', scores: 375, peaks: MIN_TAIL_PEAKS });
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings![0]).toMatch(
      /375 scores, fewer than the 1000 .*level 0\.98.*about 1025 rows would suffice/,
    );
    const { settings } = await detector.detect(sine(100));
    expect(settings.calibration).toBe('cross-fit');
    expect(settings.thresholdFit).toEqual(summary.thresholdFit);
  });
});

describe('contamination trimming', () => {
  const withSpikes = (rows: number, spikes: number[]): number[] => {
    const x = sine(rows);
    for (const r of spikes) x[r]! += 4;
    return x;
  };
  const options = { ...quick, epochs: 10 } as const;

  it('drops injected spikes (and the rows their scores echo into) from training and calibration, and then finds them', async () => {
    const spikes = [600, 1400];
    const trimmed = new Detector(options);
    const summary = await trimmed.fit(withSpikes(2000, spikes));
    // Each spike takes its row, the window that reads it and the smoothing's 1% memory (47 rows at span 20).
    expect(summary.contaminatedRows!).toBeGreaterThanOrEqual(spikes.length * (1 + 25 + 47));
    expect(summary.calibrationRows).toBe(2000 - 25 - summary.contaminatedRows!);
    const plain = await new Detector({ ...options, contamination: 0 }).fit(withSpikes(2000, spikes));
    expect(plain.contaminatedRows).toBe(0);
    // The spikes' echoes set the untrimmed threshold far above what the clean rows need.
    const clean = await new Detector(options).fit(sine(2000));
    expect(summary.threshold!).toBeLessThan(2 * clean.threshold!);
    expect(plain.threshold!).toBeGreaterThan(3 * clean.threshold!);
    const found = (await trimmed.detect(withSpikes(2000, spikes))).events;
    for (const r of spikes)
      expect(
        found.some((e) => e.start <= r && e.end >= r),
        `spike at ${r}`,
      ).toBe(true);
  });

  it('the robust rule flags scores above median + 6 x 1.4826 x MAD of the rows not yet excluded', () => {
    // Median 1, MAD 0.5 (scaled: 0.7413): the cut is 1 + 6 * 0.7413 = 5.448.
    const scores = Float32Array.from([0.5, 1, 1.5, 0.5, 1, 1.5, 0.5, 1, 1.5, 5.4, 40]);
    const onlyLast = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(Array.from(contaminatedRows(scores, 'auto'))).toEqual(onlyLast);
    // Excluding the flagged row leaves the median and MAD as they were: the same verdict.
    expect(Array.from(contaminatedRows(scores, 'auto', Uint8Array.from(onlyLast)))).toEqual(onlyLast);
    expect(Array.from(contaminatedRows(scores, 0.2))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(contaminatedRows(scores, 0))).toEqual(new Array(11).fill(0));
    expect(Array.from(withEchoes(Uint8Array.from([0, 1, 0, 0, 0, 0, 1, 0]), 2))).toEqual([0, 1, 1, 1, 0, 0, 1, 1]);
  });

  it('a fixed share drops that share of the scored rows (with their echoes) once', async () => {
    const summary = await new Detector({ ...options, contamination: 0.01 }).fit(withSpikes(1000, [200, 350, 500]));
    expect(summary.contaminatedRows!).toBeGreaterThanOrEqual(Math.floor(0.01 * 975));
  });

  it('is not applied when it would leave the threshold too few scores', async () => {
    // Half of 104 scored rows, each with 16 + 47 echo rows, would leave nothing to calibrate on.
    const summary = await new Detector({ ...quick, window: 16, contamination: 0.5 }).fit(sine(120));
    expect(summary.contaminatedRows).toBe(0);
    expect(summary.calibrationRows).toBe(104);
  });

  it('is no part of holdout calibration', async () => {
    const summary = await new Detector({ ...options, calibration: 'holdout' }).fit(withSpikes(1000, [500]));
    expect(summary.contaminatedRows).toBe(0);
  });
});

describe('holdout calibration', () => {
  it('reproduces the threshold fitted on the validation scores of the final model', async () => {
    const series = sine(1000, 0, 930);
    const detector = new Detector({ ...quick, calibration: 'holdout' });
    const summary = await detector.fit(series);
    expect(summary.calibration).toBe('validation');
    expect(summary.thresholdFit).toBeNull();
    // Scoring the validation part on its own starts its smoothing where calibration started it.
    const validation = await detector.detect(series.slice(800 - 25));
    const expected = fitThreshold(detector.config.threshold, validation.scores.subarray(25));
    expect(summary.threshold).toBe(expected.current);
    expect(summary.calibrationRows).toBe(200);
  });
});

describe('small data', () => {
  it('fails with a typed error naming how many rows would suffice, and that many do', async () => {
    const options = { ...quick, window: 16, validationSplit: 0 };
    let caught: unknown;
    try {
      await new Detector(options).fit(sine(36));
    } catch (error) {
      caught = error;
    }
    expectTypedError(caught, InvalidDataError, 'ERR_INVALID_DATA', /too few for cross-fit calibration/);
    const needed = rowsForCrossFit({ mode: 'forecast', window: 16, horizon: 1 }, 36);
    expect((caught as Error).message).toContain(`give at least ${needed} rows`);
    const summary = await new Detector(options).fit(sine(needed));
    expect(summary.calibrationRows).toBe(needed - 16);
  });
});

describe('model files', () => {
  it('a file written before calibration was a setting loads as holdout, and refits that way', async () => {
    const detector = await Detector.load(join(import.meta.dirname, 'fixtures', 'model-files', 'main-0c7a92f.rnnad'));
    expect(detector.config.calibration).toBe('holdout');
    expect(detector.options.calibration).toBe('holdout');
    const { settings } = await detector.detect(sine(200));
    expect(settings.calibration).toBe('holdout');
    expect(settings.thresholdFit).toBeNull();
  });

  it('keeps the calibration method of a new model', async () => {
    const detector = new Detector({ ...quick, threshold: { method: 'percentile', q: 99 } });
    await detector.fit(sine(300));
    const loaded = Detector.fromBuffer(detector.toBuffer());
    expect(loaded.config.calibration).toBe('cross-fit');
    expect(loaded.summary.thresholdFit).toBeNull();
  });
});
