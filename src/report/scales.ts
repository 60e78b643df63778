/** Axis helpers for the report's SVG charts. */

export interface Scale {
  (value: number): number;
  readonly ticks: number[];
  readonly domain: readonly [number, number];
}

/** Step of 1, 2 or 5 times a power of ten giving about `count` intervals over the span. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

/** Multiples of a nice step lying inside [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let k = first; k * step <= max + step * 1e-9; k++) {
    // Rounding through toPrecision removes binary noise such as 0.30000000000000004.
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

/** Maps [d0, d1] to [r0, r1]; a flat domain is widened so constant series still draw. */
export function linearScale(d0: number, d1: number, r0: number, r1: number, tickCount = 5): Scale {
  let lo = d0;
  let hi = d1;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi === lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const k = (r1 - r0) / (hi - lo);
  const scale = ((value: number) => r0 + (value - lo) * k) as Scale;
  Object.defineProperty(scale, 'ticks', { value: niceTicks(lo, hi, tickCount) });
  Object.defineProperty(scale, 'domain', { value: [lo, hi] as const });
  return scale;
}

/** Log10 scale for strictly positive data such as training losses; ticks at powers of ten. */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const lo = Math.log10(d0);
  const hi = d1 > d0 ? Math.log10(d1) : lo + 1;
  const k = (r1 - r0) / (hi - lo);
  const scale = ((value: number) => r0 + (Math.log10(value) - lo) * k) as Scale;
  const ticks: number[] = [];
  for (let e = Math.ceil(lo - 1e-9); e <= Math.floor(hi + 1e-9); e++) ticks.push(10 ** e);
  Object.defineProperty(scale, 'ticks', { value: ticks });
  Object.defineProperty(scale, 'domain', { value: [10 ** lo, 10 ** hi] as const });
  return scale;
}
