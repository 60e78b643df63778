import { describe, expect, it } from 'vitest';
import { GaussianErrorModel } from '../src/scoring/index.js';
import { AbortError, InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

const LOG_2PI = Math.log(2 * Math.PI);

// mean [0, 0], covariance [[2, 1], [1, 2]]: det 3, inverse [[2, -1], [-1, 2]] / 3.
const correlated = GaussianErrorModel.fromJSON({
  dimensions: 2,
  mean: [0, 0],
  covariance: [2, 1, 1, 2],
  ridge: 0,
  samples: 10,
});

function scoreOf(model: GaussianErrorModel, vector: number[]): { score: number; contributions: number[] } {
  const { scores, contributions } = model.score(Float32Array.from(vector), 1, true);
  return { score: scores[0]!, contributions: Array.from(contributions!) };
}

// Independent reference: NLL through an explicit Gauss-Jordan inverse and determinant.
function referenceNll(mean: number[], covariance: number[][], x: number[]): number {
  const d = mean.length;
  const a = covariance.map((row, i) => [...row, ...Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))]);
  let det = 1;
  for (let col = 0; col < d; col++) {
    let pivotRow = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivotRow]![col]!)) pivotRow = r;
    if (pivotRow !== col) {
      [a[col], a[pivotRow]] = [a[pivotRow]!, a[col]!];
      det = -det;
    }
    const pivot = a[col]![col]!;
    det *= pivot;
    for (let c = 0; c < 2 * d; c++) a[col]![c]! /= pivot;
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const factor = a[r]![col]!;
      for (let c = 0; c < 2 * d; c++) a[r]![c]! -= factor * a[col]![c]!;
    }
  }
  const delta = x.map((v, i) => v - mean[i]!);
  let maha = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) maha += delta[i]! * a[i]![d + j]! * delta[j]!;
  return 0.5 * (d * LOG_2PI + Math.log(det) + maha);
}

describe('GaussianErrorModel scores', () => {
  it('gives the hand-computed NLL of a known 2-D covariance', () => {
    // x = [1, 0]: Mahalanobis term 2/3.
    expect(scoreOf(correlated, [1, 0]).score).toBeCloseTo(0.5 * (2 * LOG_2PI + Math.log(3) + 2 / 3), 5);
    // x = [1, -1]: against the correlation, Mahalanobis term 2.
    expect(scoreOf(correlated, [1, -1]).score).toBeCloseTo(0.5 * (2 * LOG_2PI + Math.log(3) + 2), 5);
    // At the mean only the normaliser is left.
    expect(scoreOf(correlated, [0, 0]).score).toBeCloseTo(0.5 * (2 * LOG_2PI + Math.log(3)), 5);
  });

  it('splits the Mahalanobis term over features, clipping negative shares', () => {
    // [1, 0]: S^-1 delta = [2/3, -1/3]; shares [2/3, 0].
    expectCloseArray(scoreOf(correlated, [1, 0]).contributions, [2 / 3, 0]);
    // [1, 1]: shares [1/3, 1/3] sum to the Mahalanobis term 2/3.
    expectCloseArray(scoreOf(correlated, [1, 1]).contributions, [1 / 3, 1 / 3]);
    // [2, 0.5]: S^-1 delta = [7/6, -1/3]; shares 7/3 and -1/6; Mahalanobis 13/6 goes to feature 0.
    expectCloseArray(scoreOf(correlated, [2, 0.5]).contributions, [13 / 6, 0]);
  });

  it('gives squared standardised residuals as contributions for a diagonal covariance', () => {
    const diagonal = GaussianErrorModel.fromJSON({
      dimensions: 3,
      mean: [1, 0, -1],
      covariance: [4, 0, 0, 0, 1, 0, 0, 0, 0.25],
      ridge: 0,
      samples: 5,
    });
    const { score, contributions } = scoreOf(diagonal, [3, 1, -1.5]);
    expectCloseArray(contributions, [1, 1, 1]);
    expect(score).toBeCloseTo(0.5 * (3 * LOG_2PI + Math.log(4 * 1 * 0.25) + 3), 5);
  });

  it('matches an explicit-inverse reference on a random 4-D covariance', () => {
    const mean = [0.5, -1, 2, 0];
    const b = [
      [1, 0.2, -0.3, 0.1],
      [0.4, 1.5, 0.2, -0.2],
      [0, -0.3, 0.8, 0.5],
      [0.3, 0.1, 0.1, 1.2],
    ];
    const covariance = b.map((_, i) => b.map((__, j) => b[i]!.reduce((s, v, k) => s + v * b[j]![k]!, 0)));
    const model = GaussianErrorModel.fromJSON({
      dimensions: 4,
      mean,
      covariance: covariance.flat(),
      ridge: 0,
      samples: 100,
    });
    for (const x of [
      [0, 0, 0, 0],
      [1, 2, 3, 4],
      [-2, 0.5, 1, -1],
    ]) {
      const { score, contributions } = scoreOf(model, x);
      const expected = referenceNll(mean, covariance, x);
      expect(score).toBeCloseTo(expected, 4);
      const maha = 2 * (expected - referenceNll(mean, covariance, mean));
      expect(contributions.reduce((s, v) => s + v, 0)).toBeCloseTo(maha, 4);
      expect(contributions.every((v) => v >= 0)).toBe(true);
    }
  });

  it('scores one point without allocating, identically to batch scoring', () => {
    const out = new Float32Array(4);
    const batch = correlated.score(Float32Array.from([1, 0, 2, 0.5]), 2, true);
    expect(Math.fround(correlated.scoreOne([9, 9, 2, 0.5], 2, out, 2))).toBe(batch.scores[1]);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(batch.contributions!.subarray(2)));
    expect(() => correlated.scoreOne([1, NaN])).toThrow(/residuals\[1\] must be a finite number/);
    expect(() => correlated.scoreOne([1, 0], 0, new Float32Array(1))).toThrow(/contributionsOut/);
  });
});

