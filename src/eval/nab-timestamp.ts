/**
 * NAB timestamps are naive `YYYY-MM-DD HH:MM:SS` strings (window edges add `.ffffff`). They are
 * read as UTC so that no local time zone or daylight-saving rule can shift or merge rows.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Epoch milliseconds, or NaN when the text is not a NAB timestamp. */
export function parseNabTimestamp(text: string): number {
  const m = PATTERN.exec(text.trim());
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(6, '0')) / 1000;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms;
}
