import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import type { DetectorOptions } from '../src/detector/detector-options.js';
import { StreamPool, StreamPointError } from '../src/streaming/stream-pool.js';
import { expectClose, sine } from './helpers/sine.js';

const quick = { hidden: 8, window: 25, epochs: 3, windowsPerEpoch: 256, learningRate: 0.01, seed: 2 } as const;

/** Pushes several series interleaved (round-robin, `perCall` points of each stream per call) and collects each stream's scores. */
function interleaved(
  pool: StreamPool,
  series: (number | number[])[][],
  perCall: number,
): { scores: number[][]; flags: number[][]; ready: number[][] } {
  const out = {
    scores: series.map(() => [] as number[]),
    flags: series.map(() => [] as number[]),
    ready: series.map(() => [] as number[]),
  };
  const n = series[0]!.length;
  for (let t = 0; t < n; t += perCall) {
    const keys: string[] = [];
    const rows: (number | null)[][] = [];
    const owner: number[] = [];
    // Points of one stream are not adjacent in the call: the pool must still apply them in order.
    for (let k = 0; k < perCall && t + k < n; k++) {
      series.forEach((s, id) => {
        const v = s[t + k]!;
        keys.push(`stream-${id}`);
        rows.push(Array.isArray(v) ? v : [v]);
        owner.push(id);
      });
    }
    const batch = pool.push(keys, rows);
    owner.forEach((id, i) => {
      out.scores[id]!.push(batch.scores[i]!);
      out.flags[id]!.push(batch.flags[i]!);
      out.ready[id]!.push(batch.ready[i]!);
    });
  }
  return out;
}

describe('StreamPool equals batch detection', () => {
  const cases: { name: string; options: DetectorOptions; columns?: number }[] = [
    { name: 'forecast, absolute, smoothed, pot', options: { ...quick, threshold: { method: 'pot' } } },
    { name: 'forecast, loglik, 2 columns', options: { ...quick, score: 'loglik', smoothing: 0 }, columns: 2 },
    { name: 'reconstruct, squared', options: { ...quick, mode: 'reconstruct', score: 'squared', smoothing: 5 } },
    {
      name: 'lstm forecast, horizon 3, spot',
      options: { ...quick, cell: 'lstm', horizon: 3, threshold: { method: 'spot', level: 0.95 } },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const rows = (n: number, phase = 0, spike?: number): (number | number[])[] =>
        c.columns === 2 ? sine(n, phase, spike).map((v, i) => [v, Math.cos(i / 4) * 0.5]) : sine(n, phase, spike);
      const detector = new Detector(c.options);
      await detector.fit(rows(600) as number[]);
      const series = [rows(160, 13, 120), rows(160, 3, 90), rows(160, 7)];
      const batches: Awaited<ReturnType<Detector['detect']>>[] = [];
      for (const s of series) batches.push(await detector.detect(s as number[]));
      const first = c.options.mode === 'reconstruct' ? 24 : 25;
      for (const perCall of [1, 3]) {
        const pool = detector.streams();
        const got = interleaved(pool, series, perCall);
        series.forEach((_, id) => {
          expect(got.ready[id]!.slice(0, first)).toEqual(new Array(first).fill(0));
          expect(got.ready[id]!.slice(first)).toEqual(new Array(160 - first).fill(1));
          expectClose(got.scores[id]!.slice(first), batches[id]!.scores.subarray(first));
          expect(got.flags[id]!.slice(first)).toEqual(Array.from(batches[id]!.flags.subarray(first)));
        });
        expect(got.flags[0]![120]).toBe(1);
      }
    });
  }
});

