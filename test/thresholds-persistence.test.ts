import { describe, expect, it } from 'vitest';
import { ModelFileError, RnnAnomalyError } from '../src/core/errors.js';
import { fitThreshold, thresholdFromJSON, type ThresholdState } from '../src/thresholds/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

function states(): Record<string, ThresholdState> {
  const rng = new Xoshiro128(1);
  const calibration = Float64Array.from({ length: 3000 }, () => -Math.log1p(-rng.nextFloat()));
  const out: Record<string, ThresholdState> = {};
  for (const spec of [
    { method: 'percentile' },
    { method: 'ksigma' },
    { method: 'pot' },
    { method: 'spot', depth: 3 },
    { method: 'dynamic', window: 200, batch: 20 },
  ] as const) {
    const model = fitThreshold(spec, calibration);
    for (let i = 0; i < 500; i++) model.update(-Math.log1p(-rng.nextFloat()));
    out[spec.method] = JSON.parse(JSON.stringify(model)) as ThresholdState;
  }
  return out;
}

function modelFileError(json: unknown): ModelFileError & { code: string } {
  try {
    thresholdFromJSON(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error).toBeInstanceOf(RnnAnomalyError);
    return error as ModelFileError & { code: string };
  }
  throw new Error('expected a ModelFileError');
}

describe('thresholdFromJSON', () => {
  it('restores every method to the same spec and current threshold', () => {
    for (const [method, state] of Object.entries(states())) {
      const restored = thresholdFromJSON(state);
      expect(restored.method).toBe(method);
      expect(restored.spec).toEqual(state.spec);
      expect(JSON.parse(JSON.stringify(restored))).toEqual(state);
    }
  });

  it('rejects foreign and newer formats', () => {
    const { pot } = states();
    expect(modelFileError('pot').message).toBe('threshold must be an object, got the string "pot"');
    expect(modelFileError({ ...pot, format: 'other' }).message).toContain(
      "threshold.format must be 'rnn-anomaly/threshold'",
    );
    const newer = modelFileError({ ...pot, version: 2 });
    expect(newer.code).toBe('ERR_MODEL_VERSION');
    expect(newer.message).toContain('threshold.version 2 is newer than this library reads (1)');
    expect(modelFileError({ ...pot, version: '1' }).code).toBe('ERR_MODEL_FILE');
  });

  it('names the corrupted field', () => {
    const all = states();
    const cases: [unknown, string][] = [
      [{ ...all.pot, spec: { method: 'pot', q: 2 } }, 'invalid saved threshold: threshold.spec.q must be in'],
      [{ ...all.pot, threshold: null }, 'threshold.threshold must be a finite number, got null'],
      [
        { ...all.ksigma, calibration: { count: -1, mean: 0, std: 1 } },
        'threshold.calibration.count must be an integer',
      ],
      [
        { ...all.spot, state: { ...(all.spot as { state: object }).state, calibrationPeaks: [1, -2] } },
        'threshold.state.calibrationPeaks[1] must be a positive excess, got -2',
      ],
      [
        { ...all.spot, state: { ...(all.spot as { state: object }).state, drift: [1] } },
        'threshold.state.drift must hold depth = 3 scores, got 1',
      ],
      [
        { ...all.spot, state: { ...(all.spot as { state: object }).state, streamBounds: [] } },
        'threshold.state.streamBounds must hold one bound per stream peak',
      ],
      [
        { ...all.dynamic, state: { ...(all.dynamic as { state: object }).state, sinceEvaluation: 20 } },
        'threshold.state.sinceEvaluation must be an integer in [0, 19], got 20',
      ],
      [
        { ...all.dynamic, state: { ...(all.dynamic as { state: object }).state, history: new Array(201).fill(0) } },
        'threshold.state.history must hold at most window = 200 scores, got 201',
      ],
    ];
    for (const [json, message] of cases) expect(modelFileError(json).message).toContain(message);
  });
});
