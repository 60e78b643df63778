import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError, RnnAnomalyError } from '../src/core/errors.js';
import { checkThresholdSpec, THRESHOLD_DEFAULTS } from '../src/thresholds/index.js';

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('checkThresholdSpec', () => {
  it('fills every default and accepts a bare method name', () => {
    expect(checkThresholdSpec({ method: 'pot' })).toEqual({ method: 'pot', q: 1e-3, level: 0.98 });
    expect(checkThresholdSpec('percentile')).toEqual({ method: 'percentile', q: 99 });
    expect(checkThresholdSpec({ method: 'ksigma', k: 4 })).toEqual({ method: 'ksigma', k: 4 });
    expect(checkThresholdSpec({ method: 'spot', depth: 10 })).toEqual({ ...THRESHOLD_DEFAULTS.spot, depth: 10 });
    expect(checkThresholdSpec({ method: 'dynamic', window: 500, batch: 50 })).toEqual({
      method: 'dynamic',
      window: 500,
      batch: 50,
      p: 0.13,
      buffer: 100,
      inverse: false,
      minScore: null,
    });
  });

  it('accepts the edges of each range that are allowed', () => {
    expect(checkThresholdSpec({ method: 'percentile', q: 100 })).toMatchObject({ q: 100 });
    expect(checkThresholdSpec({ method: 'dynamic', p: 0, buffer: 0, window: 2, batch: 2 })).toMatchObject({ p: 0 });
    expect(checkThresholdSpec({ method: 'dynamic', minScore: -3 })).toMatchObject({ minScore: -3 });
  });

  it.each([
    [{ method: 'percentile', q: 0 }, 'threshold.q must be in (0, 100], got 0'],
    [{ method: 'percentile', q: 100.5 }, 'threshold.q must be in (0, 100], got 100.5'],
    [{ method: 'ksigma', k: -1 }, 'threshold.k must be in (0, Infinity), got -1'],
    [{ method: 'ksigma', k: Infinity }, 'threshold.k must be in (0, Infinity), got Infinity'],
    [{ method: 'pot', level: 1 }, 'threshold.level must be in (0, 1), got 1'],
    [{ method: 'pot', level: 0.98, q: 0.05 }, 'threshold.q must be in (0, 1 - level)'],
    [{ method: 'spot', maxPeaks: 5 }, 'threshold.maxPeaks must be in [10,'],
    [{ method: 'spot', depth: -1 }, 'threshold.depth must be in [0,'],
    [{ method: 'dynamic', window: 100, batch: 101 }, 'threshold.batch must be in [1, window] = [1, 100], got 101'],
    [{ method: 'dynamic', p: 1 }, 'threshold.p must be in [0, 1), got 1'],
  ])('rejects %j with an OutOfRangeError naming the field', (spec, message) => {
    const error = errorOf(() => checkThresholdSpec(spec));
    expect(error).toBeInstanceOf(OutOfRangeError);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toBeInstanceOf(RnnAnomalyError);
    expect(error.code).toBe('ERR_OUT_OF_RANGE');
    expect(error.message).toContain(message);
  });

  it.each([
    [null, 'threshold must be an object'],
    [42, 'threshold must be an object'],
    [{ method: 'median' }, "threshold.method must be one of 'percentile', 'ksigma', 'pot', 'spot', 'dynamic'"],
    [{}, 'threshold.method must be one of'],
    [{ method: 'pot', risk: 1e-3 }, "threshold.risk is not an option of the 'pot' threshold; allowed: q, level"],
    [{ method: 'pot', q: '0.001' }, 'threshold.q must be a number, got the string "0.001"'],
    [{ method: 'ksigma', k: Number.NaN }, 'threshold.k must be a number, got NaN'],
    [{ method: 'dynamic', window: 10.5 }, 'threshold.window must be an integer, got 10.5'],
    [{ method: 'dynamic', inverse: 1 }, 'threshold.inverse must be a boolean, got 1'],
  ])('rejects %j with an InvalidArgumentError naming the field', (spec, message) => {
    const error = errorOf(() => checkThresholdSpec(spec));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(error.message).toContain(message);
  });

  it('uses the caller-given name in messages', () => {
    expect(errorOf(() => checkThresholdSpec({ method: 'pot', q: 2 }, 'options.threshold')).message).toMatch(
      /^options\.threshold\.q must be in/,
    );
  });
});
