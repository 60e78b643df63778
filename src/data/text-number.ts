/**
 * Decimal number parsing straight from bytes, so the CSV reader never builds a string per cell.
 * Cells with at most 15 significant digits and a small exponent are converted exactly (both the
 * digits and the power of ten are exact doubles, so one multiplication or division rounds
 * correctly); other cells go through `Number()`, so the result always equals `Number(text)`.
 */

const SPACE = 0x20;
const TAB = 0x09;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

export function isBlankByte(byte: number): boolean {
  return byte === SPACE || byte === TAB;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/** bytes[start, end) as a latin1 string; used only on rare paths (long numbers, tokens, errors). */
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

function matchesWord(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((bytes[start + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The number written in bytes[start, end) (surrounding blanks allowed), ±Infinity for
 * "inf"/"infinity" or an exponent out of range, and NaN when the text is not a plain decimal
 * number (callers tell missing-value tokens from garbage themselves). `decimalByte` is the
 * character code of the decimal separator ('.' or ',').
 *
 * With `forFloat32`, the result is only guaranteed to round to the same float32 as
 * `Number(text)` does. That allows a fast path for long digit strings ("74.93588199999998"):
 * the first 15 digits m bound the value between m and m + 1 units of the last kept digit, and
 * when both bounds round to the same float32 (all but about one cell in 10^8), so does the
 * exact value, because rounding is monotonic.
 */
export function parseDecimal(
  bytes: Uint8Array,
  start: number,
  end: number,
  decimalByte = DOT,
  forFloat32 = false,
): number {
  while (start < end && isBlankByte(bytes[start]!)) start++;
  while (end > start && isBlankByte(bytes[end - 1]!)) end--;
  if (start === end) return NaN;
  let p = start;
  let negative = false;
  if (bytes[p] === MINUS || bytes[p] === PLUS) {
    negative = bytes[p] === MINUS;
    p++;
  }
  let mantissa = 0;
  let kept = 0;
  let truncated = false;
  let exponent = 0;
  let sawDigit = false;
  while (p < end && isDigit(bytes[p]!)) {
    const digit = bytes[p]! - ZERO;
    if (kept < EXACT_DIGITS) {
      if (kept > 0 || digit !== 0) {
        mantissa = mantissa * 10 + digit;
        kept++;
      }
    } else {
      exponent++;
      if (digit !== 0) truncated = true;
    }
    sawDigit = true;
    p++;
  }
  if (p < end && bytes[p] === decimalByte) {
    p++;
    while (p < end && isDigit(bytes[p]!)) {
      const digit = bytes[p]! - ZERO;
      if (kept < EXACT_DIGITS) {
        if (kept > 0 || digit !== 0) {
          mantissa = mantissa * 10 + digit;
          kept++;
        }
        exponent--;
      } else if (digit !== 0) {
        truncated = true;
      }
      sawDigit = true;
      p++;
    }
  }
  if (!sawDigit) {
    if (matchesWord(bytes, p, end, 'inf') || matchesWord(bytes, p, end, 'infinity')) {
      return negative ? -Infinity : Infinity;
    }
    return NaN;
  }
  if (p < end && (bytes[p] === LOWER_E || bytes[p] === UPPER_E)) {
    p++;
    let exponentNegative = false;
    if (p < end && (bytes[p] === MINUS || bytes[p] === PLUS)) {
      exponentNegative = bytes[p] === MINUS;
      p++;
    }
    if (p === end || !isDigit(bytes[p]!)) return NaN;
    let written = 0;
    while (p < end && isDigit(bytes[p]!)) {
      // Saturate: beyond a few hundred the result is 0 or Infinity whatever the digits.
      if (written < 100_000) written = written * 10 + (bytes[p]! - ZERO);
      p++;
    }
    exponent += exponentNegative ? -written : written;
  }
  if (p !== end) return NaN;
  if (mantissa === 0) return negative ? -0 : 0;
  if (exponent >= -22 && exponent <= 22) {
    // mantissa < 10^15 < 2^53 and 10^|exponent| <= 10^22 are exact doubles: one rounding.
    const power = POWERS_OF_TEN[exponent >= 0 ? exponent : -exponent]!;
    if (!truncated) {
      const magnitude = exponent >= 0 ? mantissa * power : mantissa / power;
      return negative ? -magnitude : magnitude;
    }
    if (forFloat32) {
      const low = Math.fround(exponent >= 0 ? mantissa * power : mantissa / power);
      const high = Math.fround(exponent >= 0 ? (mantissa + 1) * power : (mantissa + 1) / power);
      if (low === high) return negative ? -low : low;
    }
  }
  let text = asciiText(bytes, start, end);
  if (decimalByte !== DOT) text = text.replace(String.fromCharCode(decimalByte), '.');
  return Number(text);
}

function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) | 0x20));
}

const DEFAULT_MISSING_TOKENS = ['', 'nan', '-nan', 'na', 'n/a', 'null', 'none'];

/**
 * Recognises cells that mean "no value": empty, NaN, NA, N/A, null, None (any case), plus
 * caller-supplied tokens.
 */
export class MissingTokens {
  private readonly tokens: string[];
  private readonly longest: number;

  constructor(extra: readonly string[] = []) {
    // Cells are compared byte for byte, so tokens are kept as their UTF-8 bytes read as latin1.
    const encoded = extra.map((t) => asciiLowerCase(Buffer.from(t.trim(), 'utf8').toString('latin1')));
    this.tokens = [...DEFAULT_MISSING_TOKENS, ...encoded];
    this.longest = Math.max(...this.tokens.map((t) => t.length));
  }

  matches(bytes: Uint8Array, start: number, end: number): boolean {
    while (start < end && isBlankByte(bytes[start]!)) start++;
    while (end > start && isBlankByte(bytes[end - 1]!)) end--;
    if (end - start > this.longest) return false;
    return this.tokens.includes(asciiLowerCase(asciiText(bytes, start, end)));
  }
}
