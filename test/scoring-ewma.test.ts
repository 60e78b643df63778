import { describe, expect, it } from 'vitest';
import { alphaFromSpan, ewma, EwmaSmoother, smoothingAlpha } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';

describe('ewma', () => {
  it('computes the adjusted (weight-normalised) average by hand for [1, 2, 3], alpha 0.5', () => {
    // y0 = 1; y1 = (2 + 0.5*1) / 1.5 = 5/3; y2 = (3 + 0.5*2 + 0.25*1) / 1.75 = 17/7.
    const y = ewma(Float32Array.from([1, 2, 3]), 0.5);
    expect(y[0]).toBe(1);
    expect(y[1]).toBeCloseTo(5 / 3, 6);
    expect(y[2]).toBeCloseTo(17 / 7, 6);
  });

  it('is the identity for alpha 1 and keeps a constant series constant', () => {
    expect(Array.from(ewma(Float32Array.from([3, -1, 4]), 1))).toEqual([3, -1, 4]);
    expect(Array.from(ewma(Float32Array.from([2.5, 2.5, 2.5, 2.5]), 0.1))).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('approaches the plain recursion y = a x + (1 - a) y as the start is forgotten', () => {
    const alpha = 0.3;
    const x = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i / 5) + (i % 7));
    const adjusted = ewma(x, alpha);
    let plain = x[0]!;
    for (let i = 1; i < x.length; i++) plain = alpha * x[i]! + (1 - alpha) * plain;
    expect(adjusted[199]).toBeCloseTo(plain, 4);
  });

  it('smooths each column independently', () => {
    const y = ewma(Float32Array.from([1, 10, 2, 20, 3, 30]), 0.5, 2);
    expect(y[4]).toBeCloseTo(17 / 7, 6);
    expect(y[5]).toBeCloseTo(170 / 7, 5);
  });

  it('rejects bad alpha, non-finite values and bad shapes', () => {
    expect(() => ewma(Float32Array.from([1]), 0)).toThrow(/alpha must be a number in \(0, 1\], got 0/);
    expect(() => ewma(Float32Array.from([1]), 1.5)).toThrow(InvalidArgumentError);
    expect(() => ewma(Float32Array.from([1, NaN]), 0.5)).toThrow(InvalidDataError);
    expect(() => ewma(Float32Array.from([1, 2, 3]), 0.5, 2)).toThrow(/not a multiple of the 2 columns/);
  });
});

describe('span and smoothing settings', () => {
  it('converts a span N to alpha 2 / (N + 1) and reads smoothing <= 1 as alpha, > 1 as span', () => {
    expect(alphaFromSpan(3)).toBe(0.5);
    expect(alphaFromSpan(1)).toBe(1);
    expect(smoothingAlpha(0.3)).toBe(0.3);
    expect(smoothingAlpha(9)).toBe(0.2);
    expect(() => alphaFromSpan(0.5)).toThrow(/span must be a finite number >= 1/);
    expect(smoothingAlpha(0)).toBe(1);
    expect(smoothingAlpha(1)).toBe(1);
    expect(() => smoothingAlpha(-1)).toThrow(/smoothing must be 0 \(off\), an alpha in \(0, 1\] or a span > 1/);
  });
});

describe('EwmaSmoother', () => {
  it('streams the same values as the batch function, bit for bit, and resumes from JSON', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => Math.cos(i) * 10);
    const batch = ewma(x, 0.2);
    const smoother = new EwmaSmoother(0.2);
    const streamed = new Float32Array(100);
    for (let i = 0; i < 50; i++) streamed[i] = smoother.next(x[i]!);
    const resumed = EwmaSmoother.fromJSON(JSON.parse(JSON.stringify(smoother)));
    for (let i = 50; i < 100; i++) streamed[i] = resumed.next(x[i]!);
    expect(Array.from(streamed)).toEqual(Array.from(batch));
  });

  it('updates several columns per row and resets', () => {
    const smoother = new EwmaSmoother(0.5, 2);
    const out = new Float32Array(2);
    smoother.update([1, 10], out);
    smoother.update([2, 20], out);
    expect(out[0]).toBeCloseTo(5 / 3, 6);
    smoother.reset();
    smoother.update([7, 8], out);
    expect(Array.from(out)).toEqual([7, 8]);
    expect(() => smoother.next(1)).toThrow(/1-column smoother/);
    expect(() => EwmaSmoother.fromJSON({ alpha: 0.5, columns: 2, numerators: [1], denominators: [1, 1] })).toThrow(
      /json.numerators must be an array of 2/,
    );
  });
});
