/** Deterministic noise in [-1, 1) (the classic sin-hash), the same on every platform. */
export function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** Two columns: a period-25 sine and a period-50 cosine with a little noise; +3 on column 0 at `spike`. */
export function twoColumnRows(n: number, spike?: number): number[][] {
  return Array.from({ length: n }, (_, i) => [
    Math.sin((2 * Math.PI * i) / 25) + 0.05 * noise(i) + (i === spike ? 3 : 0),
    Math.cos((2 * Math.PI * i) / 50) + 0.05 * noise(i + 7),
  ]);
}
