/**
 * One scorer serves every path: a row gets the same score whether the series is detected whole,
 * split at a row with the first part as context (the training series, or a TimeSeries), or
 * pushed through a stream. All paths round the same float32 network outputs and run the same
 * scorer over them, so the scores must be equal bit for bit, not merely close.
 */
import { describe, expect, it } from 'vitest';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import type { DetectorOptions } from '../src/detector/detector-options.js';
import { decodeModelFile, encodeModelFile } from '../src/persistence/model-file.js';

function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

const ROWS = 700;

/** A noisy sine with a level shift late in the series, one or two columns. */
function series(columns: 1 | 2): TimeSeries {
  const values = Array.from({ length: ROWS }, (_, i) => {
    const v = Math.sin((2 * Math.PI * i) / 25) + 0.05 * noise(i) + (i >= 620 && i < 640 ? 1.5 : 0);
    return columns === 1 ? [v] : [v, 0.5 * Math.cos(i / 4) + 0.05 * noise(i + 999)];
  });
  return TimeSeries.fromArrays({ values, columnNames: columns === 1 ? ['value'] : ['value', 'other'] });
}

const quick = { hidden: 8, window: 25, epochs: 3, windowsPerEpoch: 256, learningRate: 0.01, seed: 5 } as const;

describe('whole, split and streamed scores agree on every row', () => {
  const cases: { name: string; options: DetectorOptions; columns: 1 | 2 }[] = [
    { name: 'forecast, absolute, smoothing span 20', options: { ...quick }, columns: 1 },
    {
      name: 'reconstruct, squared, smoothing span 5',
      options: { ...quick, mode: 'reconstruct', score: 'squared', smoothing: 5 },
      columns: 1,
    },
    {
      name: 'forecast, loglik, 2 columns, smoothing alpha 0.3',
      options: { ...quick, score: 'loglik', smoothing: 0.3 },
      columns: 2,
    },
  ];
  for (const c of cases) {
    for (const cut of [300, 451, 600]) {
      it(`${c.name}, fitted on rows 0..${cut - 1}`, async () => {
        const all = series(c.columns);
        const detector = new Detector({ ...c.options, threshold: { method: 'ksigma', k: 3 } });
        await detector.fit(all.slice(0, cut));
        const whole = await detector.detect(all);
        const rest = all.slice(cut);
        const afterTraining = await detector.detect(rest, { context: 'training' });
        const afterContext = await detector.detect(rest, { context: all.slice(0, cut) });

        expect(afterTraining.unscored).toBe(0);
        expect(afterContext.unscored).toBe(0);
        expect(Array.from(afterTraining.scores)).toEqual(Array.from(whole.scores.subarray(cut)));
        expect(Array.from(afterContext.scores)).toEqual(Array.from(whole.scores.subarray(cut)));
        expect(Array.from(afterTraining.featureScores)).toEqual(
          Array.from(whole.featureScores.subarray(cut * afterTraining.featureNames.length)),
        );
        // A saved model keeps the smoothing state of its training end.
        const loaded = Detector.fromBuffer(detector.toBuffer());
        expect(Array.from((await loaded.detect(rest, { context: 'training' })).scores)).toEqual(
          Array.from(afterTraining.scores),
        );

        const stream = detector.stream();
        const streamed = stream.pushMany(Array.from({ length: ROWS }, (_, r) => Array.from(all.row(r))));
        const first = whole.unscored;
        expect(Array.from(streamed.ready)).toEqual(Array.from({ length: ROWS }, (_, r) => (r >= first ? 1 : 0)));
        expect(Array.from(streamed.scores.subarray(first))).toEqual(Array.from(whole.scores.subarray(first)));
      });
    }
  }
});

describe('model files written before the smoothing state was saved', () => {
  it('load, and restart the smoothing at the cut as they did', async () => {
    const all = series(1);
    const cut = 400;
    const detector = new Detector({ ...quick, threshold: { method: 'ksigma', k: 3 } });
    await detector.fit(all.slice(0, cut));
    const contents = decodeModelFile(detector.toBuffer());
    delete (contents.payload as { trainingEnd?: unknown }).trainingEnd;
    const old = Detector.fromBuffer(encodeModelFile(contents));

    const rest = all.slice(cut);
    const restarted = await detector.detect(rest, { context: all.slice(cut - detector.config.window, cut) });
    const continued = await detector.detect(rest, { context: 'training' });
    expect(Array.from((await old.detect(rest, { context: 'training' })).scores)).toEqual(Array.from(restarted.scores));
    expect(Array.from(restarted.scores)).not.toEqual(Array.from(continued.scores));
  });
});
