import { describe, expect, it } from 'vitest';
import { nabOnlineScores, type NabScoreMapping } from '../eval/lib/nab-online-score.js';

// The scorers it combines are tested on their own in test/scoring-online-*.test.ts.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const MAPPING: NabScoreMapping = {
  terms: { forecastError: true, dayAgo: true, range: true, levelRange: true },
  errorKind: 'squared',
  errorSeedShare: 1,
  errorHistory: 1000,
  warmup: 2,
  errorZHalf: 1,
  seasonalSmoothingShare: 1 / 24,
  seasonalZHalf: 1,
  rangeTolerance: 0.1,
  rangeMemory: 1000,
  levelRows: 1000, // no levels unless a test asks for them
  refractory: 2,
};

describe('nabOnlineScores', () => {
  it('scores a new extreme 1 and a forecast error by its z against earlier errors', () => {
    // Daily rows: a day does not fit twice into 4 probationary rows, so no seasonal term.
    const series = {
      timestamps: Array.from({ length: 10 }, (_, i) => i * DAY),
      values: [0, 1, 0, 1, 0.5, 1.01, 3, 0, 0.5, 1],
    };
    const errors = [1, 9, 1, 9, 4, 4, 4, 4, 4, 16]; // squared errors of 1, 3, 1, 3, 2, ..., 4
    // Row 9: earlier errors 1, 3, 1, 3 and five 2s, mean 2, std 2/3, so z = 3 and 3 / (3 + 1).
    const scores = Array.from(nabOnlineScores(series, 4, errors, MAPPING));
    expect(scores.slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(scores[9]).toBeCloseTo(0.75, 12);
    // With a 3-row refractory period the error alarm at row 9 follows the range alarm too soon.
    expect(nabOnlineScores(series, 4, errors, { ...MAPPING, refractory: 3 })[9]).toBe(0);
  });

  it('scores a break of the daily pattern that stays inside the range', () => {
    const day = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const values = Array.from({ length: 100 }, (_, i) => day[i % 24]!);
    values[80] = 2; // 8 on the other days
    const errors = new Array<number>(100).fill(1);
    const hourly = { timestamps: values.map((_, i) => i * HOUR), values };
    const expected = new Array<number>(100).fill(0);
    expected[80] = 1;
    expect(Array.from(nabOnlineScores(hourly, 60, errors, MAPPING))).toEqual(expected);
    const daily = { timestamps: values.map((_, i) => i * DAY), values };
    expect(Array.from(nabOnlineScores(daily, 60, errors, MAPPING))).toEqual(new Array<number>(100).fill(0));
  });

  it('scores a level outside the range of earlier levels though every value is inside the range', () => {
    const values = [0, 10, 2, 10, 0, 10, 10, 9, 10, 10];
    const series = { timestamps: values.map((_, i) => i * DAY), values };
    const errors = new Array<number>(10).fill(1);
    // Probationary 2-row levels 5, 6, 6, 5, 5; then 10 (beyond 6 + 0.1 x 1), 9.5, 9.5, 10.
    expect(Array.from(nabOnlineScores(series, 6, errors, { ...MAPPING, levelRows: 2 }))).toEqual([
      0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    ]);
    expect(Array.from(nabOnlineScores(series, 6, errors, MAPPING))).toEqual(new Array<number>(10).fill(0));
  });

  it('a term switched off raises no score, and the others still see every row', () => {
    const series = {
      timestamps: Array.from({ length: 10 }, (_, i) => i * DAY),
      values: [0, 1, 0, 1, 0.5, 1.01, 3, 0, 0.5, 1],
    };
    const errors = [1, 9, 1, 9, 4, 4, 4, 4, 4, 16];
    const noRange = { ...MAPPING, terms: { ...MAPPING.terms, range: false } };
    // Row 6's new extreme no longer scores 1; the error alarm at row 9 stays (as in the first test).
    const scores = Array.from(nabOnlineScores(series, 4, errors, noRange));
    expect(scores.slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(scores[9]).toBeCloseTo(0.75, 12);
    const noError = { ...MAPPING, terms: { ...MAPPING.terms, forecastError: false } };
    expect(Array.from(nabOnlineScores(series, 4, errors, noError))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('judges an error against the last errorHistory errors only', () => {
    const series = { timestamps: Array.from({ length: 8 }, (_, i) => i * DAY), values: new Array<number>(8).fill(0) };
    // Errors 10, 10, then 1, 2, 1, 2 (squared); row 7's error 3 is extreme only against the last four.
    const errors = [100, 100, 1, 4, 1, 4, 1, 9];
    const all = nabOnlineScores(series, 2, errors, { ...MAPPING, warmup: 2 });
    const recent = nabOnlineScores(series, 2, errors, { ...MAPPING, warmup: 2, errorHistory: 4 });
    expect(all[7]).toBe(0);
    // Last four errors 2, 1, 2, 1: mean 1.5, std 0.5, z = 3.
    expect(recent[7]).toBeCloseTo(3 / (3 + 1), 12);
  });

  it("standardises a Gaussian head's NLL as it is, negative values included", () => {
    const series = { timestamps: Array.from({ length: 10 }, (_, i) => i * DAY), values: new Array<number>(10).fill(0) };
    const nll = [-1, 1, -1, 1, 0, 0, 0, 0, 0, 2];
    // Row 9: earlier NLLs -1, 1, -1, 1 and five 0s, mean 0, std 2/3, so z = 3 and 3 / (3 + 1).
    const scores = nabOnlineScores(series, 4, nll, { ...MAPPING, errorKind: 'nll' });
    expect(Array.from(scores.slice(0, 9))).toEqual(new Array<number>(9).fill(0));
    expect(scores[9]).toBeCloseTo(0.75, 12);
  });
});