describe('GaussianErrorModel.fit', () => {
  it('estimates the mean and maximum-likelihood covariance of hand-made residuals', () => {
    // (+-1, +-1) with two pairs agreeing in sign and one pair disagreeing, shifted by (3, -2):
    // variances 1, covariance (1 + 1 + 1 + 1 - 1 - 1) / 6 = 1/3.
    const points = [
      [1, 1],
      [-1, -1],
      [1, 1],
      [-1, -1],
      [1, -1],
      [-1, 1],
    ].map(([x, y]) => [x! + 3, y! - 2]);
    const model = GaussianErrorModel.fit(Float32Array.from(points.flat()), 6, 2);
    expectCloseArray(Array.from(model.mean), [3, -2]);
    expectCloseArray(Array.from(model.covariance), [1, 1 / 3, 1 / 3, 1]);
    expect(model.ridge).toBe(0);
    expect(model.samples).toBe(6);
    // det = 1 - 1/9 = 8/9; at the mean the score is the normaliser.
    expect(model.score(Float32Array.from([3, -2]), 1).scores[0]).toBeCloseTo(0.5 * (2 * LOG_2PI + Math.log(8 / 9)), 5);
  });

  it('agrees with the closed form in one dimension', () => {
    const residuals = Float32Array.from([1, 2, 3, 4]);
    const model = GaussianErrorModel.fit(residuals, 4, 1);
    // mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    const x = 5;
    expect(model.score(Float32Array.from([x]), 1).scores[0]).toBeCloseTo(
      0.5 * (LOG_2PI + Math.log(1.25) + (x - 2.5) ** 2 / 1.25),
      5,
    );
  });

  it('adds a ridge for a constant dimension and for collinear dimensions, keeping scores finite', () => {
    const constant = GaussianErrorModel.fit(Float32Array.from([1, 5, 2, 5, 3, 5, 4, 5]), 4, 2);
    expect(constant.ridge).toBeGreaterThan(0);
    const deviating = constant.score(Float32Array.from([2.5, 5, 2.5, 5.1]), 2, true);
    expect(Array.from(deviating.scores).every(Number.isFinite)).toBe(true);
    expect(deviating.scores[1]!).toBeGreaterThan(deviating.scores[0]!);
    // The constant feature is the one blamed when it moves.
    expect(deviating.contributions![3]!).toBeGreaterThan(deviating.contributions![2]!);

    const collinear = GaussianErrorModel.fit(Float32Array.from([1, 2, 2, 4, 3, 6, 4, 8]), 4, 2);
    expect(collinear.ridge).toBeGreaterThan(0);
    const scored = collinear.score(Float32Array.from([2, 4, 2, 1]), 2).scores;
    expect(Array.from(scored).every(Number.isFinite)).toBe(true);
    expect(scored[1]!).toBeGreaterThan(scored[0]!);

    const allZero = GaussianErrorModel.fit(new Float32Array(6), 3, 2);
    expect(Array.from(allZero.score(Float32Array.from([0, 0, 1, 0]), 2).scores).every(Number.isFinite)).toBe(true);
  });

  it('handles fewer samples than dimensions', () => {
    const model = GaussianErrorModel.fit(Float32Array.from([1, 2, 3, 4, 2, 1, 0, 3]), 2, 4);
    expect(model.ridge).toBeGreaterThan(0);
    expect(Number.isFinite(model.score(Float32Array.from([0, 0, 0, 0]), 1).scores[0]!)).toBe(true);
  });

  it('refuses non-finite residuals and too few rows', () => {
    expect(() => GaussianErrorModel.fit(Float32Array.from([1, NaN, 2, 3]), 2, 2)).toThrow(
      /residuals has NaN at row 0, dimension 1/,
    );
    expect(() => GaussianErrorModel.fit(Float32Array.from([1, 2]), 1, 2)).toThrow(OutOfRangeError);
    expect(() => GaussianErrorModel.fit(Float32Array.from([1, 2, 3]), 2, 2)).toThrow(/residuals must have 4 elements/);
    expect(() => correlated.score(Float32Array.from([1, Infinity]), 1)).toThrow(InvalidDataError);
  });
});

