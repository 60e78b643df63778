/** The README's promise: calls overlapping a detect on the same detector are refused with ERR_BUSY and change nothing. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = Array.from({ length: 4000 }, (_, i) => [Math.sin(i / 5), Math.cos(i / 7)]);

describe('overlapping calls on one Detector', () => {
  it('detect, save, toBuffer, stream() and stream pushes during a detect: ERR_BUSY, then all work', async () => {
    const detector = new Detector({ hidden: 32, window: 32, epochs: 1, seed: 1 });
    await detector.fit(rows.slice(0, 600));
    const stream = detector.stream();
    const before = detector.toBuffer();
    const busy = expect.objectContaining({ code: 'ERR_BUSY' });

    const first = detector.detect(rows);
    await expect(detector.detect(rows)).rejects.toEqual(busy);
    await expect(detector.save(join(dir, 'm.rnnad'))).rejects.toEqual(busy);
    expect(() => detector.toBuffer()).toThrow(busy);
    expect(() => detector.stream()).toThrow(busy);
    expect(() => stream.push([0, 0])).toThrow(busy);
    const result = await first;

    expect(readdirSync(dir)).toEqual([]);
    expect(Buffer.from(detector.toBuffer()).equals(Buffer.from(before))).toBe(true);
    expect(Array.from((await detector.detect(rows)).scores)).toEqual(Array.from(result.scores));
    const fresh = detector.stream();
    expect(stream.push([0, 0])).toEqual(fresh.push([0, 0]));
  });
});
