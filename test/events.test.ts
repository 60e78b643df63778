import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';
import { extractEvents } from '../src/results/events.js';

describe('extractEvents', () => {
  const flags = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0]);
  const scores = Float32Array.from([0, 5, 7, 1, 1, 6, 1, 3, 9, 9, 0]);

  it('turns each run of flagged rows into an event with its peak', () => {
    expect(extractEvents(flags, scores)).toEqual([
      { start: 1, end: 2, peak: 2, peakScore: 7, features: [] },
      { start: 5, end: 5, peak: 5, peakScore: 6, features: [] },
      // Ties keep the first row with the highest score.
      { start: 7, end: 9, peak: 8, peakScore: 9, features: [] },
    ]);
  });

  it('merges runs separated by fewer than minGap unflagged rows', () => {
    // Gaps: 2 rows (3-4) between the first two runs, 1 row (6) between the last two.
    expect(
      extractEvents(flags, scores, undefined, undefined, undefined, { minGap: 2 }).map((e) => [e.start, e.end]),
    ).toEqual([
      [1, 2],
      [5, 9],
    ]);
    const merged = extractEvents(flags, scores, undefined, undefined, undefined, { minGap: 3 });
    expect(merged.map((e) => [e.start, e.end, e.peak])).toEqual([[1, 9, 8]]);
    // minGap 1 merges nothing: runs are always at least one row apart.
    expect(extractEvents(flags, scores, undefined, undefined, undefined, { minGap: 1 })).toHaveLength(3);
  });

  it('adds timestamps of the first and last rows', () => {
    const timestamps = Float64Array.from({ length: 11 }, (_, i) => Date.UTC(2024, 0, 1) + i * 300_000);
    const [first, , last] = extractEvents(flags, scores, undefined, undefined, timestamps);
    expect(first).toMatchObject({ startTime: Date.UTC(2024, 0, 1, 0, 5), endTime: Date.UTC(2024, 0, 1, 0, 10) });
    expect(last).toMatchObject({ startTime: Date.UTC(2024, 0, 1, 0, 35), endTime: Date.UTC(2024, 0, 1, 0, 45) });
  });

  it('ranks features by their share of the scores summed over the event', () => {
    const f = Uint8Array.from([0, 1, 1, 0]);
    const s = [0, 2, 3, 0];
    // rows x 3 features (temp, pressure, flow)
    const featureScores = Float32Array.from([
      9,
      9,
      9, //
      1,
      0,
      3, //
      1,
      2,
      1, //
      9,
      9,
      9,
    ]);
    const [event] = extractEvents(f, s, featureScores, ['temp', 'pressure', 'flow']);
    // Sums over rows 1-2: temp 2, pressure 2, flow 4; total 8.
    expect(event!.features).toEqual([
      { name: 'flow', index: 2, contribution: 0.5 },
      { name: 'temp', index: 0, contribution: 0.25 },
      { name: 'pressure', index: 1, contribution: 0.25 },
    ]);
    const top = extractEvents(f, s, featureScores, ['temp', 'pressure', 'flow'], undefined, { topFeatures: 1 });
    expect(top[0]!.features).toEqual([{ name: 'flow', index: 2, contribution: 0.5 }]);
  });

  it('infers the feature count without names, and treats negative feature scores as no contribution', () => {
    const [event] = extractEvents([1, 1], [1, 1], [-2, 1, 3, -1]);
    // Feature 0: max(-2, 0) + 3 = 3; feature 1: 1 + max(-1, 0) = 1.
    expect(event!.features).toEqual([
      { name: 'feature 0', index: 0, contribution: 0.75 },
      { name: 'feature 1', index: 1, contribution: 0.25 },
    ]);
    const [zero] = extractEvents([1], [1], [0, -1]);
    expect(zero!.features.map((x) => x.contribution)).toEqual([0, 0]);
  });

  it('handles no flags, all flags, and an empty series', () => {
    expect(extractEvents([0, 0, 0], [1, 2, 3])).toEqual([]);
    expect(extractEvents([1, 1, 1], [1, 3, 2])).toEqual([{ start: 0, end: 2, peak: 1, peakScore: 3, features: [] }]);
    expect(extractEvents([], [])).toEqual([]);
  });

  it('scales to long series with many events', () => {
    const n = 1_000_000;
    const longFlags = new Uint8Array(n);
    for (let i = 0; i < n; i += 100) longFlags.fill(1, i, i + 3);
    const events = extractEvents(longFlags, new Float32Array(n));
    expect(events).toHaveLength(10_000);
    expect(events[9_999]).toMatchObject({ start: 999_900, end: 999_902 });
  });

  it('rejects malformed input with typed errors naming the argument', () => {
    expect(() => extractEvents([0, 2], [1, 1])).toThrow(InvalidDataError);
    expect(() => extractEvents([0, 2], [1, 1])).toThrow('flags[1] must be 0 or 1, got 2');
    expect(() => extractEvents([0, 1], [1])).toThrow('scores must hold one value per row (2), got 1');
    expect(() => extractEvents([0, 1], [1, Number.NaN])).toThrow('scores[1] must be a number, got NaN');
    expect(() => extractEvents([0, 1], [1, 1], [1, 2, 3])).toThrow(
      'featureScores must hold rows x features values (a multiple of 2 rows), got 3',
    );
    expect(() => extractEvents([0, 1], [1, 1], [1, 2, 3, 4], ['a'])).toThrow(
      'featureScores must hold rows x featureNames.length = 2 x 1 values, got 4',
    );
    expect(() => extractEvents([0, 1], [1, 1], [1, Infinity])).toThrow(
      'featureScores[1] (row 1, feature 0) must be a finite number',
    );
    expect(() => extractEvents([0, 1], [1, 1], undefined, undefined, [0])).toThrow(InvalidArgumentError);
    expect(() => extractEvents([1], [1], undefined, undefined, undefined, { minGap: -1 })).toThrow(OutOfRangeError);
    expect(() => extractEvents([1], [1], undefined, undefined, undefined, { minGap: 1.5 })).toThrow(
      'options.minGap must be an integer, got 1.5',
    );
    expect(() => extractEvents('01' as unknown as number[], [1, 1])).toThrow(InvalidArgumentError);
  });
});
