/**
 * The issue-12 options end to end: dropout, the Gaussian head with its NLL score, multi-step
 * scoring (horizonScore) from the Detector, its streams and its model file, and a model file
 * written before these options still loading and scoring as it did.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/data/read-csv.js';
import { Detector } from '../src/detector/detector.js';
import { AnomalyNetwork } from '../src/engine/anomaly-network.js';
import { gatherWindows } from '../src/engine/runtime.js';
import { AbortError, InvalidArgumentError, InvalidDataError, NotFittedError } from '../src/core/errors.js';
import { decodeModelFile } from '../src/persistence/model-file.js';
import { featureNll } from '../src/scoring/predictive-nll.js';
import { predictRows } from '../src/model/row-predictions.js';
import { randomArray } from './helpers/random.js';
import { twoColumnRows } from './helpers/two-column-series.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'model-files');

const rows = twoColumnRows;

const quick = { hidden: 8, window: 25, epochs: 3, windowsPerEpoch: 256, learningRate: 0.01, seed: 4 } as const;
const train = rows(600);
const test = rows(300, 200);

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

async function streamScores(detector: Detector, series: number[][]): Promise<Float32Array> {
  const stream = detector.stream();
  return stream.pushMany(series).scores;
}

describe('a model file from before the network options', () => {
  it('loads with the old behaviour and scores exactly as main 0c7a92f did', async () => {
    const detector = await Detector.load(join(FIXTURES, 'main-0c7a92f.rnnad'));
    const c = detector.config;
    expect([c.head, c.dropout, c.inputDropout, c.horizonScore]).toEqual(['point', 0, 0, 'first']);
    expect(detector.network.spec.head).toBe('point');
    const want = JSON.parse(readFileSync(join(FIXTURES, 'main-0c7a92f.detect.json'), 'utf8'));
    const series = await readCsv(join(FIXTURES, 'exchange-4-rows-1001-1299.csv'));
    const result = await detector.detect(series);
    expect(Array.from(result.scores).map((v, i) => (i < want.firstScoredRow ? null : v))).toEqual(want.scores);
    expect(result.threshold).toBe(want.threshold);
    expect(result.events.map((e) => ({ start: e.start, end: e.end }))).toEqual(want.events);
  });
});

describe('dropout', () => {
  it('trains reproducibly for a seed, differently from no dropout, and is kept by the model file', async () => {
    const options = { ...quick, layers: 2, dropout: 0.3, inputDropout: 0.1 };
    const a = new Detector(options);
    const b = new Detector(options);
    const plain = new Detector({ ...quick, layers: 2 });
    await Promise.all([a.fit(train), b.fit(train), plain.fit(train)]);
    expect(bits(b.network.getFlatParameters())).toEqual(bits(a.network.getFlatParameters()));
    expect(bits(plain.network.getFlatParameters())).not.toEqual(bits(a.network.getFlatParameters()));
    expect([a.config.dropout, a.config.inputDropout]).toEqual([0.3, 0.1]);
    const loaded = Detector.fromBuffer(a.toBuffer());
    expect([loaded.config.dropout, loaded.config.inputDropout, loaded.network.spec.dropout]).toEqual([0.3, 0.1, 0.3]);
    expect(bits((await loaded.detect(test)).scores)).toEqual(bits((await a.detect(test)).scores));
  });

  it('is a forecast-mode option in [0, 0.9]', () => {
    expect(() => new Detector({ dropout: 0.95 })).toThrow(RangeError);
    expect(() => new Detector({ mode: 'reconstruct', dropout: 0.2 })).toThrow(InvalidArgumentError);
  });
});

describe('Gaussian head', () => {
  it("row predictions carry exp(log-variance) + floor of the network's output", async () => {
    const net = new AnomalyNetwork(
      {
        cell: 'gru',
        inputSize: 2,
        hiddenSize: 5,
        layers: 1,
        mode: 'forecast',
        outputSize: 2,
        head: 'gaussian',
        varianceFloor: 0.01,
      },
      3,
    );
    const n = 40;
    const window = 8;
    const values = randomArray(n * 2, 9);
    const p = await predictRows({
      network: net,
      shape: { mode: 'forecast', window, horizon: 1 },
      values,
      rows: n,
      columns: 2,
      features: Int32Array.of(0, 1),
    });
    const x = new Float32Array(window * 2);
    gatherWindows(values, 2, Int32Array.of(10), window, x);
    const out = net.predict(x, 1, window);
    expect(Array.from(p.predicted.subarray(36, 38))).toEqual(Array.from(out.subarray(0, 2)));
    expect(Array.from(p.variance!.subarray(36, 38))).toEqual(
      [0, 1].map((f) => Math.fround(Math.exp(out[2 + f]!) + 0.01)),
    );
  });

  it("scores the NLL of each observation, the features' NLLs summing to it, the same in streams and after loading", async () => {
    const detector = new Detector({ ...quick, head: 'gaussian', smoothing: 0 });
    await detector.fit(train);
    expect(detector.config.score).toBe('nll');
    expect(detector.network.outputLength(25)).toBe(4);
    const result = await detector.detect(test);
    const first = result.unscored;
    for (let r = first; r < test.length; r += 37) {
      const sum = result.featureScores[r * 2]! + result.featureScores[r * 2 + 1]!;
      expect(Math.abs(result.scores[r]! - sum)).toBeLessThan(1e-5 * Math.max(1, Math.abs(sum)));
    }
    // The spike at row 200 is the least likely observation.
    const peak = result.scores.subarray(first).reduce((best, v, i, all) => (v > all[best]! ? i : best), 0) + first;
    expect(peak).toBe(200);
    expect(bits((await streamScores(detector, test)).subarray(first))).toEqual(bits(result.scores.subarray(first)));
    const loaded = Detector.fromBuffer(detector.toBuffer());
    expect([loaded.config.head, loaded.config.varianceFloor]).toEqual(['gaussian', 1e-4]);
    expect(bits((await loaded.detect(test)).scores)).toEqual(bits(result.scores));
  });

  it('featureNll is the Gaussian negative log-likelihood', () => {
    expect(featureNll(1, 1, 1)).toBeCloseTo(0.5 * Math.log(2 * Math.PI), 12);
    expect(featureNll(3, 1, 4)).toBeCloseTo(0.5 * (Math.log(4) + 1) + 0.5 * Math.log(2 * Math.PI), 12);
  });

  it("'nll' needs the Gaussian head, and the floor needs the head", () => {
    expect(() => new Detector({ score: 'nll' })).toThrow(InvalidArgumentError);
    expect(() => new Detector({ varianceFloor: 0.1 })).toThrow(InvalidArgumentError);
    expect(() => new Detector({ head: 'gaussian', mode: 'reconstruct' })).toThrow(InvalidArgumentError);
  });
});

describe('multi-step targets', () => {
  it("'mean' averages the 1..horizon-step predictions of a row", async () => {
    const net = new AnomalyNetwork(
      { cell: 'lstm', inputSize: 2, hiddenSize: 5, layers: 1, mode: 'forecast', outputSize: 3 * 2 },
      5,
    );
    const n = 40;
    const window = 6;
    const values = randomArray(n * 2, 19);
    const shape = { mode: 'forecast' as const, window, horizon: 3 };
    const input = { network: net, shape, values, rows: n, columns: 2, features: Int32Array.of(0, 1) };
    const mean = await predictRows({ ...input, horizonScore: 'mean' });
    const first = await predictRows(input);
    const x = new Float32Array(window * 2);
    const stepPrediction = (start: number, step: number, f: number): number => {
      gatherWindows(values, 2, Int32Array.of(start), window, x);
      return net.predict(x, 1, window)[step * 2 + f]!;
    };
    // Row 20 is predicted by the windows starting at 14 (1 step), 13 (2 steps) and 12 (3 steps).
    for (const f of [0, 1]) {
      const want = Math.fround(
        (Math.fround(Math.fround(stepPrediction(12, 2, f)) + stepPrediction(13, 1, f)) + stepPrediction(14, 0, f)) / 3,
      );
      expect(mean.predicted[20 * 2 + f]).toBe(want);
      expect(first.predicted[20 * 2 + f]).toBe(stepPrediction(14, 0, f));
      // Row `window` has a single prediction, from the first window.
      expect(mean.predicted[window * 2 + f]).toBe(first.predicted[window * 2 + f]);
    }
  });

  it('scores with the mean in detect and in streams alike, with point and Gaussian heads', async () => {
    for (const head of ['point', 'gaussian'] as const) {
      const options = { ...quick, horizon: 3, head, smoothing: 0 };
      const mean = new Detector({ ...options, horizonScore: 'mean' });
      const firstOnly = new Detector(options);
      await Promise.all([mean.fit(train), firstOnly.fit(train)]);
      // horizonScore changes scoring only: the same weights.
      expect(bits(mean.network.getFlatParameters())).toEqual(bits(firstOnly.network.getFlatParameters()));
      const a = await mean.detect(test);
      const b = await firstOnly.detect(test);
      const start = a.unscored;
      expect(a.scores[start]).toBe(b.scores[start]);
      expect(bits(a.scores.subarray(start + 3))).not.toEqual(bits(b.scores.subarray(start + 3)));
      expect(bits((await streamScores(mean, test)).subarray(start))).toEqual(bits(a.scores.subarray(start)));
      expect(Detector.fromBuffer(mean.toBuffer()).config.horizonScore).toBe('mean');
    }
  });
});

describe('continued learning (detector.update)', () => {
  const shifted = (n: number, from: number): number[][] =>
    rows(n + from)
      .slice(from)
      .map(([a, b]) => [a! + 1.5, b!]);

  it('fine-tunes on new rows with the scaler frozen, re-calibrates the threshold, and is kept by the model file', async () => {
    const detector = new Detector({ ...quick, smoothing: 0 });
    await detector.fit(train);
    const scalerBefore = decodeModelFile(detector.toBuffer()).payload as { scaler: unknown };
    const later = shifted(300, 900);
    const before = await detector.detect(later);
    const mean = (a: Float32Array, from: number): number =>
      a.subarray(from).reduce((s, v) => s + v, 0) / (a.length - from);
    const update = await detector.update(shifted(600, 600), { epochs: 4, learningRate: 0.01 });
    expect(update).toMatchObject({ rows: 600, epochs: 4, thresholdRecalibrated: true });
    expect(update.windows).toBe(600 + 25 - 26 + 1);
    const after = await detector.detect(later);
    expect(mean(after.scores, after.unscored)).toBeLessThan(0.5 * mean(before.scores, before.unscored));
    const payload = decodeModelFile(detector.toBuffer()).payload as { scaler: unknown };
    expect(payload.scaler).toEqual(scalerBefore.scaler);
    expect(detector.summary.threshold).toBe(update.threshold);
    expect(detector.summary.updates).toHaveLength(1);
    const loaded = Detector.fromBuffer(detector.toBuffer());
    expect(loaded.summary.updates).toEqual(detector.summary.updates);
    expect(bits((await loaded.detect(later)).scores)).toEqual(bits(after.scores));
  });

  it('is deterministic for the fit and the sequence of updates, from a loaded model too', async () => {
    const options = { ...quick, dropout: 0.2 };
    const a = new Detector(options);
    const b = new Detector(options);
    await Promise.all([a.fit(train), b.fit(train)]);
    const c = Detector.fromBuffer(a.toBuffer());
    for (const d of [a, b, c]) {
      await d.update(shifted(200, 600));
      await d.update(shifted(200, 800), { epochs: 2 });
    }
    const want = bits(a.network.getFlatParameters());
    expect(bits(b.network.getFlatParameters())).toEqual(want);
    expect(bits(c.network.getFlatParameters())).toEqual(want);
    expect(c.summary.updates!.map((u) => u.epochs)).toEqual([1, 2]);
  });

  it('an aborted or refused update changes nothing', async () => {
    const detector = new Detector(quick);
    await detector.fit(train);
    const weights = bits(detector.network.getFlatParameters());
    const controller = new AbortController();
    controller.abort();
    await expect(detector.update(shifted(200, 600), { signal: controller.signal })).rejects.toThrow(AbortError);
    await expect(detector.update(shifted(200, 600), { epochs: 0 })).rejects.toThrow(RangeError);
    await expect(detector.update(shifted(200, 600), { rate: 1 } as never)).rejects.toThrow(InvalidArgumentError);
    await expect(detector.update([[1, 2, 3]])).rejects.toThrow(InvalidDataError);
    expect(bits(detector.network.getFlatParameters())).toEqual(weights);
    expect(detector.summary.updates).toBeUndefined();
    await expect(new Detector().update(train)).rejects.toThrow(NotFittedError);
  });
});
