/**
 * The pool scores every network head and score kind exactly as detector.stream() does: multi-step
 * targets, the mean over horizons, a Gaussian head with its NLL score, loglik on either head. And
 * its state format carries the pending forecasts (version 2) while still reading version 1.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../src/core/errors.js';
import { Detector } from '../src/detector/detector.js';
import type { DetectorOptions } from '../src/detector/detector-options.js';
import type { StreamPool } from '../src/streaming/stream-pool.js';
import { decodePoolSnapshot, decodeStreamRecord, encodeStreamRecord } from '../src/streaming/stream-state-format.js';
import { sine } from './helpers/sine.js';

const quick = { hidden: 8, window: 16, epochs: 2, windowsPerEpoch: 128, learningRate: 0.01, seed: 4 } as const;
const KEYS = ['web-1/cpu', 'web-2/cpu', 'db/io', 'queue'];
const POINTS = 90;

/** Two columns: a sine and a slower cosine, with a spike in the first one at `spike`. */
function twoColumns(rows: number, phase: number, spike?: number): number[][] {
  const first = sine(rows, phase, spike);
  return first.map((v, i) => [v, 0.5 * Math.cos((i + phase) / 6)]);
}

const heads: { name: string; options: DetectorOptions }[] = [
  { name: 'point head, horizon 1, absolute', options: {} },
  { name: 'point head, horizon 3, first step', options: { horizon: 3 } },
  { name: 'point head, horizon 3, mean of the steps', options: { horizon: 3, horizonScore: 'mean', smoothing: 0 } },
  { name: 'point head, loglik', options: { score: 'loglik', threshold: { method: 'spot', level: 0.95 } } },
  { name: 'gaussian head, nll', options: { head: 'gaussian' } },
  { name: 'gaussian head, loglik', options: { head: 'gaussian', score: 'loglik' } },
  {
    name: 'gaussian head, horizon 4, mean, nll, spot',
    options: { head: 'gaussian', horizon: 4, horizonScore: 'mean', threshold: { method: 'spot', level: 0.95 } },
  },
  { name: 'reconstruct, squared', options: { mode: 'reconstruct', score: 'squared' } },
];

/** Point t of stream k, with a missing value now and then. */
function pointOf(series: number[][][], k: number, t: number): (number | null)[] {
  const row = series[k]![t]!;
  return (t + k) % 17 === 5 ? [null, row[1]!] : row;
}

interface Verdicts {
  scores: number[];
  thresholds: number[];
  flags: number[];
  ready: number[];
}

/**
 * Pushes t = [from, to) of every stream into `pool`, interleaved: calls of 1 to 3 points per
 * stream, the streams in a changing order, a stream's points not adjacent. Verdicts per stream.
 */
function pushInterleaved(pool: StreamPool, series: number[][][], from: number, to: number): Verdicts[] {
  const out = KEYS.map(() => ({ scores: [], thresholds: [], flags: [], ready: [] }) as Verdicts);
  let t = from,
    call = 0;
  while (t < to) {
    const perStream = Math.min(1 + (call % 3), to - t);
    const keys: string[] = [];
    const rows: (number | null)[][] = [];
    const owner: number[] = [];
    for (let j = 0; j < perStream; j++) {
      for (let n = 0; n < KEYS.length; n++) {
        const k = (n + call) % KEYS.length;
        // Stream 3 skips every fifth call entirely: streams need not move together.
        if (k === 3 && call % 5 === 4) continue;
        keys.push(KEYS[k]!);
        rows.push(pointOf(series, k, t + j));
        owner.push(k);
      }
    }
    const batch = pool.push(keys, rows);
    owner.forEach((k, i) => {
      out[k]!.scores.push(batch.scores[i]!);
      out[k]!.thresholds.push(batch.thresholds[i]!);
      out[k]!.flags.push(batch.flags[i]!);
      out[k]!.ready.push(batch.ready[i]!);
    });
    t += perStream;
    call++;
  }
  return out;
}

