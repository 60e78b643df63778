/**
 * Defaults chosen from the data so that `fit(series)` alone trains something sensible. Each rule
 * is deliberately simple and documented, because users compare results across series and need to
 * predict what 'auto' did (the chosen values are reported in the fit summary and saved models).
 */

/** Window bounds for 'auto': long enough for a daily cycle at coarse sampling, short enough to train fast. */
export const AUTO_WINDOW_MIN = 16;
export const AUTO_WINDOW_MAX = 128;
/** Autocorrelation peaks weaker than this are noise, not a period. */
const PERIOD_MIN_CORRELATION = 0.3;
/** Lags searched for a period; longer periods are clamped to AUTO_WINDOW_MAX anyway. */
const PERIOD_MAX_LAG = 1024;
/** Rows used to estimate the period; more only costs time. */
const PERIOD_MAX_ROWS = 20_000;

/**
 * Dominant period of one column (row-major `values` with `columns` columns) in rows: the lag of
 * the highest local maximum of the sample autocorrelation that exceeds 0.3, or null when the
 * series has no clear cycle (noise, random walks, trends). NaN cells are skipped pairwise.
 */
export function dominantPeriod(values: Float32Array, columns: number, column: number, rows: number): number | null {
  const n = Math.min(rows, PERIOD_MAX_ROWS);
  const maxLag = Math.min(PERIOD_MAX_LAG, Math.floor(n / 3));
  if (maxLag < 3) return null;
  const x = new Float64Array(n);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i * columns + column]!;
    x[i] = v;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  // Mostly missing: the correlations would rest on too few pairs to mean anything.
  if (count < n / 2) return null;
  const mean = sum / count;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]!)) {
      x[i] = x[i]! - mean;
      variance += x[i]! * x[i]!;
    } else {
      x[i] = 0;
    }
  }
  if (!(variance > 0)) return null;

  const acf = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += x[i]! * x[i + lag]!;
    acf[lag] = s / variance;
  }
  let best: number | null = null;
  let bestValue = PERIOD_MIN_CORRELATION;
  for (let lag = 2; lag <= maxLag; lag++) {
    const r = acf[lag]!;
    if (r > acf[lag - 1]! && r >= acf[lag + 1]! && r > bestValue) {
      best = lag;
      bestValue = r;
    }
  }
  return best;
}

/**
 * 'auto' window: the dominant period clamped to [16, 128]; without a period, 1% of the training
 * rows clamped to [16, 64]. Never more than a quarter of the training rows (so that at least
 * three quarters of them start a training window) nor more than `limit` (set by the caller so
 * the validation part still holds a window).
 */
export function chooseWindow(period: number | null, trainRows: number, limit = Infinity): number {
  const wanted =
    period !== null
      ? clamp(period, AUTO_WINDOW_MIN, AUTO_WINDOW_MAX)
      : clamp(Math.round(trainRows / 100), AUTO_WINDOW_MIN, 64);
  return Math.max(2, Math.min(wanted, Math.floor(trainRows / 4), limit));
}

/** 'auto' hidden size: 32 units for up to 8 input columns, 64 for wider data. */
export function chooseHidden(columns: number): number {
  return columns <= 8 ? 32 : 64;
}

/** 'auto' batch size: smaller batches for small data so an epoch still makes a few dozen updates. */
export function chooseBatchSize(trainWindows: number): number {
  if (trainWindows < 512) return 16;
  if (trainWindows < 4096) return 32;
  return 64;
}

/**
 * 'auto' windows per epoch: neighbouring windows overlap in all but one row, so a random subset
 * of at most 4096 per epoch (a fresh subset each epoch) learns as much as all of them, faster.
 */
export function chooseWindowsPerEpoch(trainWindows: number): number {
  return Math.min(trainWindows, 4096);
}

/**
 * 'auto' epochs: about 100,000 window presentations in total, between 10 and 100 epochs; early
 * stopping usually ends training sooner.
 */
export function chooseEpochs(windowsPerEpoch: number): number {
  return clamp(Math.round(100_000 / Math.max(1, windowsPerEpoch)), 10, 100);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
