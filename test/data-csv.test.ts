import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCsvOptions } from '../src/data/csv-options.js';
import { CsvParser } from '../src/data/csv-parser.js';
import { parseCsv, readCsv } from '../src/data/index.js';
import { AbortError, InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';

const NAB = '../shared/datasets/nab';
const workDir = mkdtempSync(join(tmpdir(), 'rnnad-csv-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function f32(values: number[]): Float32Array {
  return Float32Array.from(values);
}

describe('parseCsv: format', () => {
  it('reads a header, numeric columns and UTC timestamps', () => {
    const s = parseCsv('timestamp,a,b\n2020-01-01 00:00:00,1.5,-2\n2020-01-01 00:05:00,3,4e2\n');
    expect(s.columnNames).toEqual(['a', 'b']);
    expect(s.rows).toBe(2);
    expect(s.values).toEqual(f32([1.5, -2, 3, 400]));
    expect(Array.from(s.timestamps!)).toEqual([Date.UTC(2020, 0, 1, 0, 0, 0), Date.UTC(2020, 0, 1, 0, 5, 0)]);
  });

  it('handles CRLF, lone CR, a UTF-8 BOM and a missing final newline', () => {
    const crlf = parseCsv('\uFEFFx,y\r\n1,2\r\n3,4');
    expect(crlf.columnNames).toEqual(['x', 'y']);
    expect(crlf.values).toEqual(f32([1, 2, 3, 4]));
    const cr = parseCsv('x,y\r1,2\r3,4\r');
    expect(cr.values).toEqual(f32([1, 2, 3, 4]));
  });

  it('handles quoted fields with delimiters, doubled quotes and line breaks', () => {
    const s = parseCsv('"name, with comma","say ""hi""",plain\n"1.5"," 2 ",3\n"4","5" ,6\n', { timestamp: false });
    expect(s.columnNames).toEqual(['name, with comma', 'say "hi"', 'plain']);
    expect(s.values).toEqual(f32([1.5, 2, 3, 4, 5, 6]));
    const multi = parseCsv('"multi\nline",b\n1,2\n3,4\n');
    expect(multi.columnNames).toEqual(['multi\nline', 'b']);
    expect(multi.rows).toBe(2);
  });

  it('detects ; and tab delimiters, and accepts a given one', () => {
    expect(parseCsv('a;b\n1;2\n').values).toEqual(f32([1, 2]));
    expect(parseCsv('a\tb\n1\t2\n').values).toEqual(f32([1, 2]));
    expect(parseCsv('a|b\n1|2\n', { delimiter: '|' }).values).toEqual(f32([1, 2]));
    // A comma inside a quoted header name must not win the vote.
    expect(parseCsv('"a,b,c";d\n1;2\n').columnNames).toEqual(['a,b,c', 'd']);
  });

  it('reads decimal commas with a ; delimiter', () => {
    const s = parseCsv('a;b\n1,5;-0,25\n', { decimal: ',' });
    expect(s.values).toEqual(f32([1.5, -0.25]));
  });

  it('skips blank lines and names headerless or unnamed columns', () => {
    const s = parseCsv('1,2\n\n3,4\n\n', { header: false });
    expect(s.columnNames).toEqual(['column_0', 'column_1']);
    expect(s.values).toEqual(f32([1, 2, 3, 4]));
    expect(parseCsv(',b\n1,2\n').columnNames).toEqual(['column_0', 'b']);
  });

  it('reads empty, NaN, NA, N/A, null and None cells as missing', () => {
    const s = parseCsv('a,b,c\n,NaN,NA\nnull,None,n/a\n1, ,-\n', { missingValues: ['-'] });
    expect(Array.from(s.values.subarray(0, 6)).every(Number.isNaN)).toBe(true);
    expect(s.values[6]).toBe(1);
    expect(Number.isNaN(s.values[7]!)).toBe(true);
    expect(Number.isNaN(s.values[8]!)).toBe(true);
    expect(s.countMissing()).toBe(8);
  });

  it('fills missing cells right away when a policy is given', () => {
    const s = parseCsv('a\n1\n\n3\nnan\n5\n', { missing: 'interpolate' });
    // The blank line is skipped; "nan" between 3 and 5 is interpolated to 4.
    expect(s.values).toEqual(f32([1, 3, 4, 5]));
    expect(Array.from(s.imputed!)).toEqual([0, 0, 1, 0]);
  });

  it('reads numbers exactly as Number() does, rounded to float32', () => {
    const cells = [
      '0.1',
      '-3.4028234663852886e38',
      '1e-45',
      '123456789012345678901234567890',
      '74.93588199999998',
      '.5',
      '5.',
      '+7',
      '-0',
      '1E3',
    ];
    const s = parseCsv(`v\n${cells.join('\n')}\n`);
    expect(Array.from(s.values)).toEqual(cells.map((c) => Math.fround(Number(c))));
  });
});

describe('parseCsv: timestamps', () => {
  it('auto-detects a date column by content when it is not named like time', () => {
    const s = parseCsv('when,v\n2021-03-04T05:06:07.5Z,1\n2021-03-04T05:06:08+01:00,2\n');
    expect(s.columnNames).toEqual(['v']);
    expect(Array.from(s.timestamps!)).toEqual([Date.UTC(2021, 2, 4, 5, 6, 7, 500), Date.UTC(2021, 2, 4, 4, 6, 8)]);
  });

  it('reads epoch seconds and milliseconds in a column named like time', () => {
    const seconds = parseCsv('unix_time,v\n1600000000,1\n1600000060,2\n');
    expect(Array.from(seconds.timestamps!)).toEqual([1600000000000, 1600000060000]);
    const ms = parseCsv('ts,v\n1600000000000,1\n1600000060000,2\n');
    expect(Array.from(ms.timestamps!)).toEqual([1600000000000, 1600000060000]);
    const forced = parseCsv('time,v\n5,1\n6,2\n', { timestampUnit: 'ms' });
    expect(Array.from(forced.timestamps!)).toEqual([5, 6]);
  });

  it('keeps a numeric column named like uptime as data, and honours timestamp: false', () => {
    const s = parseCsv('uptime,v\n10,1\n20,2\n');
    expect(s.columnNames).toEqual(['uptime', 'v']);
    expect(s.timestamps).toBeUndefined();
    const none = parseCsv('time,v\n10,1\n20,2\n', { timestamp: false });
    expect(none.columnNames).toEqual(['time', 'v']);
  });

  it('selects the timestamp column and numeric columns by name or index', () => {
    const s = parseCsv('id,stamp,a,b,label\nx,2020-01-01,1,2,ok\ny,2020-01-02,3,4,ok\n', {
      timestamp: 'stamp',
      columns: ['b', 2],
    });
    expect(s.columnNames).toEqual(['b', 'a']);
    expect(s.values).toEqual(f32([2, 1, 4, 3]));
    expect(Array.from(s.timestamps!)).toEqual([Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2)]);
  });

  it('reports a bad timestamp with its column, row and line', () => {
    expect(() => parseCsv('timestamp,v\n2020-01-01,1\n2020-13-01,2\n')).toThrow(
      /timestamp column "timestamp" has "2020-13-01" at row 1 \(line 3\)/,
    );
    expect(() => parseCsv('timestamp,v\n2020-01-01,1\n,2\n')).toThrow(/an empty cell at row 1/);
  });
});

describe('parseCsv: errors', () => {
  function thrown(fn: () => unknown): Error & { code?: string } {
    try {
      fn();
    } catch (error) {
      return error as Error & { code?: string };
    }
    throw new Error('expected a throw');
  }

  it('names the column, row and line of a non-numeric cell', () => {
    const error = thrown(() => parseCsv('a,b\n1,2\n3,oops\n'));
    expect(error).toBeInstanceOf(InvalidDataError);
    expect(error.code).toBe('ERR_INVALID_DATA');
    expect(error.message).toMatch(/column "b" has a non-numeric value "oops" at row 1 \(line 3\)/);
  });

  it("drops a non-numeric column with nonNumeric: 'ignore'", () => {
    const s = parseCsv('a,host,b\n1,web-1,2\n3,web-2,4\n', { nonNumeric: 'ignore' });
    expect(s.columnNames).toEqual(['a', 'b']);
    expect(s.values).toEqual(f32([1, 2, 3, 4]));
    // Requested explicitly, a non-numeric column stays an error.
    expect(() => parseCsv('a,host\n1,web-1\n', { nonNumeric: 'ignore', columns: ['host'] })).toThrow(
      /requested in options.columns/,
    );
  });

  it('rejects infinities by default and treats them as missing on request', () => {
    expect(() => parseCsv('a\n1\ninf\n')).toThrow(/column "a" has "inf" at row 1 \(line 3\), which is infinite/);
    expect(() => parseCsv('a\n1e39\n')).toThrow(InvalidDataError);
    const s = parseCsv('a\n1\n-Infinity\n1e39\n', { nonFinite: 'missing' });
    expect(s.countMissing()).toBe(2);
  });

  it('reports structural problems with ERR_CSV_PARSE', () => {
    expect(thrown(() => parseCsv('a,b\n1,2,3\n')).message).toMatch(/line 2 has 3 fields but the header has 2/);
    expect(thrown(() => parseCsv('a,b\n1,2\n1,2,3\n')).message).toMatch(
      /line 3 has more than 2 fields but the header has 2/,
    );
    expect(thrown(() => parseCsv('a,b\n1,2\n3\n')).message).toMatch(/line 3 has 1 field but the header has 2/);
    expect(thrown(() => parseCsv('a,b\n1,"2\n3,4\n')).message).toMatch(/quoted field opened on line 2 is never closed/);
    expect(thrown(() => parseCsv('a,b\n1,"2"x\n')).code).toBe('ERR_CSV_PARSE');
    expect(thrown(() => parseCsv('a,a\n1,2\n')).message).toMatch(/names column "a" twice/);
    expect(thrown(() => parseCsv('')).message).toMatch(/empty/);
    expect(thrown(() => parseCsv('a,b\n')).message).toMatch(/no data rows/);
    expect(thrown(() => parseCsv('timestamp,label\n2020-01-01,x\n', { nonNumeric: 'ignore' })).message).toMatch(
      /no numeric columns/,
    );
  });

  it('rejects bad options with typed errors naming the option', () => {
    expect(() => parseCsv('a\n1\n', { delimiter: '::' })).toThrow(InvalidArgumentError);
    expect(() => parseCsv('a\n1\n', { columns: ['zz'] })).toThrow(
      /options.columns is "zz", which is not a column of the file \(columns: "a"\)/,
    );
    expect(() => parseCsv('a\n1\n', { timestamp: 'when' })).toThrow(/options.timestamp is "when"/);
    expect(() => parseCsv('a\n1\n', { bogus: 1 } as never)).toThrow(/unknown key "bogus"/);
    expect(() => parseCsv('a;b\n1;2\n', { delimiter: ',', decimal: ',' })).toThrow(InvalidArgumentError);
    expect(() => parseCsv(42 as never)).toThrow(/text must be a string/);
  });
});

describe('CsvParser: chunk boundaries', () => {
  const text =
    '\uFEFFtime;"a ""quoted"" name";b\r\n' +
    '2020-01-01 00:00:00.250;1,5;"x\n"\r\n'.replace('"x\n"', '2') +
    '2020-01-01 00:00:01;;"-3,25"\r\n' +
    '2020-01-01 00:00:02;7;8\r\n';

  function parseInChunks(size: number): ReturnType<CsvParser['finish']> {
    const parser = new CsvParser(resolveCsvOptions({ decimal: ',' }));
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
    return parser.finish();
  }

  it('gives the same series whatever the chunk size, down to one byte', () => {
    const whole = parseCsv(text, { decimal: ',' });
    expect(whole.columnNames).toEqual(['a "quoted" name', 'b']);
    expect(Array.from(whole.values)).toEqual([1.5, 2, NaN, -3.25, 7, 8]);
    expect(whole.timestamps![0]).toBe(Date.UTC(2020, 0, 1, 0, 0, 0, 250));
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const chunked = parseInChunks(size);
      expect(chunked.columnNames).toEqual(whole.columnNames);
      expect(Array.from(chunked.values)).toEqual(Array.from(whole.values));
      expect(Array.from(chunked.timestamps!)).toEqual(Array.from(whole.timestamps!));
    }
  });
});