/** What one detector.stream() per key gives for the points pushInterleaved pushed to that key. */
function streamVerdicts(detector: Detector, series: number[][][], pushedTimes: number[][]): Verdicts[] {
  return KEYS.map((_, k) => {
    const stream = detector.stream();
    const v: Verdicts = { scores: [], thresholds: [], flags: [], ready: [] };
    for (const t of pushedTimes[k]!) {
      const p = stream.push(pointOf(series, k, t));
      v.scores.push(p.score);
      // The pool reports thresholds as float32, like its scores.
      v.thresholds.push(Math.fround(p.threshold));
      v.flags.push(p.flag);
      v.ready.push(p.ready ? 1 : 0);
    }
    return v;
  });
}

/** The times pushInterleaved pushes to each stream, in order (stream 3 skips some calls). */
function timesPushed(from: number, to: number): number[][] {
  const times = KEYS.map(() => [] as number[]);
  let t = from,
    call = 0;
  while (t < to) {
    const perStream = Math.min(1 + (call % 3), to - t);
    for (let j = 0; j < perStream; j++)
      for (let k = 0; k < KEYS.length; k++) if (!(k === 3 && call % 5 === 4)) times[k]!.push(t + j);
    t += perStream;
    call++;
  }
  return times;
}

function expectSameVerdicts(got: Verdicts[], want: Verdicts[]): void {
  got.forEach((g, k) => {
    expect(g.ready, `ready of ${KEYS[k]}`).toEqual(want[k]!.ready);
    for (let i = 0; i < g.scores.length; i++) {
      expect(g.scores[i], `score ${i} of ${KEYS[k]}`).toBe(want[k]!.scores[i]);
      expect(g.thresholds[i], `threshold ${i} of ${KEYS[k]}`).toBe(want[k]!.thresholds[i]);
    }
    expect(g.flags, `flags of ${KEYS[k]}`).toEqual(want[k]!.flags);
  });
}

describe('StreamPool scores every head as detector.stream() does', () => {
  const series = KEYS.map((_, k) => twoColumns(POINTS, 3 * k, k === 0 ? 60 : undefined));

  for (const head of heads) {
    it(head.name, async () => {
      const detector = new Detector({ ...quick, ...head.options });
      await detector.fit(twoColumns(400, 0));
      const pool = detector.streams();
      const got = pushInterleaved(pool, series, 0, POINTS);
      const want = streamVerdicts(detector, series, timesPushed(0, POINTS));
      expectSameVerdicts(got, want);
      // Enough history to score most points, and a score that is not the same everywhere.
      expect(got[0]!.ready.filter((r) => r === 1).length).toBeGreaterThan(POINTS / 2);
      expect(new Set(got[0]!.scores).size).toBeGreaterThan(10);

      // A snapshot mid-way (pending forecasts in flight) continues exactly, also after a save and load.
      const half = detector.streams();
      pushInterleaved(half, series, 0, 50);
      const loaded = Detector.fromBuffer(detector.toBuffer(), 'model.rnnad');
      for (const restored of [detector.restoreStreams(half.snapshot()), loaded.restoreStreams(half.snapshot())]) {
        const rest = pushInterleaved(restored, series, 50, POINTS);
        const fresh = detector.streams();
        pushInterleaved(fresh, series, 0, 50);
        expectSameVerdicts(rest, pushInterleaved(fresh, series, 50, POINTS));
      }
    });
  }

  it('records carry the forecast slots of the model, and refuse a pool whose model needs others', async () => {
    const mean = new Detector({ ...quick, head: 'gaussian', horizon: 4, horizonScore: 'mean' });
    const first = new Detector({ ...quick, horizon: 4 });
    await Promise.all([mean.fit(twoColumns(400, 0)), first.fit(twoColumns(400, 0))]);
    const pool = mean.streams();
    pushInterleaved(pool, series, 0, 30);
    const record = pool.record(KEYS[0]!)!;
    const shape = { window: 16, columns: 2, features: 2 };
    const decoded = decodeStreamRecord(record, 'r', { ...shape, forecastSlots: 4, forecastVariances: true });
    expect(decoded.forecasts.counts).toHaveLength(4);
    // Window 16 and 30 points: 15 windows done, so every one of the 4 coming points has forecasts.
    expect(Array.from(decoded.forecasts.counts).sort()).toEqual([1, 2, 3, 4]);
    expect(decoded.forecasts.variances).toHaveLength(8);
    expect(() => decodeStreamRecord(record, 'r', { ...shape, forecastSlots: 1, forecastVariances: false })).toThrow(
      /4 forecast slots with variances; this model needs 1 without/,
    );
    expect(() => first.streams().load([record])).toThrow(InvalidDataError);
    // A record with a valid checksum but impossible forecast bookkeeping is refused too.
    const wide = { ...shape, forecastSlots: 4, forecastVariances: true };
    const tooMany = encodeStreamRecord(wide, {
      ...decoded,
      forecasts: { ...decoded.forecasts, counts: Uint16Array.of(9, 1, 1, 1) },
    });
    expect(() => decodeStreamRecord(tooMany, 'r', wide)).toThrow(/forecast slot 0 sums 9 windows, more than 4/);
    const pastEnd = encodeStreamRecord(wide, { ...decoded, forecasts: { ...decoded.forecasts, next: 4 } });
    expect(() => decodeStreamRecord(pastEnd, 'r', wide)).toThrow(/next forecast slot 4 is not below 4/);
  });
});

