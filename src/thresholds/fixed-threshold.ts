import { runSteps, runStepsAsync, checkSignal, type Steps } from './cooperative.js';
import type {
  ApplyAsyncOptions,
  ThresholdDecision,
  ThresholdModel,
  ThresholdResult,
  ThresholdStateBase,
} from './model.js';
import type { TailFit } from './pot.js';
import { finiteScore, finiteScores, type ScoreArray } from './scores.js';
import type { ResolvedKSigmaSpec, ResolvedPercentileSpec, ResolvedPotSpec } from './spec.js';

export type FixedThresholdSpec = ResolvedPercentileSpec | ResolvedKSigmaSpec | ResolvedPotSpec;

/** What the calibration scores looked like, kept for reports and model inspection. */
export interface CalibrationSummary {
  count: number;
  mean: number;
  std: number;
  /** POT only: the fitted tail. */
  tail?: {
    initialThreshold: number;
    peaks: number;
    gamma: number;
    sigma: number;
    shapeEstimated: boolean;
  };
}

export interface FixedThresholdState extends ThresholdStateBase {
  spec: FixedThresholdSpec;
  threshold: number;
  calibration: CalibrationSummary;
}

const CHUNK = 1 << 16;

/** A threshold that stays put once fitted: percentile, ksigma and pot. */
export class FixedThreshold implements ThresholdModel {
  readonly method: FixedThresholdSpec['method'];

  constructor(
    readonly spec: FixedThresholdSpec,
    /** Scores strictly above this are anomalous. */
    readonly value: number,
    readonly calibration: CalibrationSummary,
  ) {
    this.method = spec.method;
  }

  /** A POT threshold from its tail fit, with the calibration scores' count, mean and std. */
  static fromTail(
    spec: ResolvedPotSpec,
    tail: TailFit,
    stats: { count: number; mean: number; std: number },
  ): FixedThreshold {
    return new FixedThreshold(spec, tail.threshold, {
      ...stats,
      tail: {
        initialThreshold: tail.initialThreshold,
        peaks: tail.excesses.length,
        gamma: tail.gpd.gamma,
        sigma: tail.gpd.sigma,
        shapeEstimated: tail.gpd.shapeEstimated,
      },
    });
  }

  get current(): number {
    return this.value;
  }

  apply(scores: ScoreArray): ThresholdResult {
    return runSteps(this.steps(scores));
  }

  applyAsync(scores: ScoreArray, options: ApplyAsyncOptions = {}): Promise<ThresholdResult> {
    try {
      const signal = checkSignal(options.signal, 'options.signal');
      return runStepsAsync(this.steps(scores), signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  update(score: number): ThresholdDecision {
    return { threshold: this.value, flag: finiteScore(score, 'score') > this.value ? 1 : 0 };
  }

  /** A fixed threshold never changes, so it is its own copy. */
  clone(): FixedThreshold {
    return this;
  }

  toJSON(): FixedThresholdState {
    return {
      format: 'rnn-anomaly/threshold',
      version: 1,
      spec: { ...this.spec },
      threshold: this.value,
      calibration: structuredClone(this.calibration),
    };
  }

  private *steps(scores: ScoreArray): Steps<ThresholdResult> {
    const values = finiteScores(scores, 'scores', 0);
    const flags = new Uint8Array(values.length);
    const threshold = this.value;
    for (let start = 0; start < values.length; start += CHUNK) {
      const end = Math.min(values.length, start + CHUNK);
      for (let i = start; i < end; i++) flags[i] = values[i]! > threshold ? 1 : 0;
      yield;
    }
    return { threshold, flags };
  }
}
