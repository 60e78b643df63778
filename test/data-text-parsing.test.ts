import { describe, expect, it } from 'vitest';
import { MissingTokens, parseDecimal } from '../src/data/text-number.js';
import { looksLikeTimeColumnName, parseTimestamp } from '../src/data/timestamps.js';

function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

function parse(text: string, forFloat32 = false, decimal = '.'): number {
  const b = bytes(text);
  return parseDecimal(b, 0, b.length, decimal.charCodeAt(0), forFloat32);
}

// Small deterministic PRNG (mulberry32) so the random cases are the same on every run.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseDecimal', () => {
  it('agrees with Number() on hand-picked forms', () => {
    const cases = [
      '0',
      '-0',
      '+1',
      '1.',
      '.5',
      '-.5',
      '007',
      '1e3',
      '1E-3',
      '2.5e+2',
      ' 42 ',
      '\t3.25',
      '9007199254740993',
      '0.1',
      '123456789012345.6',
      '1e-45',
      '1e400',
      '-1e400',
      '4.9e-324',
      '0.000000000000000000000000001',
    ];
    for (const text of cases) expect(parse(text)).toBe(Number(text));
  });

  it('agrees with Number() exactly, and with fround(Number()) in float32 mode, on random decimals', () => {
    const random = prng(7);
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(random() * 20);
      let text = random() < 0.3 ? '-' : '';
      for (let d = 0; d < digits; d++) text += String(Math.floor(random() * 10));
      const point = Math.floor(random() * (digits + 1));
      text = `${text.slice(0, text.length - digits + point)}.${text.slice(text.length - digits + point)}`;
      if (random() < 0.3) text += `e${Math.floor(random() * 60) - 30}`;
      expect(parse(text)).toBe(Number(text));
      expect(Math.fround(parse(text, true))).toBe(Math.fround(Number(text)));
    }
  });

  it('agrees with fround(Number()) on shortest round-trip doubles (what String(x) writes)', () => {
    const random = prng(11);
    for (let i = 0; i < 20_000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 16 - 8);
      const text = String(x);
      expect(parse(text)).toBe(x);
      expect(Math.fround(parse(text, true))).toBe(Math.fround(x));
    }
  });

  it('reads infinities, a decimal comma, and rejects garbage with NaN', () => {
    expect(parse('inf')).toBe(Infinity);
    expect(parse('-Infinity')).toBe(-Infinity);
    expect(parse('1,25', false, ',')).toBe(1.25);
    for (const bad of ['', ' ', 'abc', '1.2.3', '1e', '1e+', '--1', '0x10', '1_000', '12abc', '.', '-', 'e5', 'nan']) {
      expect(parse(bad)).toBeNaN();
    }
  });
});

describe('MissingTokens', () => {
  it('recognises the default tokens in any case and extra ones', () => {
    const tokens = new MissingTokens(['?', 'missing']);
    for (const t of ['', '  ', 'NaN', 'nan', 'NA', 'n/a', 'NULL', 'None', '?', 'MISSING']) {
      expect(tokens.matches(bytes(t), 0, t.length)).toBe(true);
    }
    for (const t of ['0', 'nana', 'x']) expect(tokens.matches(bytes(t), 0, t.length)).toBe(false);
  });
});

describe('parseTimestamp', () => {
  it('reads NAB, ISO 8601 and date-only forms as UTC epoch milliseconds', () => {
    expect(parseTimestamp('2013-12-02 21:15:00')).toBe(Date.UTC(2013, 11, 2, 21, 15, 0));
    expect(parseTimestamp('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0));
    expect(parseTimestamp('2014-04-10T07:15:00.123456')).toBeCloseTo(Date.UTC(2014, 3, 10, 7, 15, 0, 123) + 0.456, 6);
    expect(parseTimestamp('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseTimestamp('2020/02/29 10:30')).toBe(Date.UTC(2020, 1, 29, 10, 30));
    expect(parseTimestamp('2020-06-01T12:00:00Z')).toBe(Date.UTC(2020, 5, 1, 12));
    expect(parseTimestamp('2020-06-01T12:00:00+02:00')).toBe(Date.UTC(2020, 5, 1, 10));
    expect(parseTimestamp('2020-06-01T12:00:00-0530')).toBe(Date.UTC(2020, 5, 1, 17, 30));
    expect(parseTimestamp('2020-06-01 12:00:00 +01')).toBe(Date.UTC(2020, 5, 1, 11));
    expect(parseTimestamp('0050-01-01')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it('agrees with Date.parse on random ISO strings', () => {
    const random = prng(3);
    for (let i = 0; i < 2000; i++) {
      const iso = new Date(Math.floor(random() * 4e12) - 1e12).toISOString();
      expect(parseTimestamp(iso)).toBe(Date.parse(iso));
    }
  });

  it('refuses impossible dates and other formats with NaN', () => {
    for (const bad of [
      '2019-02-29',
      '2020-13-01',
      '2020-04-31',
      '2020-01-01 24:00',
      '2020-01-01 10:60',
      '01/02/2020',
      '2020-1-1',
      '2020-01-01T',
      '2020-01-01 10:00:00.',
      '2020-01-01 10:00:00 PST',
      '20200101',
      'soon',
      '2020-01-01\u00e910',
    ]) {
      expect(parseTimestamp(bad)).toBeNaN();
    }
  });
});

describe('looksLikeTimeColumnName', () => {
  it('matches time-like words, not words containing them', () => {
    for (const name of [
      'timestamp',
      'Timestamp',
      'date',
      'DateTime',
      'event_time',
      'time stamp',
      'ts',
      'TS',
      'unix-time',
    ]) {
      expect(looksLikeTimeColumnName(name)).toBe(true);
    }
    for (const name of ['uptime', 'runtime', 'update', 'value', 'tsunami'])
      expect(looksLikeTimeColumnName(name)).toBe(false);
  });
});
