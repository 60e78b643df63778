/**
 * NAB's protocol for a learning detector: one pass over each file, no look-ahead. The Detector
 * is fitted on the probationary rows only, then every later row is pushed through its stream
 * and scored from the rows before it. Optionally the detector is refitted from scratch on all
 * rows seen so far every `refitEvery` rows (continued learning on passed data); the new stream
 * is warmed up with the rows just before the refit point. With `learn` the stream keeps
 * training on the rows pushed to it (a learning stream, deterministic for a seed and the push
 * sequence), so the forecaster follows the series as it changes, as NAB's learning detectors
 * do. The per-row prediction error is kept raw here; nab-online-score.ts turns it into NAB's
 * [0, 1] score.
 */
import { Detector } from '../../src/detector/detector.js';
import type { DetectorOptions } from '../../src/detector/detector-options.js';
import type { LearnOptions } from '../../src/streaming/online-learner.js';

export interface OnlineConfig {
  /** Detector options; `score` should be 'absolute' or 'squared' (the error that is mapped). */
  detector: DetectorOptions;
  /** The stream's online learning; null: the stream scores with the fitted weights only. */
  learn: LearnOptions | null;
  /** Refit on everything seen every this many rows after the probationary period; 0 = never. */
  refitEvery: number;
}

export interface OnlineErrors {
  /** Raw prediction error per row (probationary rows: errors of the first fit); 0 without a prediction. */
  errors: Float32Array;
  fits: number;
  window: number;
}

export async function onlineErrors(
  values: Float64Array,
  probation: number,
  config: OnlineConfig,
): Promise<OnlineErrors> {
  const rows = values.length;
  const errors = new Float32Array(rows);
  let fits = 0;
  let window = 0;
  let start = probation;
  while (start < rows) {
    const end = config.refitEvery > 0 ? Math.min(rows, start + config.refitEvery) : rows;
    const detector = new Detector(config.detector);
    // Only rows before `start` are ever given to fit: the past, never the rows being scored.
    await detector.fit(values.subarray(0, start));
    fits++;
    window = detector.config.window;
    const stream = detector.stream(config.learn === null ? {} : { learn: config.learn });
    // The rows the model was fitted on are streamed too: their errors (in-sample, and on the
    // validation tail) let the score mapping start from a known error level. They are kept
    // only the first time, before any refit has seen later rows. A learning stream trains on
    // them as well: they are the past, like every row it learns from.
    const warm = stream.pushMany(values.subarray(0, start));
    if (fits === 1) for (let r = 0; r < start; r++) errors[r] = warm.ready[r] === 1 ? warm.scores[r]! : 0;
    const scored = stream.pushMany(values.subarray(start, end));
    for (let k = 0; k < end - start; k++) errors[start + k] = scored.ready[k] === 1 ? scored.scores[k]! : 0;
    stream.dispose();
    start = end;
  }
  return { errors, fits, window };
}
