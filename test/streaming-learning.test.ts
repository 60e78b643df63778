import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import type { DetectorOptions } from '../src/detector/detector-options.js';
import { InvalidArgumentError, NativeError, OutOfRangeError } from '../src/core/errors.js';
import type { LearnOptions } from '../src/streaming/online-learner.js';
import type { StreamingDetector } from '../src/streaming/streaming-detector.js';
import { sine } from './helpers/sine.js';
import { expectTypedError } from './helpers/typed-errors.js';

const quick = { hidden: 8, window: 25, epochs: 4, windowsPerEpoch: 512, learningRate: 0.01, seed: 2 } as const;
const learn: LearnOptions = { every: 25, windows: 64, learningRate: 0.01, epochs: 4 };

/** The training sine for 100 rows, then a new regime: a smaller wave around a higher level. */
function regimeChange(rows: number): number[] {
  return sine(rows, 3).map((v, i) => (i >= 100 ? 0.4 * v + 1.5 : v));
}

function mean(values: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]!;
  return sum / (to - from);
}

/**
 * Pushes one at a time and, after the pushes `pauseAfter` picks (1-based counts), lets the event
 * loop run until the worker is idle: a round started just before a pause is delivered by the
 * worker, one started where no pause follows is computed in its swap push.
 */
async function pushWithPauses(
  stream: StreamingDetector,
  points: number[],
  pauseAfter: (push: number) => boolean,
): Promise<Float32Array> {
  const scores = new Float32Array(points.length);
  for (let i = 0; i < points.length; i++) {
    scores[i] = stream.push(points[i]!).score;
    if (!pauseAfter(i + 1)) continue;
    await sleep(1);
    for (let waited = 0; stream.learning!.training && waited < 5000; waited += 2) await sleep(2);
  }
  return scores;
}

describe('a learning stream is deterministic for a seed and a push sequence', () => {
  const cases: { name: string; options: DetectorOptions }[] = [
    { name: 'gru forecast', options: { ...quick, smoothing: 0 } },
    { name: 'lstm forecast, horizon 3, dropout', options: { ...quick, cell: 'lstm', horizon: 3, dropout: 0.2 } },
    { name: 'reconstruct', options: { ...quick, mode: 'reconstruct', score: 'squared' } },
  ];
  for (const c of cases) {
    it(`${c.name}: rounds computed in the push (no event-loop turn) equal rounds delivered by the worker`, async () => {
      const detector = new Detector(c.options);
      await detector.fit(sine(800));
      const points = regimeChange(400);
      const tight = detector.stream({ learn });
      const tightScores = tight.pushMany(points).scores;
      // pushMany never yields, so no round can have been delivered: each was computed in its swap push.
      const { rounds } = tight.learning!;
      expect(rounds).toBeGreaterThanOrEqual(14);
      expect(tight.learning).toMatchObject({ lateRounds: rounds, failedRounds: 0 });
      const again = detector.stream({ learn }).pushMany(points).scores;
      expect(Array.from(again)).toEqual(Array.from(tightScores));

      // Pauses after every boundary (rounds delivered), then after all but every fourth (a mix).
      const pacings = [(push: number) => push % 25 === 0, (push: number) => push % 25 === 0 && push % 100 !== 0];
      for (const [i, pauseAfter] of pacings.entries()) {
        const paced = detector.stream({ learn });
        const pacedScores = await pushWithPauses(paced, points, pauseAfter);
        expect(paced.learning!.rounds).toBe(rounds);
        expect(paced.learning!.lateRounds).toBeLessThan(rounds);
        if (i === 1) expect(paced.learning!.lateRounds).toBeGreaterThan(0);
        expect(Array.from(pacedScores)).toEqual(Array.from(tightScores));
      }

      const frozen = detector.stream().pushMany(points).scores;
      expect(Array.from(frozen)).not.toEqual(Array.from(tightScores));
    });
  }
});

