import { describe, expect, it } from 'vitest';
import { AbortError, InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';
import { FixedThreshold, fitThreshold, thresholdFromJSON } from '../src/thresholds/index.js';

describe('percentile threshold', () => {
  // Expected values by hand with NumPy's linear rule: position (n - 1) * q / 100 between order statistics.
  it.each([
    [[1, 2, 3, 4, 5], 90, 4.6], // position 3.6: 4 + 0.6 * (5 - 4)
    [[1, 2, 3, 4, 5], 50, 3], // position 2
    [[10, 0, 5], 25, 2.5], // sorted [0, 5, 10], position 0.5
    [[3, 1, 2], 100, 3], // the maximum
    [[7], 37, 7], // a single score is every percentile
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 95, 8.55], // position 8.55
  ])('of %j at q = %d is %d', (scores, q, expected) => {
    const model = fitThreshold({ method: 'percentile', q }, scores);
    expect(model.current).toBeCloseTo(expected, 12);
    expect(model.apply([expected]).threshold).toBeCloseTo(expected, 12);
  });

  it('flags only scores strictly above the threshold', () => {
    const model = fitThreshold({ method: 'percentile', q: 50 }, [1, 2, 3]);
    const { threshold, flags } = model.apply(new Float32Array([1, 2, 2.0001, 3, -5]));
    expect(threshold).toBe(2);
    expect(Array.from(flags)).toEqual([0, 0, 1, 1, 0]);
  });
});

describe('ksigma threshold', () => {
  it('is mean + k * population std', () => {
    // mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, population variance 32 / 8 = 4, std 2.
    const model = fitThreshold({ method: 'ksigma', k: 2 }, [2, 4, 4, 4, 5, 5, 7, 9]);
    expect(model.current).toBeCloseTo(9, 12);
    expect(Array.from(model.apply([9, 9.01, 0]).flags)).toEqual([0, 1, 0]);
    expect((model as FixedThreshold).calibration).toEqual({ count: 8, mean: 5, std: 2 });
  });

  it('does not lose precision on a large common offset', () => {
    const model = fitThreshold({ method: 'ksigma', k: 3 }, [1e9 + 1, 1e9 - 1, 1e9 + 1, 1e9 - 1]);
    expect(model.current).toBe(1e9 + 3);
  });
});

describe('fixed thresholds in general', () => {
  it('apply does not change the model and update gives the same verdicts', () => {
    const model = fitThreshold({ method: 'percentile', q: 80 }, [0, 1, 2, 3, 4]);
    const scores = [0.5, 3.3, 3.2, 10];
    const batch = model.apply(scores);
    const streamed = scores.map((s) => model.update(s));
    expect(streamed.map((d) => d.flag)).toEqual(Array.from(batch.flags));
    expect(streamed.every((d) => d.threshold === 3.2)).toBe(true);
    expect(model.apply(scores).flags).toEqual(batch.flags);
  });

  it('applyAsync matches apply and honours an AbortSignal', async () => {
    const model = fitThreshold({ method: 'ksigma', k: 1 }, [0, 1, 2, 3]);
    const scores = Float32Array.from({ length: 300_000 }, (_, i) => (i % 7) / 2);
    const sync = model.apply(scores);
    const async = await model.applyAsync(scores);
    expect(async.threshold).toBe(sync.threshold);
    expect(Buffer.from(async.flags).equals(Buffer.from(sync.flags))).toBe(true);
    expect(sync.flags.reduce((a, b) => a + b, 0)).toBe(scores.filter((s) => s > 1.5 + Math.sqrt(1.25)).length);
    const controller = new AbortController();
    controller.abort();
    await expect(model.applyAsync(scores, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    await expect(model.applyAsync(scores, { signal: 'stop' as unknown as AbortSignal })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('survives a JSON round trip', () => {
    for (const spec of [
      { method: 'percentile', q: 97.5 },
      { method: 'ksigma', k: 2.5 },
    ] as const) {
      const model = fitThreshold(spec, [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.05]);
      const restored = thresholdFromJSON(JSON.parse(JSON.stringify(model)));
      expect(restored.spec).toEqual(model.spec);
      expect(restored.current).toBe(model.current);
      expect(restored.apply([0.85, 0.95, 2]).flags).toEqual(model.apply([0.85, 0.95, 2]).flags);
    }
  });

  it('rejects unusable calibration and test scores with typed errors', () => {
    expect(() => fitThreshold('percentile', [])).toThrow(InvalidDataError);
    expect(() => fitThreshold('percentile', [])).toThrow('calibrationScores must hold at least 1 score, got 0');
    expect(() => fitThreshold('ksigma', [1])).toThrow('calibrationScores must hold at least 2 scores, got 1');
    expect(() => fitThreshold('ksigma', [1, Number.NaN, 2])).toThrow(
      'calibrationScores[1] must be a finite number, got NaN',
    );
    expect(() => fitThreshold('ksigma', [1, Infinity])).toThrow(InvalidDataError);
    expect(() => fitThreshold('ksigma')).toThrow(InvalidArgumentError);
    expect(() => fitThreshold('ksigma', 'scores' as unknown as number[])).toThrow(
      'calibrationScores must be a Float32Array, Float64Array or array of numbers, got the string "scores"',
    );
    const model = fitThreshold('ksigma', [1, 2, 3]);
    expect(() => model.apply([1, Number.NaN])).toThrow('scores[1] must be a finite number, got NaN');
    expect(() => model.update(Number.POSITIVE_INFINITY)).toThrow(InvalidDataError);
    expect(model.apply([]).flags.length).toBe(0);
  });
});
