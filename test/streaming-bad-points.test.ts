/**
 * A streamed point that detect would reject (beyond float32, or infinite once scaled) is refused
 * with a typed error before it touches the stream: the stream goes on exactly as if it had never
 * been pushed. pushMany and pushAll check every point first, so they apply all or none.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';

const rows = Array.from({ length: 400 }, (_, i) => [Math.sin(i / 5), Math.cos(i / 7) + 0.1 * Math.sin(i * 1.3)]);
const history = rows.slice(0, 30);
const after = rows.slice(30, 60);

const detectors: Record<string, Detector> = {};
beforeAll(async () => {
  for (const score of ['absolute', 'loglik'] as const) {
    detectors[score] = new Detector({ hidden: 4, window: 8, epochs: 1, seed: 1, score, threshold: { method: 'spot' } });
    await detectors[score].fit(rows);
  }
});

/** Scaled by the model's zscore scaler (scale about 0.7), 3.4e38 lands beyond float32. */
const BAD_POINTS: [string, number[], RegExp][] = [
  ['finite, infinite once scaled', [3.4e38, 3.4e38], /scales to Infinity/],
  ['beyond float32', [3.5e38, 0], /beyond float32 range \(3\.5e\+38\)/],
  ['negative, infinite once scaled', [0, -3.4e38], /scales to -Infinity/],
];

function scoresAfter(stream: ReturnType<Detector['stream']>): number[] {
  return after.map((row) => stream.push(row).score);
}

describe('push of a point detect rejects', () => {
  for (const score of ['absolute', 'loglik'] as const) {
    for (const [name, point, message] of BAD_POINTS) {
      it(`${score} score, ${name}: ERR_INVALID_DATA and the stream unchanged`, async () => {
        const detector = detectors[score]!;
        await expect(detector.detect([...history, point, ...after])).rejects.toMatchObject({
          code: 'ERR_INVALID_DATA',
        });
        const clean = detector.stream();
        const hit = detector.stream();
        for (const row of history) {
          clean.push(row);
          hit.push(row);
        }
        expect(() => hit.push(point)).toThrow(message);
        expect(() => hit.push(point)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DATA' }));
        expect(scoresAfter(hit)).toEqual(scoresAfter(clean));
      });
    }
  }
});

describe('pushMany and pushAll with a point detect rejects', () => {
  it("pushMany with score 'loglik' applies none of the points", () => {
    const detector = detectors.loglik!;
    const clean = detector.stream();
    const hit = detector.stream();
    for (const row of history) {
      clean.push(row);
      hit.push(row);
    }
    expect(() => hit.pushMany([after[0]!, after[1]!, [3.4e38, 3.4e38], after[2]!])).toThrow(
      /points\[2\]\[0\] \(c0\) is 3\.4e\+38, which scales to Infinity/,
    );
    expect(scoresAfter(hit)).toEqual(scoresAfter(clean));
  });

  it('pushAll applies none of the streams', () => {
    const detector = detectors.absolute!;
    const clean = detector.stream({ streams: 2 });
    const hit = detector.stream({ streams: 2 });
    for (const row of history) {
      clean.pushAll([row, row]);
      hit.pushAll([row, row]);
    }
    expect(() => hit.pushAll([after[0]!, [0, -3.4e38]])).toThrow(/points\[1\]\[1\] \(c1\) is -3\.4e\+38/);
    for (const row of after)
      expect(Array.from(hit.pushAll([row, row]).scores)).toEqual(Array.from(clean.pushAll([row, row]).scores));
  });
});
