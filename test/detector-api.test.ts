import { afterAll, describe, expect, it } from 'vitest';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import { setThreads, threads } from '../src/engine/runtime.js';
import { NotFittedError } from '../src/core/errors.js';
import type { EpochInfo } from '../src/model/fitted-model.js';

const initialThreads = threads();
afterAll(() => setThreads(initialThreads));

function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A noisy sine of period 25 with a spike of +4 at `spike` (if given). */
function sine(rows: number, spike?: number): number[] {
  return Array.from(
    { length: rows },
    (_, i) => Math.sin((2 * Math.PI * i) / 25) + 0.05 * noise(i) + (i === spike ? 4 : 0),
  );
}

/** Small, fast settings: the tests check the pipeline, not model quality. */
const quick = { hidden: 8, window: 25, epochs: 4, windowsPerEpoch: 512, learningRate: 0.01, seed: 1 } as const;

function zscore(values: ArrayLike<number>, rows: number): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += Math.fround(values[i]!);
  const mean = sum / rows;
  let squares = 0;
  for (let i = 0; i < rows; i++) squares += (Math.fround(values[i]!) - mean) ** 2;
  return { mean, std: Math.sqrt(squares / rows) };
}

/** NumPy's default (linear) percentile, written out for the test. */
function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5, abs = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (abs + rel * Math.abs(expected[i]!));
    if (excess > worst) {
      worst = excess;
      at = i;
    }
  }
  expect(at, `first worst mismatch at ${at}: ${actual[at]} vs ${expected[at]}`).toBe(-1);
}

