import { describe, expect, it } from 'vitest';
import { RefractoryGate } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

describe('RefractoryGate', () => {
  it('passes a score only when it exceeds every score of the previous rows', () => {
    const g = new RefractoryGate(2);
    expect([0.3, 0.2, 0.3, 0.1, 0.25, 0.2, 0.26].map((s) => g.next(s))).toEqual([0.3, 0, 0, 0, 0, 0, 0.26]);
  });

  it('remembers suppressed scores too, and never passes a score at or below 0', () => {
    const g = new RefractoryGate(1);
    // 0.5 is suppressed by 0.6 one row back, but still blocks 0.4 on the next row.
    expect([0.6, 0.5, 0.4, 0.45, 0, -1].map((s) => g.next(s))).toEqual([0.6, 0, 0, 0.45, 0, 0]);
  });

  it('rejects a bad row count and non-finite scores, which leave it unchanged', () => {
    expect(() => new RefractoryGate(0)).toThrow(OutOfRangeError);
    expect(() => new RefractoryGate(1.5)).toThrow(/rows must be an integer/);
    expect(() => new RefractoryGate('3' as never)).toThrow(InvalidArgumentError);
    const g = new RefractoryGate(1);
    expect(g.rows).toBe(1);
    g.next(0.5);
    expect(() => g.next(Number.NaN)).toThrow(InvalidDataError);
    expect(() => g.next(-Infinity)).toThrow(/score must be a finite number/);
    expect(g.next(0.4)).toBe(0); // still judged against 0.5
  });
});
