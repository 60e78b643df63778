/**
 * A Gaussian-head model with multi-step scoring served over loopback: each point's score,
 * threshold and flag over HTTP equal detector.stream()'s, and the features responsible are
 * shares in [0, 1] even where a feature's NLL is negative.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import { COLUMNS, point, request, startService, tempDir } from './serving-helpers.js';

describe('serving a Gaussian head with horizonScore mean', () => {
  it('scores every point as detector.stream() does, with features as non-negative shares', async () => {
    const dir = await tempDir();
    const detector = new Detector({
      hidden: 8,
      window: 12,
      epochs: 15,
      windowsPerEpoch: 256,
      learningRate: 0.01,
      seed: 3,
      head: 'gaussian',
      horizon: 3,
      horizonScore: 'mean',
    });
    await detector.fit(
      TimeSeries.fromArrays({ values: Array.from({ length: 600 }, (_, i) => point(i)), columnNames: COLUMNS }),
    );
    const modelPath = join(dir.dir, 'gaussian.rnnad');
    await detector.save(modelPath);
    const service = await startService(modelPath);
    try {
      const streams = ['a', 'b'];
      const local = streams.map(() => detector.stream());
      let negativeParts = 0;
      for (let t = 0; t < 40; t += 4) {
        // Four points of each stream per request, the streams interleaved; a spike in b at 33.
        const points = [];
        for (let k = t; k < t + 4; k++)
          for (const [s, key] of streams.entries()) {
            const values = point(k, 5 * s);
            if (key === 'b' && k === 33) values[0] += 6;
            points.push({ stream: key, values });
          }
        const response = await request(service.address, 'POST', '/v1/models/m/points', { points });
        expect(response.status).toBe(200);
        points.forEach((p, i) => {
          const want = local[streams.indexOf(p.stream)]!.push(p.values);
          const got = response.body.results[i];
          expect(got.ready).toBe(want.ready);
          expect(got.score).toBe(want.ready ? want.score : 0);
          expect(got.anomaly).toBe(want.flag === 1);
          if (want.ready && Number.isFinite(want.threshold)) expect(got.threshold).toBe(Math.fround(want.threshold));
          const shares = (got.features as { contribution: number }[]).map((f) => f.contribution);
          for (const c of shares) {
            expect(c).toBeGreaterThanOrEqual(0);
            expect(c).toBeLessThanOrEqual(1);
          }
          if (shares.length > 0) expect(shares.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
          if (shares.includes(0)) negativeParts++;
        });
      }
      expect(local[0]!.push(point(40)).ready).toBe(true);
      // The NLL of a well-predicted feature is below 0 here: the clamp was exercised.
      expect(negativeParts).toBeGreaterThan(0);
    } finally {
      await service.stop();
      await dir.remove();
    }
  });
});