describe('Detector.fit and detect (forecast)', () => {
  const train = sine(1000);
  const test = sine(300, 150);
  const detector = new Detector({
    ...quick,
    smoothing: 0,
    threshold: { method: 'percentile', q: 99 },
    calibration: 'holdout',
  });
  const epochs: EpochInfo[] = [];
  const fitted = detector.fit(train, { onEpochEnd: (e) => void epochs.push(e) });

  it('returns a summary with the loss history and the resolved configuration', async () => {
    const summary = await fitted;
    expect(summary.epochs).toBe(4);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(summary.loss).toEqual(epochs.map((e) => e.loss));
    expect(summary.valLoss).toEqual(epochs.map((e) => e.valLoss));
    expect(summary.trainRows).toBe(800);
    expect(summary.validationRows).toBe(200);
    expect(summary.calibration).toBe('validation');
    expect(summary.calibrationRows).toBe(200);
    expect(summary.config).toMatchObject({
      cell: 'gru',
      hidden: 8,
      window: 25,
      horizon: 1,
      mode: 'forecast',
      batchSize: 32,
    });
    expect(detector.fitted).toBe(true);
    expect(detector.columnNames).toEqual(['value']);
  });

  it('scores each row by the absolute error of its one-step forecast (checked by hand)', async () => {
    await fitted;
    const result = await detector.detect(test);
    const { mean, std } = zscore(train, 800);
    const scaled = Float32Array.from(test, (v) => (Math.fround(v) - mean) / std);
    const W = 25;
    const windows = test.length - W;
    const x = new Float32Array(windows * W);
    for (let i = 0; i < windows; i++) x.set(scaled.subarray(i, i + W), i * W);
    const predicted = detector.network.predict(x, windows, W);
    const expected = new Float32Array(test.length);
    for (let t = W; t < test.length; t++) expected[t] = Math.abs(scaled[t]! - predicted[t - W]!);
    expectClose(result.scores, expected);
    expect(result.unscored).toBe(W);
    expect(Array.from(result.flags.subarray(0, W))).toEqual(new Array(W).fill(0));
    expectClose(result.featureScores, expected);
  });

  it('calibrates the threshold on the validation rows and flags the spike as one event', async () => {
    await fitted;
    const own = await detector.detect(train);
    expect(own.threshold).toBeCloseTo(percentile(own.scores.subarray(800), 99), 5);
    const result = await detector.detect(test);
    const threshold = result.threshold as number;
    expect(Array.from(result.flags)).toEqual(Array.from(result.scores, (s) => (s > threshold ? 1 : 0)));
    expect(result.flags[150]).toBe(1);
    const spikeEvent = result.events.find((e) => e.start <= 150 && e.end >= 150)!;
    expect(spikeEvent.peak).toBe(150);
    expect(spikeEvent.peakScore).toBe(result.scores[150]);
    expect(spikeEvent.features).toEqual([{ name: 'value', index: 0, contribution: 1 }]);
  });

  it('merges flagged runs closer than eventGap rows (default: the window) into one event', async () => {
    await fitted;
    // Two spikes 10 rows apart: with no smoothing each flags its own short run.
    const twin = sine(300).map((v, i) => v + (i === 150 || i === 160 ? 4 : 0));
    const apart = await detector.detect(twin, { eventGap: 0 });
    const runs = apart.events.filter((e) => e.start >= 150 && e.start <= 160);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const merged = await detector.detect(twin);
    expect(merged.settings.eventGap).toBe(25);
    // The events expected from the unmerged runs: a run starting fewer than 25 unflagged rows
    // after the previous one ends joins it.
    const expected: [number, number][] = [];
    for (const e of apart.events) {
      const last = expected[expected.length - 1];
      if (last && e.start - last[1] - 1 < 25) last[1] = e.end;
      else expected.push([e.start, e.end]);
    }
    expect(merged.events.map((e) => [e.start, e.end])).toEqual(expected);
    expect(merged.events.filter((e) => e.end >= 150 && e.start <= 160)).toHaveLength(1);
    // Flags are untouched: merging only groups them.
    expect(Array.from(merged.flags)).toEqual(Array.from(apart.flags));
    await expect(detector.detect(twin, { eventGap: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(detector.detect(twin, { eventGap: '5' as never })).rejects.toThrow(
      /detectOptions\.eventGap must be an integer/,
    );
  });

  it("scores every row of a continuation with { context: 'training' }", async () => {
    await fitted;
    const continuation = sine(1100).slice(1000);
    const withContext = await detector.detect(continuation, { context: 'training' });
    expect(withContext.unscored).toBe(0);
    const whole = await detector.detect([...train, ...continuation]);
    expectClose(withContext.scores, whole.scores.subarray(1000), 1e-6);
    // An explicit context series does the same.
    const explicit = await detector.detect(continuation, {
      context: TimeSeries.fromArrays({ values: train.slice(950), columnNames: ['value'] }),
    });
    expect(Array.from(explicit.scores)).toEqual(Array.from(withContext.scores));
  });

  it('serialises results to JSON and CSV', async () => {
    await fitted;
    const result = await detector.detect(test);
    const json = JSON.parse(JSON.stringify(result));
    expect(json.rows).toBe(300);
    expect(json.scores).toHaveLength(300);
    expect(json.scores[150]).toBeCloseTo(result.scores[150]!, 6);
    expect(json.flags[150]).toBe(1);
    expect(json.featureScores[150]).toHaveLength(1);
    expect(json.settings).toMatchObject({ window: 25, mode: 'forecast', threshold: { method: 'percentile', q: 99 } });
    const lines = result.toCSV().trimEnd().split('\n');
    expect(lines[0]).toBe('row,timestamp,value,score,threshold,flag');
    expect(lines).toHaveLength(301);
    const spikeLine = lines[151]!.split(',');
    expect(spikeLine[0]).toBe('150');
    expect(spikeLine[1]).toBe('');
    expect(Number(spikeLine[2])).toBeCloseTo(test[150]!, 5);
    expect(Number(spikeLine[3])).toBe(result.scores[150]);
    expect(spikeLine[5]).toBe('1');
  });
});

describe('Detector options that change scoring', () => {
  const train = sine(900);

  it('smoothing is the adjusted EWMA of the unsmoothed scores', async () => {
    // Without trimming, which reads the smoothed scores, the two networks are the same.
    const plain = new Detector({ ...quick, smoothing: 0, contamination: 0 });
    const smooth = new Detector({ ...quick, smoothing: 9, contamination: 0 });
    await plain.fit(train);
    await smooth.fit(train);
    const test = sine(200, 120);
    const raw = (await plain.detect(test)).scores;
    const smoothed = (await smooth.detect(test)).scores;
    const alpha = 2 / (9 + 1);
    let num = 0;
    let den = 0;
    const expected = new Float32Array(200);
    for (let t = 25; t < 200; t++) {
      num = raw[t]! + (1 - alpha) * num;
      den = 1 + (1 - alpha) * den;
      expected[t] = num / den;
    }
    expectClose(smoothed, expected, 1e-6);
  });

  it("'squared' scores are squared errors; multivariate scores average the target features", async () => {
    const rows = Array.from({ length: 900 }, (_, i) => [
      Math.sin((2 * Math.PI * i) / 25),
      Math.cos((2 * Math.PI * i) / 25) + 0.1 * noise(i),
    ]);
    // Without trimming, which reads the scores, the two networks are the same.
    const absolute = new Detector({ ...quick, smoothing: 0, contamination: 0 });
    const squared = new Detector({ ...quick, smoothing: 0, score: 'squared', contamination: 0 });
    await absolute.fit(rows);
    await squared.fit(rows);
    const a = await absolute.detect(rows.slice(700));
    const s = await squared.detect(rows.slice(700));
    expect(a.featureNames).toEqual(['c0', 'c1']);
    for (const t of [25, 80, 199]) {
      const fa = a.featureScores.subarray(t * 2, t * 2 + 2);
      const fs = s.featureScores.subarray(t * 2, t * 2 + 2);
      expect(fs[0]).toBeCloseTo(fa[0]! * fa[0]!, 5);
      expect(fs[1]).toBeCloseTo(fa[1]! * fa[1]!, 5);
      expect(a.scores[t]).toBeCloseTo((fa[0]! + fa[1]!) / 2, 6);
    }
  });

  it('targets restrict the forecast and the scores to the named columns', async () => {
    const series = TimeSeries.fromArrays({
      columns: {
        driver: Float32Array.from({ length: 900 }, (_, i) => Math.sin((2 * Math.PI * i) / 25)),
        load: Float32Array.from({ length: 900 }, (_, i) => Math.sin((2 * Math.PI * (i - 3)) / 25) + 0.05 * noise(i)),
      },
    });
    const detector = new Detector({ ...quick, targets: ['load'] });
    await detector.fit(series);
    expect(detector.network.spec.outputSize).toBe(1);
    expect(detector.network.spec.inputSize).toBe(2);
    const result = await detector.detect(series.slice(600));
    expect(result.featureNames).toEqual(['load']);
    expect(result.featureScores.length).toBe(300);
    expect(result.settings.features).toEqual(['load']);
  });

  it("'loglik' scores are the Gaussian NLL of the residual under the validation fit", async () => {
    const detector = new Detector({ ...quick, smoothing: 0, score: 'loglik', calibration: 'holdout' });
    const reference = new Detector({ ...quick, smoothing: 0 });
    await detector.fit(train);
    await reference.fit(train);
    // Same seed and data: the two networks are identical, so the absolute errors give |residual|.
    const calibrationErrors = (await reference.detect(train)).scores.subarray(720);
    const signedResiduals = await signed(reference, train, 720);
    const n = signedResiduals.length;
    const mu = signedResiduals.reduce((s, v) => s + v, 0) / n;
    const variance = signedResiduals.reduce((s, v) => s + (v - mu) ** 2, 0) / n;
    expect(signedResiduals.map(Math.abs)).toEqual(Array.from(calibrationErrors).map((v) => expect.closeTo(v, 6)));
    const test = sine(200, 120);
    const residual = await signed(reference, test, 25);
    const result = await detector.detect(test);
    for (const t of [25, 60, 120, 199]) {
      const e = residual[t - 25]!;
      expect(result.scores[t]).toBeCloseTo(0.5 * (Math.log(2 * Math.PI * variance) + (e - mu) ** 2 / variance), 3);
    }
  });

  it('reconstruct mode scores each row from the last step of the window that ends on it', async () => {
    const detector = new Detector({ ...quick, mode: 'reconstruct', smoothing: 0 });
    await detector.fit(train);
    const test = sine(120, 70);
    const result = await detector.detect(test);
    expect(result.unscored).toBe(24);
    expect(Array.from(result.scores.subarray(0, 24))).toEqual(new Array(24).fill(0));
    const { mean, std } = zscore(train, 720);
    const scaled = Float32Array.from(test, (v) => (Math.fround(v) - mean) / std);
    const W = 25;
    const out = detector.network.predict(scaled.slice(50, 75), 1, W);
    expect(result.scores[74]).toBeCloseTo(Math.abs(scaled[74]! - out[W - 1]!), 5);
    const first = detector.network.predict(scaled.slice(0, W), 1, W);
    expect(result.scores[24]).toBeCloseTo(Math.abs(scaled[24]! - first[W - 1]!), 5);
    expect(result.flags[70]).toBe(1);
  });
});

/**
 * Signed residuals actual - predicted of rows [from, rows), recomputed with the detector's
 * network on data scaled by hand (the detector was fitted on sine(900)); each one's magnitude
 * must match the detector's absolute score.
 */
async function signed(detector: Detector, values: number[], from: number): Promise<number[]> {
  const absolute = await detector.detect(values);
  const sign: number[] = [];
  const W = detector.config.window;
  const scaler = zscore(sine(900), detector.summary.trainRows);
  const scaled = Float32Array.from(values, (v) => (Math.fround(v) - scaler.mean) / scaler.std);
  for (let t = from; t < values.length; t++) {
    const predicted = detector.network.predict(scaled.slice(t - W, t), 1, W)[0]!;
    const residual = Math.fround(scaled[t]! - predicted);
    expect(Math.abs(residual)).toBeCloseTo(absolute.scores[t]!, 5);
    sign.push(residual);
  }
  return sign;
}

describe('Detector determinism and atomicity', () => {
  it('the same seed gives the same model bit for bit, with 1 or 2 threads', async () => {
    const a = new Detector({ ...quick, threads: 1 });
    const b = new Detector({ ...quick, threads: 2 });
    await a.fit(sine(700));
    await b.fit(sine(700));
    const pa = a.network.getFlatParameters();
    const pb = b.network.getFlatParameters();
    expect(new Uint32Array(pb.buffer)).toEqual(new Uint32Array(pa.buffer));
  });

  it('an aborted fit leaves the detector as it was', async () => {
    const detector = new Detector(quick);
    await expect(detector.fit(sine(700), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    expect(detector.fitted).toBe(false);
    expect(() => detector.config).toThrow(NotFittedError);
    await detector.fit(sine(700));
    const before = detector.network.getFlatParameters();
    const controller = new AbortController();
    const refit = detector.fit(sine(900, 400), {
      signal: controller.signal,
      onEpochEnd: (e) => {
        if (e.epoch === 2) controller.abort();
      },
    });
    await expect(refit).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(Array.from(detector.network.getFlatParameters())).toEqual(Array.from(before));
    expect(detector.summary.trainRows).toBe(560);
  });

  it('fits without a validation part by calibrating on the training rows', async () => {
    const detector = new Detector({
      ...quick,
      calibration: 'holdout',
      validationSplit: 0,
      threshold: { method: 'ksigma', k: 3 },
    });
    const summary = await detector.fit(sine(600));
    expect(summary.calibration).toBe('training');
    expect(summary.valLoss).toEqual([]);
    expect(summary.calibrationRows).toBe(600 - 25);
  });
});
