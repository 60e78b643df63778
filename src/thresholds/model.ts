import type { ScoreArray } from './scores.js';
import type { ResolvedThresholdSpec, ThresholdMethod } from './spec.js';

/** Thresholds and flags for a run of scores. */
export interface ThresholdResult {
  /**
   * One number when the threshold is the same for every score (percentile, ksigma, pot), one
   * value per score when it moves (spot, dynamic).
   */
  threshold: number | Float32Array;
  /** 1 where the score is anomalous. For percentile, ksigma, pot and spot that is exactly score > threshold; dynamic also flags its buffer rows and drops pruned sequences. */
  flags: Uint8Array;
}

/** The verdict on one streamed score. */
export interface ThresholdDecision {
  /** The threshold the score was compared with (before the score updated any state). */
  threshold: number;
  flag: 0 | 1;
}

export interface ApplyAsyncOptions {
  signal?: AbortSignal;
}

/** Persisted form of a fitted threshold; plain JSON (numbers, strings, booleans, arrays). */
export interface ThresholdStateBase {
  format: 'rnn-anomaly/threshold';
  version: 1;
  spec: ResolvedThresholdSpec;
}

/**
 * A threshold fitted on calibration scores. `apply` judges a whole run of scores without
 * changing the model (so detecting twice gives the same answer); `update` judges one streamed
 * score and, for spot and dynamic, learns from it.
 */
export interface ThresholdModel {
  readonly method: ThresholdMethod;
  /** The spec with every default filled in. */
  readonly spec: ResolvedThresholdSpec;
  /** The threshold the next streamed score will be compared with; null while dynamic has too little history. */
  readonly current: number | null;
  apply(scores: ScoreArray): ThresholdResult;
  /** Same as `apply`, in slices that give the event loop back; rejects with AbortError when `signal` aborts. */
  applyAsync(scores: ScoreArray, options?: ApplyAsyncOptions): Promise<ThresholdResult>;
  update(score: number): ThresholdDecision;
  /** An independent copy (e.g. one online state per stream). */
  clone(): ThresholdModel;
  toJSON(): ThresholdStateBase;
}
