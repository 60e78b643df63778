import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import type { DetectorOptions } from '../src/detector/detector-options.js';
import { InvalidArgumentError, InvalidDataError, NotFittedError, OutOfRangeError } from '../src/core/errors.js';
import { fitThreshold } from '../src/thresholds/index.js';
import { expectClose, sine } from './helpers/sine.js';

const quick = { hidden: 8, window: 25, epochs: 4, windowsPerEpoch: 512, learningRate: 0.01, seed: 2 } as const;

describe('StreamingDetector equals batch detection', () => {
  const cases: { name: string; options: DetectorOptions; columns?: number }[] = [
    { name: 'forecast, absolute, smoothed', options: { ...quick, threshold: { method: 'pot' } } },
    { name: 'forecast, loglik, 2 columns', options: { ...quick, score: 'loglik', smoothing: 0 }, columns: 2 },
    { name: 'reconstruct, squared', options: { ...quick, mode: 'reconstruct', score: 'squared', smoothing: 5 } },
    { name: 'lstm forecast, horizon 3', options: { ...quick, cell: 'lstm', horizon: 3 } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const rows = (n: number, phase = 0, spike?: number): number[] | number[][] =>
        c.columns === 2 ? sine(n, phase, spike).map((v, i) => [v, Math.cos(i / 4) * 0.5]) : sine(n, phase, spike);
      const detector = new Detector(c.options);
      await detector.fit(rows(800));
      const test = rows(200, 13, 120);
      const batch = await detector.detect(test);
      const stream = detector.stream();
      const streamed = stream.pushMany(test);
      const first = c.options.mode === 'reconstruct' ? 24 : 25;
      expect(Array.from(streamed.ready.subarray(0, first))).toEqual(new Array(first).fill(0));
      expect(Array.from(streamed.ready.subarray(first))).toEqual(new Array(200 - first).fill(1));
      expectClose(streamed.scores.subarray(first), batch.scores.subarray(first));
      expect(Array.from(streamed.flags.subarray(first))).toEqual(Array.from(batch.flags.subarray(first)));
      expect(streamed.flags[120]).toBe(1);
    });
  }
});

describe('StreamingDetector', () => {
  // Unsmoothed, so the calibration scores are exactly detect(training).scores of the validation rows.
  const detector = new Detector({
    ...quick,
    smoothing: 0,
    threshold: { method: 'spot', q: 1e-3, level: 0.95 },
    calibration: 'holdout',
  });
  beforeAll(async () => {
    await detector.fit(sine(800));
  });

  it('reports not ready, score 0 and the current threshold until a window of history exists', () => {
    const stream = detector.stream();
    const point = stream.push(0.5);
    expect(point).toEqual({ score: 0, flag: 0, ready: false, threshold: detector.summary.threshold, imputed: false });
  });

  it('updates a spot threshold online, exactly as the threshold model would', async () => {
    const test = sine(300, 7, 200);
    const stream = detector.stream();
    const out = stream.pushMany(test);
    const calibration = (await detector.detect(sine(800))).scores.subarray(640);
    const reference = fitThreshold({ method: 'spot', q: 1e-3, level: 0.95 }, calibration);
    for (let t = 25; t < 300; t++) {
      const decision = reference.update(out.scores[t]!);
      expect(out.thresholds[t]).toBe(Math.fround(decision.threshold));
      expect(out.flags[t]).toBe(decision.flag);
    }
    expect(new Set(Array.from(out.thresholds.subarray(25))).size).toBeGreaterThan(1);
  });

  it('keeps independent streams apart; pushAll (one native call) equals separate pushes', () => {
    const series = [sine(120, 0), sine(120, 5, 60), sine(120, 11)];
    const many = detector.stream({ streams: 3 });
    const manyRows = detector.stream({ streams: 3 });
    const singles = series.map(() => detector.stream());
    for (let t = 0; t < 120; t++) {
      const all = many.pushAll(series.map((s) => s[t]!));
      expect(Array.from(manyRows.pushAll(series.map((s) => [s[t]!])).scores)).toEqual(Array.from(all.scores));
      for (let s = 0; s < 3; s++) {
        const one = singles[s]!.push(series[s]![t]!);
        expect(all.ready[s]).toBe(one.ready ? 1 : 0);
        expect(all.scores[s]).toBeCloseTo(one.score, 6);
        expect(all.flags[s]).toBe(one.flag);
      }
    }
    // push(streamId, point) interleaved in any order gives the same as a stream of its own.
    const interleaved = detector.stream({ streams: 2 });
    const a = detector.stream();
    let last = 0;
    for (let t = 0; t < 60; t++) {
      interleaved.push(1, series[2]![t]!);
      last = interleaved.push(0, series[1]![t]!).score;
      expect(last).toBeCloseTo(a.push(series[1]![t]!).score, 6);
    }
    expect(last).toBeGreaterThan(0);
  });

  it('fills a missing value from the previous point and says so', () => {
    const withGap = detector.stream();
    const reference = detector.stream();
    const values = sine(60, 3);
    for (let t = 0; t < 60; t++) {
      const gap = t === 40;
      const got = withGap.push(gap ? NaN : values[t]!);
      const want = reference.push(gap ? values[39]! : values[t]!);
      expect(got.imputed).toBe(gap);
      expect(got.score).toBe(want.score);
    }
  });

  it('rejects bad points with typed errors and changes nothing', () => {
    const stream = detector.stream({ streams: 2 });
    const reference = detector.stream({ streams: 2 });
    const values = sine(40);
    for (let t = 0; t < 30; t++) {
      stream.pushAll([values[t]!, values[t]!]);
      reference.pushAll([values[t]!, values[t]!]);
    }
    expect(() => stream.push(0, Infinity)).toThrow(InvalidDataError);
    expect(() => stream.push(0, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => stream.push(0, 'x' as unknown as number)).toThrow(InvalidArgumentError);
    expect(() => stream.push(2, 1)).toThrow(OutOfRangeError);
    expect(() => stream.push(0.5, 1)).toThrow(InvalidArgumentError);
    expect(() => stream.pushAll([1])).toThrow(/2 x 1 values/);
    expect(() => stream.pushAll([1, -Infinity])).toThrow(InvalidDataError);
    expect(() => stream.pushMany([1, 2, Infinity], 1)).toThrow(/points\[2\]/);
    expect(() => detector.stream({ streams: 0 })).toThrow(OutOfRangeError);
    expect(() => detector.stream({ streams: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => detector.stream({ stream: 2 } as never)).toThrow(/unknown key "stream"/);
    for (let t = 30; t < 40; t++) {
      const got = stream.pushAll([values[t]!, values[t]!]);
      const want = reference.pushAll([values[t]!, values[t]!]);
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
      expect(Array.from(got.thresholds)).toEqual(Array.from(want.thresholds));
    }
  });

  it('reset forgets a stream', () => {
    const stream = detector.stream();
    const values = sine(80);
    const first = stream.pushMany(values);
    stream.reset();
    const again = stream.pushMany(values);
    expect(Array.from(again.scores)).toEqual(Array.from(first.scores));
    expect(Array.from(again.ready)).toEqual(Array.from(first.ready));
  });

  it('needs a fitted detector', () => {
    expect(() => new Detector().stream()).toThrow(NotFittedError);
  });
});
