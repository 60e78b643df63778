/**
 * One cell, however long, costs at most options.maxCellBytes of memory and a short error. The
 * large inputs are generated on the fly and read in a child process under a time and
 * resident-memory limit: before the limit, a 600 MB cell ran the reader out of memory.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CELL_BYTES, resolveCsvOptions } from '../src/data/csv-options.js';
import { CsvParser } from '../src/data/csv-parser.js';
import { parseCsv } from '../src/data/read-csv.js';
import { lastJsonLine, runTsChild } from './fuzz/child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-csv-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CSV_CHILD = fileURLToPath(new URL('./fuzz/read-csv-child.ts', import.meta.url));

interface ReadOutcome {
  parsed: boolean;
  code?: string;
  message?: string;
  messageLength?: number;
  elapsedMs: number;
  maxRssBytes: number;
}

async function readInChild(mode: 'file' | 'cell', argument: string): Promise<ReadOutcome> {
  const outcome = await runTsChild(CSV_CHILD, [mode, argument], { timeoutMs: 60_000, maxRssBytes: 600 * 2 ** 20 });
  expect(outcome.killedFor, `killed for exceeding its ${outcome.killedFor} limit`).toBeNull();
  return lastJsonLine<ReadOutcome>(outcome);
}

/** A gzipped CSV whose one data cell is `mib` MiB of digits, compressed from a stream (about 4.5 kB per MiB). */
async function gzipWithLongCell(path: string, mib: number): Promise<void> {
  const digits = Buffer.alloc(2 ** 20, '7');
  async function* csv(): AsyncGenerator<Buffer> {
    yield Buffer.from('time,value\n2020-01-01,');
    for (let i = 0; i < mib; i++) yield digits;
    yield Buffer.from('\n');
  }
  await pipeline(Readable.from(csv()), createGzip({ level: 1 }), createWriteStream(path));
}

const tooLong = (limit: number): RegExp =>
  new RegExp(`a field is longer than options\\.maxCellBytes \\(${limit} bytes\\)`);

describe('a cell longer than options.maxCellBytes', () => {
  it('600 MB cell in a 2.7 MB gzip file: ERR_CSV_PARSE in bounded time and memory, with a short message', async () => {
    const path = join(dir, 'long-cell.csv.gz');
    await gzipWithLongCell(path, 600);
    const result = await readInChild('file', path);
    expect(result).toMatchObject({ parsed: false, code: 'ERR_CSV_PARSE' });
    expect(result.message).toMatch(tooLong(DEFAULT_MAX_CELL_BYTES));
    expect(result.message).toContain(`"${'7'.repeat(40)}..."`);
    expect(result.messageLength).toBeLessThan(300);
    expect(result.elapsedMs).toBeLessThan(5000);
    expect(result.maxRssBytes).toBeLessThan(300 * 2 ** 20);
  });

  it('60 MB cell in a string given to parseCsv: ERR_CSV_PARSE without copying the cell', async () => {
    const result = await readInChild('cell', '60');
    expect(result).toMatchObject({ parsed: false, code: 'ERR_CSV_PARSE' });
    expect(result.message).toMatch(tooLong(DEFAULT_MAX_CELL_BYTES));
    expect(result.messageLength).toBeLessThan(300);
    expect(result.elapsedMs).toBeLessThan(5000);
  });

  it('applies to unquoted and quoted cells, within one chunk and across chunks, and to the first line', () => {
    const limit = 16;
    const options = { maxCellBytes: limit };
    const exactly = '1'.repeat(limit);
    expect(Array.from(parseCsv(`value\n${exactly}\n`, options).values)).toEqual([Math.fround(Number(exactly))]);
    expect(() => parseCsv(`value\n${exactly}1\n`, options)).toThrow(tooLong(limit));
    expect(() => parseCsv(`value\n"${'x'.repeat(limit + 1)}"\n`, options)).toThrow(tooLong(limit));
    expect(() => parseCsv(`value\n"ab\n${'c'.repeat(limit)}"\n`, options)).toThrow(tooLong(limit));
    expect(() => parseCsv(`${'h'.repeat(limit + 1)}\n1\n`, options)).toThrow(tooLong(limit));
    expect(() => parseCsv(`value\n${exactly}1`, options)).toThrow(tooLong(limit));
    const inChunksOf = (size: number, text: string): void => {
      const parser = new CsvParser(resolveCsvOptions(options));
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size));
      parser.finish();
    };
    for (const size of [1, 3, 7]) {
      expect(() => inChunksOf(size, `value\n${exactly}\n`)).not.toThrow();
      expect(() => inChunksOf(size, `value\n${exactly}1\n`)).toThrow(tooLong(limit));
      expect(() => inChunksOf(size, `value\n"${'x'.repeat(limit + 1)}"\n`)).toThrow(tooLong(limit));
    }
    expect(() => parseCsv('value\n1\n', { maxCellBytes: 0 })).toThrow(
      /options\.maxCellBytes must be an integer in \[1, 1073741824\], got 0/,
    );
  });

  it('reports the line and a 40-byte prefix of the cell', () => {
    const error = (() => {
      try {
        parseCsv(`a,b\n1,2\n3,${'9'.repeat(100)}\n`, { maxCellBytes: 50 });
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('expected an error');
    })();
    expect(error.code).toBe('ERR_CSV_PARSE');
    expect(error.message).toMatch(
      /^line 3: a field is longer than options\.maxCellBytes \(50 bytes\); it begins "9{40}\.\.\."/,
    );
  });

  it('quotes at most 40 bytes of a bad cell in other errors too', () => {
    const text = `a\n1\n${'x'.repeat(5000)}\n`;
    expect(() => parseCsv(text)).toThrow(
      new RegExp(`has a non-numeric value "${'x'.repeat(40)}\\.\\.\\." at row 1 \\(line 3\\)`),
    );
    expect(() => parseCsv(`a\n${'9'.repeat(400)}\n`)).toThrow(
      new RegExp(`has "${'9'.repeat(40)}\\.\\.\\." at row 0 .* beyond float32 range`),
    );
  });
});
