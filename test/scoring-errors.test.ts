import { describe, expect, it } from 'vitest';
import { predictionErrors, residuals } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';

// Two points, two features: actual - predicted = [1, 0; -2, 3].
const predicted = Float32Array.from([1, 2, 3, 4]);
const actual = Float32Array.from([2, 2, 1, 7]);

describe('predictionErrors', () => {
  it('computes absolute errors per feature and their mean per point', () => {
    const { perFeature, perPoint } = predictionErrors(predicted, actual, 2, 2, 'absolute');
    expect(Array.from(perFeature)).toEqual([1, 0, 2, 3]);
    expect(Array.from(perPoint)).toEqual([0.5, 2.5]);
  });

  it('computes squared errors', () => {
    const { perFeature, perPoint } = predictionErrors(predicted, actual, 2, 2, 'squared');
    expect(Array.from(perFeature)).toEqual([1, 0, 4, 9]);
    expect(Array.from(perPoint)).toEqual([0.5, 6.5]);
  });

  it('weights features in the per-point aggregate only', () => {
    const { perFeature, perPoint } = predictionErrors(predicted, actual, 2, 2, 'absolute', { weights: [3, 1] });
    expect(Array.from(perFeature)).toEqual([1, 0, 2, 3]);
    // (3*1 + 1*0) / 4 and (3*2 + 1*3) / 4.
    expect(Array.from(perPoint)).toEqual([0.75, 2.25]);
  });

  it('writes into given buffers', () => {
    const perFeatureOut = new Float32Array(4);
    const perPointOut = new Float32Array(2);
    const result = predictionErrors(predicted, actual, 2, 2, 'absolute', { perFeatureOut, perPointOut });
    expect(result.perFeature).toBe(perFeatureOut);
    expect(result.perPoint).toBe(perPointOut);
  });

  it('refuses non-finite predictions or actual values instead of scoring NaN', () => {
    expect(() => predictionErrors(Float32Array.from([1, NaN, 3, 4]), actual, 2, 2)).toThrow(
      /predicted has NaN at row 0, feature 1; the model produced a non-finite output/,
    );
    expect(() => predictionErrors(predicted, Float32Array.from([1, 2, 3, Infinity]), 2, 2)).toThrow(InvalidDataError);
  });

  it('validates shapes, kinds and weights', () => {
    expect(() => predictionErrors(predicted, actual, 2, 3)).toThrow(/predicted must have 6 elements, got 4/);
    expect(() => predictionErrors(predicted, actual, 2, 2, 'cubic' as never)).toThrow(
      /kind must be one of 'absolute', 'squared'/,
    );
    expect(() => predictionErrors(predicted, actual, 2, 2, 'absolute', { weights: [1] })).toThrow(
      /options.weights must be an array of 2/,
    );
    expect(() => predictionErrors(predicted, actual, 2, 2, 'absolute', { weights: [1, -1] })).toThrow(
      /options.weights\[1\] must be a finite non-negative number/,
    );
    expect(() => predictionErrors(predicted, actual, 2, 2, 'absolute', { weights: [0, 0] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => predictionErrors([1, 2] as never, actual, 1, 2)).toThrow(/predicted must be a Float32Array/);
  });
});

describe('residuals', () => {
  it('returns actual - predicted', () => {
    expect(Array.from(residuals(predicted, actual, 2, 2))).toEqual([1, 0, -2, 3]);
    expect(() => residuals(predicted, Float32Array.from([NaN, 0, 0, 0]), 2, 2)).toThrow(
      /actual has NaN at row 0, feature 0/,
    );
  });
});
