import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorSurprise } from '../src/scoring/index.js';
import { configHash, FileCache } from '../eval/lib/file-cache.js';
import { readNasaLabels } from '../eval/lib/nasa-labels.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('ErrorSurprise (NAB score mapping)', () => {
  it('standardises an error against the history before it', () => {
    const s = new ErrorSurprise({ history: 10, warmup: 3, zHalf: 5, refractory: 0 });
    expect([s.next(1), s.next(2), s.next(3)]).toEqual([0, 0, 0]); // warm-up
    // History 1, 2, 3: mean 2, population std sqrt(2/3).
    const z = 3 / Math.sqrt(2 / 3);
    expect(s.next(5)).toBeCloseTo(z / (z + 5), 12);
  });

  it('forgets errors older than the history', () => {
    const s = new ErrorSurprise({ history: 2, warmup: 2, zHalf: 1, refractory: 0 });
    s.observe(100);
    s.observe(1);
    s.observe(3); // 100 drops out: history 1, 3 (mean 2, std 1)
    expect(s.next(4)).toBeCloseTo(2 / 3, 12);
  });

  it('scores 0 below the mean and silences repeats within the refractory period', () => {
    const s = new ErrorSurprise({ history: 100, warmup: 2, zHalf: 1, refractory: 2 });
    s.observe(0);
    s.observe(2);
    expect(s.next(0)).toBe(0);
    const first = s.next(10);
    expect(first).toBeGreaterThan(0.5);
    expect(s.next(9)).toBe(0); // not above the score two rows back
    expect(s.next(1)).toBe(0);
    expect(s.next(50)).toBeGreaterThan(0); // a new maximum raises a new alarm
  });
});

describe('FileCache', () => {
  it('round-trips values and metadata, and misses cleanly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rnnad-cache-'));
    try {
      const cache = new FileCache<{ ms: number }>(dir);
      expect(await cache.get('cat/a.csv')).toBeNull();
      await cache.set('cat/a.csv', Float32Array.from([1.5, -2, 3]), { ms: 7 });
      const got = await cache.get('cat/a.csv');
      expect(Array.from(got!.values)).toEqual([1.5, -2, 3]);
      expect(got!.meta).toEqual({ ms: 7 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names configurations by content', () => {
    expect(configHash({ a: 1 })).toBe(configHash({ a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});

describe('readNasaLabels', () => {
  it('reads the 82 label rows with the documented counts', async () => {
    const rows = await readNasaLabels(path.resolve(repoRoot, 'test', 'fixtures', 'datasets', 'smap_msl', 'labeled_anomalies.csv'));
    expect(rows.length).toBe(82);
    expect(rows.filter((r) => r.spacecraft === 'SMAP').length).toBe(55);
    const sequences = (craft: string): number => rows.filter((r) => r.spacecraft === craft).reduce((n, r) => n + r.sequences.length, 0);
    expect([sequences('SMAP'), sequences('MSL')]).toEqual([69, 36]);
    expect(rows.filter((r) => r.channel === 'P-2').map((r) => r.sequences)).toEqual([[{ start: 5350, end: 6575 }], [{ start: 5300, end: 6420 }]]);
    expect(rows[0]).toMatchObject({ channel: 'P-1', testLength: 8505, classes: ['contextual', 'contextual', 'contextual'] });
  });
});
