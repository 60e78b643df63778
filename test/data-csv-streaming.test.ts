import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/data/index.js';

const ROWS = 750_000;
const START = Date.UTC(2021, 0, 1);
const workDir = mkdtempSync(join(tmpdir(), 'rnnad-big-csv-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Cell texts of row r; the expected values below are computed from these same strings with
// Number(), independently of the parser.
function cells(r: number): string[] {
  return [
    new Date(START + r * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
    (Math.sin(r / 100) * 50 + 50).toFixed(6),
    String((r % 997) / 7),
    String(-r * 1e-3),
    String(Math.cos(r) * 1e4),
    r % 13 === 0 ? '' : (20 + (r % 50) / 3).toFixed(3),
  ];
}

async function writeBigCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('timestamp,cpu,mem,disk,net,temp\n');
  for (let r = 0; r < ROWS;) {
    let block = '';
    for (let k = 0; k < 2000 && r < ROWS; k++, r++) block += `${cells(r).join(',')}\n`;
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

describe('readCsv streaming a large file', () => {
  it('parses a ~60 MB file with memory well below the file size', async () => {
    const path = join(workDir, 'big.csv');
    await writeBigCsv(path);
    const fileBytes = statSync(path).size;
    expect(fileBytes).toBeGreaterThan(50e6);

    const before = process.memoryUsage();
    let peak = 0;
    const sample = (): void => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
    };
    const sampler = setInterval(sample, 5);
    const series = await readCsv(path);
    clearInterval(sampler);
    sample();

    expect(series.rows).toBe(ROWS);
    expect(series.columnNames).toEqual(['cpu', 'mem', 'disk', 'net', 'temp']);
    for (const r of [0, 1, 12_345, 400_001, ROWS - 1]) {
      const text = cells(r);
      expect(series.timestamps![r]).toBe(START + r * 60_000);
      for (let c = 0; c < 5; c++) {
        const cell = text[c + 1]!;
        if (cell === '') expect(series.values[r * 5 + c]).toBeNaN();
        else expect(series.values[r * 5 + c]).toBe(Math.fround(Number(cell)));
      }
    }
    expect(series.countMissing()).toBe(Math.ceil(ROWS / 13));
    // The parsed numbers take 4 bytes per cell and 8 per timestamp (~27 MB here); the text is
    // never held whole. Heap plus array buffers at their peak must stay well below the file size.
    expect(peak).toBeLessThan(fileBytes);
  });
});
