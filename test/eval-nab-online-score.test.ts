import { describe, expect, it } from 'vitest';
import { RefractoryGate } from '../eval/lib/error-surprise.js';
import { nabOnlineScores, type NabScoreMapping } from '../eval/lib/nab-online-score.js';
import { RangeNovelty } from '../eval/lib/nab-range-novelty.js';
import { RollingMean } from '../eval/lib/nab-rolling-mean.js';
import { rowsPerDay, SeasonalChange } from '../eval/lib/nab-seasonal-change.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('RangeNovelty', () => {
  it('flags values beyond the widened range of earlier values, which then widen it', () => {
    const n = new RangeNovelty(0.1, 100);
    n.observe(0);
    n.observe(10);
    expect(n.next(10.5)).toBe(false); // limit 10 + 0.1 x 10 = 11
    expect(n.next(11.6)).toBe(true); // limit 10.5 + 0.1 x 10.5 = 11.55
    expect(n.next(-1)).toBe(false); // limit 0 - 0.1 x 11.6 = -1.16
    expect(n.next(-2.6)).toBe(true); // limit -1 - 0.1 x 12.6 = -2.26
  });

  it('judges nothing while the earlier values have no spread', () => {
    const n = new RangeNovelty(0.05, 100);
    expect([n.next(5), n.next(5), n.next(100)]).toEqual([false, false, false]);
    expect(n.next(200)).toBe(true); // range 5..100, limit 104.75
  });
});

describe('RangeNovelty memory', () => {
  it('judges against the last values only', () => {
    const n = new RangeNovelty(0, 3);
    [0, 10, 5].forEach((v) => n.observe(v));
    expect(n.next(11)).toBe(true); // remembered 0, 10, 5
    expect(n.next(6)).toBe(false); // remembered 10, 5, 11
    expect(n.next(10)).toBe(false); // remembered 5, 11, 6
    expect(n.next(5.5)).toBe(true); // remembered 11, 6, 10: below 6
    expect(n.next(10.5)).toBe(true); // remembered 6, 10, 5.5: 11 was seen 4 values ago
    expect(n.next(8)).toBe(false);
  });
});

describe('SeasonalChange', () => {
  it('averages squared differences to the value one period back over the last rows', () => {
    const c = new SeasonalChange(3, 2);
    expect([1, 2, 3].map((v) => c.next(v))).toEqual([null, null, null]);
    expect(c.next(1)).toBe(0);
    expect(c.next(2)).toBe(0);
    expect(c.next(5)).toBe(2); // (0 + (5 - 3)^2) / 2
    expect(c.next(3)).toBe(4); // ((5 - 3)^2 + (3 - 1)^2) / 2
  });
});

describe('rowsPerDay', () => {
  it('reads the day length from the median timestamp spacing', () => {
    const fiveMinutes = Array.from({ length: 10 }, (_, i) => i * 300_000);
    expect(rowsPerDay(fiveMinutes)).toBe(288);
    const hourlyWithGap = [0, HOUR, 2 * HOUR, 30 * HOUR, 31 * HOUR];
    expect(rowsPerDay(hourlyWithGap)).toBe(24);
    expect(rowsPerDay([0, HOUR, 2 * HOUR, 3 * DAY], 3)).toBe(24); // only the first 3 rows
    expect(rowsPerDay([5, 5, 5])).toBe(0);
    expect(rowsPerDay([5])).toBe(0);
  });
});

describe('RollingMean', () => {
  it('averages the last rows once it has seen that many', () => {
    const m = new RollingMean(3);
    expect([1, 2, 3, 10, -4, 0.5].map((v) => m.next(v))).toEqual([null, null, 2, 5, 3, 6.5 / 3]);
  });
});

describe('RefractoryGate', () => {
  it('passes a score only when it exceeds every score of the previous rows', () => {
    const g = new RefractoryGate(2);
    expect([0.3, 0.2, 0.3, 0.1, 0.25, 0.2, 0.26].map((s) => g.next(s))).toEqual([0.3, 0, 0, 0, 0, 0, 0.26]);
  });
});

const MAPPING: NabScoreMapping = {
  errorSeedShare: 1,
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
    expect(Array.from(nabOnlineScores(series, 6, errors, { ...MAPPING, levelRows: 2 }))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(nabOnlineScores(series, 6, errors, MAPPING))).toEqual(new Array<number>(10).fill(0));
  });
});