describe('readCsv on files', () => {
  it('reads NAB machine_temperature_system_failure.csv: 22,695 rows, values and timestamps as in the text', async () => {
    const path = `${NAB}/data/realKnownCause/machine_temperature_system_failure.csv`;
    const s = await readCsv(path);
    expect(s.rows).toBe(22_695);
    expect(s.columnNames).toEqual(['value']);
    // Independent reference: split the text naively (NAB files have no quotes).
    const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    expect(lines.length).toBe(22_695);
    for (const i of [0, 1, 4000, 22_694]) {
      const [stamp, value] = lines[i]!.split(',');
      expect(s.values[i]).toBe(Math.fround(Number(value)));
      expect(s.timestamps![i]).toBe(Date.parse(`${stamp!.replace(' ', 'T')}Z`));
    }
    expect(s.countMissing()).toBe(0);
  });

  it('reads a gzip-compressed CSV (a NAB reference result)', async () => {
    const s = await readCsv(
      `${NAB}/reference_results/numenta/realKnownCause/machine_temperature_system_failure.csv.gz`,
    );
    expect(s.rows).toBe(22_695);
    expect(s.columnNames).toEqual(['anomaly_score']);
  });

  it('fails clearly on a corrupt gzip file, a missing file and an aborted read', async () => {
    const bad = join(workDir, 'bad.csv.gz');
    writeFileSync(bad, gzipSync(Buffer.from('a\n1\n2\n')).subarray(0, 12));
    await expect(readCsv(bad)).rejects.toThrow(InvalidDataError);
    await expect(readCsv(join(workDir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
    const controller = new AbortController();
    controller.abort();
    await expect(
      readCsv(`${NAB}/data/realKnownCause/machine_temperature_system_failure.csv`, { signal: controller.signal }),
    ).rejects.toThrow(AbortError);
    await expect(readCsv('' as string)).rejects.toThrow(InvalidArgumentError);
  });
});
