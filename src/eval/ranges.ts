/**
 * Labelled anomalies are usually given as row ranges, detectors emit per-point flags; these
 * helpers convert between the two. Ranges are 0-based and inclusive at both ends (the
 * convention of the NASA labels and of AnomalyEvent), so `{ start: 3, end: 3 }` is one point.
 */
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { toBinary, type BinarySeries } from './inputs.js';

export interface IndexRange {
  start: number;
  end: number;
}

/** Validates ranges against a series length and returns them sorted by start. */
export function checkRanges(ranges: readonly IndexRange[], length: number, name: string): IndexRange[] {
  if (!Array.isArray(ranges)) {
    throw new InvalidArgumentError(`${name} must be an array of { start, end } ranges`);
  }
  const out: IndexRange[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as IndexRange | undefined;
    if (r === null || typeof r !== 'object' || !Number.isInteger(r.start) || !Number.isInteger(r.end)) {
      throw new InvalidArgumentError(`${name}[${i}] must be { start, end } with integer row indices`);
    }
    if (r.start < 0 || r.end < r.start || r.end >= length) {
      throw new OutOfRangeError(
        `${name}[${i}] = [${r.start}, ${r.end}] must satisfy 0 <= start <= end < ${length} (the series length)`,
      );
    }
    out.push({ start: r.start, end: r.end });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** 1 at every point covered by a range. Overlapping ranges are allowed. */
export function rangesToMask(ranges: readonly IndexRange[], length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new InvalidArgumentError(`length must be a non-negative integer, got ${String(length)}`);
  }
  const mask = new Uint8Array(length);
  for (const r of checkRanges(ranges, length, 'ranges')) mask.fill(1, r.start, r.end + 1);
  return mask;
}

/** Maximal runs of consecutive 1s, in order. */
export function maskToRanges(mask: BinarySeries): IndexRange[] {
  const flags = toBinary(mask, 'mask');
  return runsOf(flags);
}

/** Runs of 1s in an already validated 0/1 array. */
export function runsOf(flags: Uint8Array): IndexRange[] {
  const out: IndexRange[] = [];
  let i = 0;
  while (i < flags.length) {
    if (flags[i] === 1) {
      const start = i;
      while (i + 1 < flags.length && flags[i + 1] === 1) i++;
      out.push({ start, end: i });
    }
    i++;
  }
  return out;
}