describe('GaussianErrorModel persistence and async scoring', () => {
  const random = (() => {
    let s = 12345;
    return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  })();
  const rows = 10_000;
  const residuals = Float32Array.from({ length: rows * 3 }, (_, i) => random() + (i % 3 === 2 ? 0.5 * random() : 0));
  const model = GaussianErrorModel.fit(residuals, rows, 3);

  it('scores bit for bit the same after a JSON round trip', () => {
    const restored = GaussianErrorModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const a = model.score(residuals, rows, true);
    const b = restored.score(residuals, rows, true);
    expect(Buffer.from(b.scores.buffer).equals(Buffer.from(a.scores.buffer))).toBe(true);
    expect(Buffer.from(b.contributions!.buffer).equals(Buffer.from(a.contributions!.buffer))).toBe(true);
  });

  it('rejects malformed JSON', () => {
    expect(() =>
      GaussianErrorModel.fromJSON({ dimensions: 2, mean: [0, 0], covariance: [1, 2, 2, 1], ridge: 0, samples: 3 }),
    ).toThrow(/positive definite/);
    expect(() =>
      GaussianErrorModel.fromJSON({ dimensions: 2, mean: [0, 0], covariance: [1, 0.5, 0, 1], ridge: 0, samples: 3 }),
    ).toThrow(/symmetric/);
    expect(() =>
      GaussianErrorModel.fromJSON({ dimensions: 2, mean: [0], covariance: [1, 0, 0, 1], ridge: 0, samples: 3 }),
    ).toThrow(/json.mean must be an array of 2 finite numbers/);
    expect(() => GaussianErrorModel.fromJSON(null)).toThrow(InvalidArgumentError);
  });

  it('scores asynchronously in slices with the same result, and can be aborted', async () => {
    const sync = model.score(residuals, rows, true);
    const async = await model.scoreAsync(residuals, rows, { withContributions: true });
    expect(Array.from(async.scores)).toEqual(Array.from(sync.scores));
    expect(Array.from(async.contributions!)).toEqual(Array.from(sync.contributions!));
    const controller = new AbortController();
    const pending = model.scoreAsync(residuals, rows, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(AbortError);
  });
});

function expectCloseArray(actual: ArrayLike<number>, expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}
