/** Number and time formatting shared by the report's charts and tables. */

/** Up to `digits` significant digits, exponent form for very large or small magnitudes. */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(Math.max(0, digits - 2));
  return String(Number(value.toPrecision(digits)));
}

/** Row counts and indices with thousands separators, independent of the machine's locale. */
export function formatInteger(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** UTC `YYYY-MM-DD HH:MM[:SS[.mmm]]`; the input files' timestamps carry no zone, so UTC round-trips them. */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  let time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (d.getUTCSeconds() !== 0 || d.getUTCMilliseconds() !== 0) time += `:${pad(d.getUTCSeconds())}`;
  if (d.getUTCMilliseconds() !== 0) time += `.${pad(d.getUTCMilliseconds(), 3)}`;
  return `${date} ${time}`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