describe('a version-1 snapshot (test/fixtures/stream-pool-v1)', () => {
  const dir = new URL('./fixtures/stream-pool-v1/', import.meta.url);
  const model = readFileSync(new URL('model.rnnad', dir));
  const snapshot = new Uint8Array(readFileSync(new URL('snapshot-v1.bin', dir)));
  const series = [sine(120, 0, 30), sine(120, 9), sine(120, 17)];
  const keys = ['a', 'b', 'c'];

  /** The pushes the fixture was made with (see its README), continued to `to`. */
  function replay(
    pool: StreamPool,
    from: number,
    to: number,
  ): { scores: number[]; thresholds: number[]; flags: number[] } {
    const out = { scores: [] as number[], thresholds: [] as number[], flags: [] as number[] };
    for (let t = from; t < to; t++) {
      const rows = series.map((s, i) => [i === 1 && t === 20 ? null : s[t]!]);
      const times = series.map(() => `t${t}`);
      const batch =
        t < 10 ? pool.push(keys.slice(0, 2), rows.slice(0, 2), times.slice(0, 2)) : pool.push(keys, rows, times);
      out.scores.push(...batch.scores);
      out.thresholds.push(...batch.thresholds);
      out.flags.push(...batch.flags);
    }
    return out;
  }

  it('is version 1 and restores into a pool that continues as one never snapshotted', () => {
    expect(decodePoolSnapshot(snapshot).version).toBe(1);
    const detector = Detector.fromBuffer(model, 'model.rnnad');
    const restored = detector.restoreStreams(snapshot);
    expect(restored.streamKeys().sort()).toEqual(keys);
    expect(restored.get('c')).toMatchObject({ points: 30, lastTime: 't39' });
    const never = detector.streams();
    replay(never, 0, 40);
    const want = replay(never, 40, 120);
    const got = replay(restored, 40, 120);
    expect(got.scores).toEqual(want.scores);
    expect(got.thresholds).toEqual(want.thresholds);
    expect(got.flags).toEqual(want.flags);
    expect(got.scores.filter((s) => s > 0).length).toBe(got.scores.length);
    // What it writes now is version 2, and reads back the same.
    const again = detector.restoreStreams(restored.snapshot());
    expect(decodePoolSnapshot(restored.snapshot()).version).toBe(2);
    expect(again.snapshot()).toEqual(restored.snapshot());
  });

  it('is refused by another model, and its records by a model that needs more forecast slots', async () => {
    const other = new Detector({ ...quick, window: 16, horizon: 2, horizonScore: 'mean' });
    await other.fit(sine(300));
    expect(() => other.restoreStreams(snapshot)).toThrow(/different model/);
    const { records } = decodePoolSnapshot(snapshot);
    expect(() => other.streams().load(records)).toThrow(/version-1 record holds a point head's one-step forecast/);
  });
});