describe('learning stream', () => {
  const detector = new Detector({ ...quick, smoothing: 0 });
  beforeAll(async () => {
    await detector.fit(sine(800));
  });

  it('scores a new regime back to normal levels while a frozen stream stays high', () => {
    const points = regimeChange(1500);
    const frozen = detector.stream().pushMany(points).scores;
    const learning = detector.stream({ learn });
    const learnt = learning.pushMany(points).scores;
    const before = mean(frozen, 30, 100);
    const frozenAfter = mean(frozen, 900, 1500);
    const learntAfter = mean(learnt, 900, 1500);
    expect(frozenAfter).toBeGreaterThan(4 * before);
    expect(learntAfter).toBeLessThan(0.25 * frozenAfter);
    expect(learntAfter).toBeLessThan(2 * before);
    // The first whole window with its target exists after push 26: rounds start at pushes 50, 75, ..., 1475.
    expect(learning.learning!.rounds).toBe(58);
  });

  it("leaves the detector's model alone and hands out what it learnt", async () => {
    const points = regimeChange(600);
    const before = await detector.detect(points);
    const learning = detector.stream({ learn });
    learning.pushMany(points);
    const after = await detector.detect(points);
    expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
    const learnt = learning.network().getFlatParameters();
    expect(Array.from(learnt)).not.toEqual(Array.from(detector.network.getFlatParameters()));
    expect(Array.from(detector.stream().network().getFlatParameters())).toEqual(
      Array.from(detector.network.getFlatParameters()),
    );
  });

  it('scores with the fitted weights until the first swap, and pushes keep working while a round runs', async () => {
    const points = regimeChange(200);
    const frozen = detector.stream().pushMany(points).scores;
    const learning = detector.stream({ learn: { every: 50, windows: 64, epochs: 200 } });
    const scores = new Float32Array(points.length);
    for (let i = 0; i < points.length; i++) {
      scores[i] = learning.push(points[i]!).score;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Round 1 starts after push 50 and is swapped in after push 100: until then the fitted weights.
    expect(Array.from(scores.subarray(0, 100))).toEqual(Array.from(frozen.subarray(0, 100)));
    expect(Array.from(scores.subarray(101))).not.toEqual(Array.from(frozen.subarray(101)));
    expect(learning.learning!.rounds).toBe(3);
  });

  it('with deterministic: false never trains in a push and learns once rounds are delivered', async () => {
    const points = regimeChange(400);
    const tight = detector.stream({ learn: { ...learn, deterministic: false } });
    tight.pushMany(points);
    // No event-loop turn during pushMany: the round started at push 50 is still running, the 14
    // boundaries after it skip.
    expect(tight.learning).toMatchObject({ rounds: 0, lateRounds: 0, skippedRounds: 14 });
    const paced = detector.stream({ learn: { ...learn, deterministic: false } });
    await pushWithPauses(paced, points, (push) => push % 25 === 0);
    expect(paced.learning!.lateRounds).toBe(0);
    expect(paced.learning!.rounds).toBeGreaterThan(5);
  });

  it('learns from pushAll as from push', () => {
    const points = regimeChange(300);
    const byPush = detector.stream({ learn }).pushMany(points).scores;
    const all = detector.stream({ learn });
    const byPushAll = points.map((v) => all.pushAll([v]).scores[0]!);
    expect(byPushAll).toEqual(Array.from(byPush));
    expect(all.learning!.rounds).toBe(10);
  });

  it('keeps what it learnt across reset() and trains only on points pushed after it', () => {
    const points = regimeChange(400);
    const learning = detector.stream({ learn });
    learning.pushMany(points);
    const learnt = learning.network().getFlatParameters();
    learning.reset();
    // The round started at push 400 is dropped, and a window with its target needs 26 points, so
    // the boundary at push 425 starts none.
    learning.pushMany(points.slice(0, 25));
    expect(Array.from(learning.network().getFlatParameters())).toEqual(Array.from(learnt));
    learning.pushMany(points.slice(0, 50));
    expect(Array.from(learning.network().getFlatParameters())).not.toEqual(Array.from(learnt));
  });

  it('dispose() during a round is safe: no crash, no unhandled rejection, later pushes throw ERR_DISPOSED', async () => {
    for (const deterministic of [true, false]) {
      const learning = detector.stream({ learn: { every: 30, windows: 64, epochs: 100, deterministic } });
      learning.pushMany(regimeChange(30)); // the boundary after push 30 launches round 1 on the worker
      await new Promise((resolve) => setImmediate(resolve));
      learning.dispose();
      learning.dispose();
      let caught: unknown;
      try {
        learning.push(0.5);
      } catch (error) {
        caught = error;
      }
      expectTypedError(caught, NativeError, 'ERR_DISPOSED', /disposed/);
      await sleep(200);
    }
  });

  it('rejects bad learn options with typed errors', () => {
    const bad: [unknown, typeof InvalidArgumentError | typeof OutOfRangeError, RegExp][] = [
      [null, InvalidArgumentError, /options\.learn must be an object/],
      [[1], InvalidArgumentError, /options\.learn must be an object/],
      [{ evry: 5 }, InvalidArgumentError, /unknown key "evry"/],
      [{ every: 0 }, OutOfRangeError, /options\.learn\.every must be an integer in \[1, 1000000000\], got 0/],
      [{ every: 2.5 }, InvalidArgumentError, /options\.learn\.every must be an integer/],
      [{ windows: 0 }, OutOfRangeError, /options\.learn\.windows must be an integer in \[1, 65536\]/],
      [{ windows: '8' }, InvalidArgumentError, /options\.learn\.windows must be an integer/],
      [{ learningRate: 0 }, OutOfRangeError, /options\.learn\.learningRate must be > 0/],
      [{ learningRate: 11 }, OutOfRangeError, /options\.learn\.learningRate must be <= 10/],
      [{ learningRate: NaN }, InvalidArgumentError, /options\.learn\.learningRate must be a number/],
      [{ epochs: 1001 }, OutOfRangeError, /options\.learn\.epochs must be an integer in \[1, 1000\]/],
      [{ deterministic: 'yes' }, InvalidArgumentError, /options\.learn\.deterministic must be true or false/],
    ];
    for (const [options, kind, message] of bad) {
      let caught: unknown;
      try {
        detector.stream({ learn: options as LearnOptions });
      } catch (error) {
        caught = error;
      }
      expectTypedError(caught, kind, /^ERR_/, message);
    }
    let caught: unknown;
    try {
      detector.stream({ streams: 2, learn });
    } catch (error) {
      caught = error;
    }
    expectTypedError(caught, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options\.learn needs options\.streams 1/);
  });

  it('refuses a round larger than the per-round limit', async () => {
    const wide = new Detector({ ...quick, window: 300, epochs: 1, windowsPerEpoch: 64 });
    await wide.fit(sine(800));
    let caught: unknown;
    try {
      wide.stream({ learn: { windows: 60_000 } });
    } catch (error) {
      caught = error;
    }
    expectTypedError(caught, OutOfRangeError, 'ERR_OUT_OF_RANGE', /at most 16777216 values per round, got 60000 x 300/);
  });
});
