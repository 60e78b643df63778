/**
 * telemanom's event rules, checked on series small enough to follow by hand. Unless a case says
 * otherwise, errors are 0.09 with a spike, and the telemetry alternates between -1 and 1 (std 1,
 * 5-95 percentile range 2, so the relative floors are 0.05 and 0.1: a window without a spike
 * flags nothing).
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/core/errors.js';
import { TELEMANOM_SETTINGS, telemanomEvents } from '../eval/lib/telemanom-events.js';

function flat(n: number, level: number, spikes: Record<number, number> = {}): Float64Array {
  const out = new Float64Array(n).fill(level);
  for (const [at, value] of Object.entries(spikes)) out[Number(at)] = value;
  return out;
}

function alternating(n: number, amplitude = 1): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -amplitude : amplitude));
}

describe('telemanomEvents', () => {
  it('flags a spike widened by the 100-row buffer on each side', () => {
    // 1000 rows (< 1800): one window, nothing ignored at the start.
    expect(telemanomEvents(flat(1000, 0.09, { 500: 1 }), alternating(1000))).toEqual([{ start: 400, end: 600 }]);
  });

  it('flags nothing in a window whose errors never exceed 0.05', () => {
    expect(telemanomEvents(flat(1000, 0.004, { 500: 0.04 }), alternating(1000))).toEqual([]);
  });

  it('flags nothing when the errors are small against the telemetry range', () => {
    // Range 40: the floor is 2, above the spike; std of the errors (0.028) is under 0.05 x 20.
    expect(telemanomEvents(flat(1000, 0.09, { 500: 1 }), alternating(1000, 20))).toEqual([]);
  });

  it('evens out the first sequence-length errors', () => {
    // The spike at row 100 is replaced by the mean of the first 500 errors.
    expect(telemanomEvents(flat(1000, 0.09, { 100: 1 }), alternating(1000))).toEqual([]);
    expect(telemanomEvents(flat(1000, 0.09, { 300: 1 }), alternating(1000))).toEqual([{ start: 200, end: 400 }]);
  });

  it('ignores the first 500 rows of a series of 2500 rows or more, 250 from 1800', () => {
    // Lengths count without the last 10 rows, which telemanom has no error for.
    expect(telemanomEvents(flat(2510, 0.09, { 300: 1 }), alternating(2510))).toEqual([]);
    // 2490 judged rows: those from 250 on count, so the spike at 300 shows from row 250.
    expect(telemanomEvents(flat(2500, 0.09, { 300: 1 }), alternating(2500))).toEqual([{ start: 250, end: 400 }]);
    expect(telemanomEvents(flat(1810, 0.09, { 300: 1 }), alternating(1810))).toEqual([{ start: 250, end: 400 }]);
    expect(telemanomEvents(flat(1809, 0.09, { 300: 1 }), alternating(1809))).toEqual([{ start: 200, end: 400 }]);
  });

  it('never judges the last 10 rows, which telemanom predicts no error for', () => {
    expect(telemanomEvents(flat(1000, 0.09, { 995: 1 }), alternating(1000))).toEqual([]);
    expect(telemanomEvents(flat(1000, 0.09, { 900: 1 }), alternating(1000))).toEqual([{ start: 800, end: 989 }]);
  });

  it('judges only the newest 70 rows of each later window, pruning tails that do not stand out', () => {
    // 3000 rows, 2990 judged: windows [70 i, 2100 + 70 i). The window ending at 2520 judges [2450, 2520) and
    // keeps the spike's buffer there. The next one judges [2520, 2590): the spike itself was
    // flagged before, so that part's peak is 0.09, no higher than the unflagged rows, and goes.
    expect(telemanomEvents(flat(3000, 0.09, { 2500: 1 }), alternating(3000))).toEqual([{ start: 2450, end: 2519 }]);
  });

  it('flags errors that fall far below the window mean', () => {
    const errors = flat(1000, 0.5);
    errors.fill(0, 500, 510);
    expect(telemanomEvents(errors, alternating(1000))).toEqual([{ start: 400, end: 609 }]);
  });

  it('prunes a sequence whose peak is within 13 % of the highest unflagged error', () => {
    // Range 19: the per-row floor is 0.95, so the 0.9 bump stays unflagged and the 1.0 spike
    // falls only 10 % to it. A 0.5 bump leaves a 50 % fall and the spike stands.
    const values = alternating(1000, 9.5);
    expect(telemanomEvents(flat(1000, 0.09, { 300: 1, 800: 0.9 }), values)).toEqual([]);
    expect(telemanomEvents(flat(1000, 0.09, { 300: 1, 800: 0.5 }), values)).toEqual([{ start: 200, end: 400 }]);
  });

  it('rejects values that do not match the errors', () => {
    expect(() => telemanomEvents(new Float64Array(10), new Float64Array(9))).toThrow(InvalidArgumentError);
  });

  it('uses the published settings', () => {
    expect(TELEMANOM_SETTINGS).toEqual({
      sequenceLength: 250,
      predictions: 10,
      batch: 70,
      windowBatches: 30,
      buffer: 100,
      p: 0.13,
      minError: 0.05,
    });
  });
});
