/** The noisy sine the streaming tests fit and stream, and a float32-tolerant comparison. */
import { expect } from 'vitest';

export function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A period-25 sine with a little noise, and a +4 spike at row `spike`. */
export function sine(rows: number, phase = 0, spike?: number): number[] {
  return Array.from(
    { length: rows },
    (_, i) => Math.sin((2 * Math.PI * (i + phase)) / 25) + 0.05 * noise(i + phase) + (i === spike ? 4 : 0),
  );
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5, abs = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > abs + rel * Math.abs(expected[i]!)) {
      expect.fail(`index ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  }
}
