/**
 * detector.update under options.contamination: extreme rows of the update batch (scored by the
 * model before the update) are left out of the fine-tuning and of the re-calibration; holdout
 * models update as they always did.
 */
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { sine } from './helpers/sine.js';

const quick = { hidden: 8, window: 25, epochs: 6, windowsPerEpoch: 256, learningRate: 0.01, seed: 5 } as const;
const fitRows = 1200;
const updateRows = 800;
const spikes = [250, 550];

/** The rows after the fit series, with +4 spikes at the given rows of the batch. */
function continuation(withSpikes: boolean): number[] {
  const x = sine(updateRows, fitRows);
  if (withSpikes) for (const r of spikes) x[r]! += 4;
  return x;
}

async function fitted(options: ConstructorParameters<typeof Detector>[0]): Promise<Uint8Array> {
  const detector = new Detector({ ...quick, ...options });
  await detector.fit(sine(fitRows));
  return detector.toBuffer();
}

describe('update with contamination', () => {
  it('leaves spikes of the update rows out of fine-tuning and re-calibration, so they do not inflate the threshold', async () => {
    const auto = await fitted({});
    const off = await fitted({ contamination: 0 });
    const trimmed = await Detector.fromBuffer(auto).update(continuation(true), { epochs: 2 });
    const clean = await Detector.fromBuffer(auto).update(continuation(false), { epochs: 2 });
    const plain = await Detector.fromBuffer(off).update(continuation(true), { epochs: 2 });

    // Each spike takes its row, the window that reads it and the smoothing's 1% memory.
    expect(trimmed.contaminatedRows!).toBeGreaterThanOrEqual(spikes.length * (1 + 25));
    expect(trimmed.contaminatedRows!).toBeLessThan(0.3 * updateRows);
    expect(clean.contaminatedRows).toBe(0);
    expect(plain.contaminatedRows).toBe(0);
    // Windows reading a dropped row are not trained on.
    expect(trimmed.windows).toBeLessThan(clean.windows);
    expect(plain.windows).toBe(clean.windows);
    expect(trimmed.thresholdRecalibrated).toBe(true);
    expect(trimmed.threshold!).toBeLessThan(1.5 * clean.threshold!);
    expect(plain.threshold!).toBeGreaterThan(2 * trimmed.threshold!);
  });

  it('leaves the dropped rows out of the Gaussian of loglik scores too', async () => {
    const options = { score: 'loglik', smoothing: 0 } as const;
    const auto = await fitted(options);
    const off = await fitted({ ...options, contamination: 0 });
    const trimmed = await Detector.fromBuffer(auto).update(continuation(true), { epochs: 1 });
    const plain = await Detector.fromBuffer(off).update(continuation(true), { epochs: 1 });
    // Without smoothing a spike echoes only into the windows that read it.
    expect(trimmed.contaminatedRows!).toBeGreaterThanOrEqual(spikes.length * (1 + 25));
    expect(Number.isFinite(trimmed.threshold!)).toBe(true);
    expect(plain.threshold!).toBeGreaterThan(trimmed.threshold!);
  });

  it('drops a fixed share of the update rows at least', async () => {
    const share = await fitted({ contamination: 0.02 });
    const update = await Detector.fromBuffer(share).update(continuation(true), { epochs: 1 });
    // 2% of the scored update rows, then their echoes.
    expect(update.contaminatedRows!).toBeGreaterThanOrEqual(Math.floor(0.02 * updateRows));
  });

  it('leaves holdout models as they were: contamination changes nothing in their update', async () => {
    const holdoutAuto = await fitted({ calibration: 'holdout' });
    const holdoutOff = await fitted({ calibration: 'holdout', contamination: 0 });
    const a = Detector.fromBuffer(holdoutAuto);
    const b = Detector.fromBuffer(holdoutOff);
    const ua = await a.update(continuation(true), { epochs: 2 });
    const ub = await b.update(continuation(true), { epochs: 2 });
    expect(ua.contaminatedRows).toBe(0);
    expect({ ...ua, elapsedMs: 0 }).toEqual({ ...ub, elapsedMs: 0 });
    // The 25 context rows and 800 new rows hold 800 whole windows of 25 inputs and 1 target.
    expect(ua.windows).toBe(updateRows);
    const next = sine(400, fitRows + updateRows);
    const da = await a.detect(next, { context: 'training' });
    const db = await b.detect(next, { context: 'training' });
    expect(Array.from(da.scores)).toEqual(Array.from(db.scores));
    expect(da.threshold).toEqual(db.threshold);
  });
});