describe('StreamPool', () => {
  const detector = new Detector({ ...quick, smoothing: 0, threshold: { method: 'spot', level: 0.95 } });
  beforeAll(async () => {
    await detector.fit(sine(600));
  });
  const rowsOf = (values: number[]): number[][] => values.map((v) => [v]);

  it('snapshot and restore continue every stream exactly where it stopped', () => {
    const a = detector.streams();
    const b = detector.streams();
    const s1 = sine(100, 0, 70),
      s2 = sine(100, 5);
    for (let t = 0; t < 60; t++) {
      a.push(['x', 'y'], [[s1[t]!], [s2[t]!]]);
      b.push(['x', 'y'], [[s1[t]!], [s2[t]!]]);
    }
    const restored = detector.restoreStreams(a.snapshot());
    expect(restored.size).toBe(2);
    for (let t = 60; t < 100; t++) {
      const want = b.push(['x', 'y'], [[s1[t]!], [s2[t]!]]);
      const got = restored.push(['x', 'y'], [[s1[t]!], [s2[t]!]]);
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
      expect(Array.from(got.thresholds)).toEqual(Array.from(want.thresholds));
      expect(Array.from(got.flags)).toEqual(Array.from(want.flags));
    }
  });

  it('rejects a corrupted snapshot or a snapshot of another model', async () => {
    const pool = detector.streams();
    pool.push(['x'], [[0.5]]);
    const blob = pool.snapshot();
    const flipped = blob.slice();
    flipped[40]! ^= 1;
    expect(() => detector.restoreStreams(flipped)).toThrow(/checksum/);
    expect(() => detector.restoreStreams(blob.subarray(0, blob.length - 3))).toThrow(/checksum|shorter/);
    const other = new Detector({ ...quick, seed: 9, smoothing: 0, threshold: { method: 'spot', level: 0.95 } });
    await other.fit(sine(600));
    expect(() => other.restoreStreams(blob)).toThrow(/different model/);
  });

  it('a bad row names its stream and leaves every stream unchanged', () => {
    const pool = detector.streams();
    pool.push(['a', 'b'], [[0.1], [0.2]]);
    const before = pool.snapshot();
    const bad: [unknown[], string, string][] = [
      [[[0.1], [1, 2]], 'b', 'ERR_SHAPE_MISMATCH'],
      [[[0.1], [Infinity]], 'b', 'ERR_INVALID_DATA'],
      [[['0.3'], [0.2]], 'a', 'ERR_INVALID_ARGUMENT'],
      [[[0.1], 'x'], 'b', 'ERR_SHAPE_MISMATCH'],
    ];
    for (const [rows, stream, code] of bad) {
      let error: unknown;
      try {
        pool.push(['a', 'b'], rows as number[][]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StreamPointError);
      expect((error as StreamPointError).stream).toBe(stream);
      expect((error as StreamPointError).code).toBe(code);
      expect((error as Error).message).toContain(`"${stream}"`);
      expect(pool.snapshot()).toEqual(before);
    }
    const closed = detector.restoreStreams(before, { create: false });
    expect(() => closed.push(['a', 'new'], [[1], [1]])).toThrow(/stream "new" does not exist/);
    expect(closed.snapshot()).toEqual(before);
  });

  it('null and NaN are carried forward and reported as imputed', () => {
    const pool = detector.streams();
    const plain = detector.streams();
    const s = sine(40);
    for (let t = 0; t < 40; t++) {
      const gap = t % 7 === 3;
      const got = pool.push(['k'], [[gap ? (t % 2 ? null : NaN) : s[t]!]]);
      const want = plain.push(['k'], [[gap ? s[t - 1]! : s[t]!]]);
      expect(got.imputed[0]).toBe(gap ? 1 : 0);
      expect(got.scores[0]).toBe(want.scores[0]);
    }
  });

  it('evicts the least recently pushed stream at the cap, and idle streams after the TTL', () => {
    let now = 1000;
    const pool = detector.streams({ maxStreams: 3, idleTtlMs: 500, now: () => now });
    pool.push(['a', 'b', 'c'], rowsOf([1, 2, 3]));
    now += 100;
    pool.push(['a'], rowsOf([1]));
    pool.push(['d'], rowsOf([4]));
    expect(pool.streamKeys().sort()).toEqual(['a', 'c', 'd']);
    expect(pool.get('a')!.points).toBe(2);
    now += 450;
    expect(pool.evictIdle()).toBe(1); // c was last pushed 550 ms ago
    expect(pool.streamKeys().sort()).toEqual(['a', 'd']);
    const changes = pool.takeChanges();
    expect(changes.deletes.sort()).toEqual(['b', 'c']);
    expect(changes.upserts.map((u) => u.key).sort()).toEqual(['a', 'd']);
    expect(pool.takeChanges()).toEqual({ upserts: [], deletes: [] });
    pool.push(['a'], rowsOf([1]));
    expect(pool.takeChanges().upserts.map((u) => u.key)).toEqual(['a']);
  });

  it('get reports points, last time, last score and the open event', () => {
    const pool = detector.streams();
    const s = sine(80, 0, 60);
    let flagged = -1;
    for (let t = 0; t < 80 && flagged < 0; t++) {
      const r = pool.push(['m'], [[s[t]!]], [`t${t}`]);
      if (r.flags[0] === 1) flagged = t;
    }
    expect(flagged).toBe(60);
    const info = pool.get('m')!;
    expect(info).toMatchObject({
      key: 'm',
      points: 61,
      lastTime: 't60',
      anomaly: true,
      openEvent: { start: 't60', points: 1 },
    });
    expect(info.lastScore).toBeGreaterThan(0);
    expect(pool.get('nope')).toBeUndefined();
    expect(pool.delete('m')).toBe(true);
    expect(pool.has('m')).toBe(false);
  });

  it('pushAsync gives the same results and refuses overlapping calls', async () => {
    const a = detector.streams(),
      b = detector.streams();
    const s = sine(50);
    for (let t = 0; t < 50; t++) {
      const pending = a.pushAsync(['k', 'j'], [[s[t]!], [s[t]! / 2]]);
      if (t === 30) expect(() => a.push(['k'], [[0]])).toThrow(/still running/);
      const got = await pending;
      const want = b.push(['k', 'j'], [[s[t]!], [s[t]! / 2]]);
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });
});
