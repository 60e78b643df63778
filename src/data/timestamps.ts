import { isBlankByte } from './text-number.js';

/**
 * Calendar timestamps as epoch milliseconds. Accepted text: "YYYY-MM-DD", optionally followed by
 * "T" or a space and "HH:MM", ":SS", a fraction of any length (NAB writes microseconds), and a
 * zone "Z", "±HH", "±HHMM" or "±HH:MM". "/" may replace "-" in the date. Without a zone the
 * time is read as UTC, so results never depend on the machine's time zone. Day-first and
 * month-first forms (01/02/2020) are ambiguous and refused.
 */

const DASH = 0x2d;
const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;
const COMMA = 0x2c;
const SPACE = 0x20;
const PLUS = 0x2b;
const ZERO = 0x30;
const UPPER_T = 0x54;
const LOWER_T = 0x74;
const UPPER_Z = 0x5a;
const LOWER_Z = 0x7a;
// Date.UTC maps years 0-99 to 1900-1999; 400 Gregorian years later the calendar repeats exactly.
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

function readDigits(bytes: Uint8Array, at: number, count: number, end: number): number {
  if (at + count > end) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch milliseconds of the timestamp in bytes[start, end), or NaN if it is not one. */
export function parseTimestampBytes(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && isBlankByte(bytes[start]!)) start++;
  while (end > start && isBlankByte(bytes[end - 1]!)) end--;
  let p = start;
  const year = readDigits(bytes, p, 4, end);
  if (year < 0) return NaN;
  p += 4;
  const separator = bytes[p];
  if (p >= end || (separator !== DASH && separator !== SLASH)) return NaN;
  const month = readDigits(bytes, p + 1, 2, end);
  if (month < 1 || month > 12 || bytes[p + 3] !== separator) return NaN;
  const day = readDigits(bytes, p + 4, 2, end);
  if (day < 1 || day > daysInMonth(year, month)) return NaN;
  p += 6;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fractionMs = 0;
  let offsetMinutes = 0;
  if (p < end) {
    const between = bytes[p];
    if (between !== UPPER_T && between !== LOWER_T && between !== SPACE) return NaN;
    hour = readDigits(bytes, p + 1, 2, end);
    if (hour < 0 || hour > 23 || bytes[p + 3] !== COLON) return NaN;
    minute = readDigits(bytes, p + 4, 2, end);
    if (minute < 0 || minute > 59) return NaN;
    p += 6;
    if (p < end && bytes[p] === COLON) {
      second = readDigits(bytes, p + 1, 2, end);
      // 60 is a leap second; Date.UTC rolls it into the next minute, as POSIX time does.
      if (second < 0 || second > 60) return NaN;
      p += 3;
      if (p < end && (bytes[p] === DOT || bytes[p] === COMMA)) {
        p++;
        let scale = 100;
        const first = p;
        while (p < end) {
          const digit = bytes[p]! - ZERO;
          if (digit < 0 || digit > 9) break;
          fractionMs += digit * scale;
          scale /= 10;
          p++;
        }
        if (p === first) return NaN;
      }
    }
    if (p < end && bytes[p] === SPACE) p++;
    if (p < end) {
      const zone = bytes[p];
      if (zone === UPPER_Z || zone === LOWER_Z) {
        p++;
      } else if (zone === PLUS || zone === DASH) {
        const zoneHours = readDigits(bytes, p + 1, 2, end);
        if (zoneHours < 0 || zoneHours > 23) return NaN;
        p += 3;
        let zoneMinutes = 0;
        if (p < end) {
          if (bytes[p] === COLON) p++;
          zoneMinutes = readDigits(bytes, p, 2, end);
          if (zoneMinutes < 0 || zoneMinutes > 59) return NaN;
          p += 2;
        }
        offsetMinutes = (zone === PLUS ? 1 : -1) * (zoneHours * 60 + zoneMinutes);
      } else {
        return NaN;
      }
    }
    if (p !== end) return NaN;
  }
  const shiftedYear = year < 100 ? year + 400 : year;
  const wholeMs = Date.UTC(shiftedYear, month - 1, day, hour, minute, second) - (year < 100 ? FOUR_CENTURIES_MS : 0);
  return wholeMs + fractionMs - offsetMinutes * 60_000;
}

let scratch = new Uint8Array(64);

/** Epoch milliseconds of a timestamp string (same formats as the CSV reader), or NaN. */
export function parseTimestamp(text: string): number {
  if (text.length > scratch.length) scratch = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Non-ASCII characters never belong to a timestamp; 0 keeps them from aliasing digits.
    scratch[i] = code < 0x80 ? code : 0;
  }
  return parseTimestampBytes(scratch, 0, text.length);
}

export type EpochUnit = 's' | 'ms';

/**
 * Numbers in a time column are epoch seconds or milliseconds. 1e11 ms is March 1973 and 1e11 s
 * is the year 5138, so magnitudes from 1e11 up are taken as milliseconds.
 */
export function guessEpochUnit(firstValue: number): EpochUnit {
  return Math.abs(firstValue) >= 1e11 ? 'ms' : 's';
}

export function epochToMs(value: number, unit: EpochUnit): number {
  return unit === 's' ? value * 1000 : value;
}

/** True for column names such as "timestamp", "Date", "event_time", "DateTime" or "ts". */
export function looksLikeTimeColumnName(name: string): boolean {
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  return words.some((w) => w === 'time' || w === 'timestamp' || w === 'date' || w === 'datetime' || w === 'ts');
}
