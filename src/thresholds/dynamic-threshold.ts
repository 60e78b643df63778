import { runSteps, runStepsAsync, checkSignal } from './cooperative.js';
import type {
  ApplyAsyncOptions,
  ThresholdDecision,
  ThresholdModel,
  ThresholdResult,
  ThresholdStateBase,
} from './model.js';
import { nonparametricSteps, selectEpsilon } from './nonparametric.js';
import { finiteScore, finiteScores, type ScoreArray } from './scores.js';
import type { ResolvedDynamicSpec } from './spec.js';
import { meanAndStd } from './statistics.js';

/** The streaming form's memory: recent scores and the thresholds last chosen from them. */
export interface DynamicState {
  /** The last `window` scores at most, oldest first. */
  history: number[];
  /** Scores streamed since epsilon was last chosen. */
  sinceEvaluation: number;
  /** Upward threshold; null until `batch` scores of history exist. */
  epsilon: number | null;
  /** With `inverse`: scores below this are anomalous too. */
  lower: number | null;
}

export interface DynamicThresholdState extends ThresholdStateBase {
  spec: ResolvedDynamicSpec;
  state: DynamicState;
}

/**
 * telemanom's nonparametric dynamic threshold.
 *
 * `apply` runs the published procedure on the scores it is given, exactly as telemanom runs it
 * on a test set: calibration scores play no part, the threshold is re-chosen every `batch` rows
 * from the trailing `window`, flagged rows are widened by `buffer` and weak sequences pruned.
 *
 * `update` is the streaming approximation: it keeps the last `window` scores (seeded with the
 * tail of the calibration scores), re-chooses epsilon the same way every `batch` scores, and
 * flags a score above it at once. Widening and pruning need rows that have not arrived yet, so
 * the streaming form does neither.
 */
export class DynamicThreshold implements ThresholdModel {
  readonly method = 'dynamic' as const;
  private readonly history: Float64Array;
  private readonly scratch: Float64Array;
  private count = 0;
  private oldest = 0;
  private sinceEvaluation = 0;
  private epsilon: number | null = null;
  private lower: number | null = null;

  private constructor(readonly spec: ResolvedDynamicSpec) {
    this.history = new Float64Array(spec.window);
    this.scratch = new Float64Array(spec.window);
  }

  /** Calibration scores are optional; their last `window` seed the streaming history. */
  static fromCalibration(spec: ResolvedDynamicSpec, calibration: Float64Array | undefined): DynamicThreshold {
    const model = new DynamicThreshold(spec);
    if (calibration !== undefined) {
      for (let i = Math.max(0, calibration.length - spec.window); i < calibration.length; i++)
        model.remember(calibration[i]!);
      if (model.count >= spec.batch) model.choose();
    }
    return model;
  }

  static fromState(spec: ResolvedDynamicSpec, state: DynamicState): DynamicThreshold {
    const model = new DynamicThreshold(spec);
    for (const v of state.history) model.remember(v);
    model.sinceEvaluation = state.sinceEvaluation;
    model.epsilon = state.epsilon;
    model.lower = state.lower;
    return model;
  }

  get current(): number | null {
    return this.epsilon;
  }

  apply(scores: ScoreArray): ThresholdResult {
    return runSteps(nonparametricSteps(finiteScores(scores, 'scores', 0), this.spec));
  }

  applyAsync(scores: ScoreArray, options: ApplyAsyncOptions = {}): Promise<ThresholdResult> {
    try {
      const signal = checkSignal(options.signal, 'options.signal');
      return runStepsAsync(nonparametricSteps(finiteScores(scores, 'scores', 0), this.spec), signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Before `batch` scores of history exist the threshold is +Infinity and nothing is flagged. */
  update(score: number): ThresholdDecision {
    const value = finiteScore(score, 'score');
    const epsilon = this.epsilon;
    const floor = this.spec.minScore ?? -Infinity;
    const above = epsilon !== null && value > epsilon && value > floor;
    const below = this.lower !== null && value < this.lower;
    this.remember(value);
    this.sinceEvaluation++;
    if (this.sinceEvaluation >= this.spec.batch) this.choose();
    return { threshold: epsilon ?? Infinity, flag: above || below ? 1 : 0 };
  }

  clone(): DynamicThreshold {
    return DynamicThreshold.fromState(this.spec, this.toJSON().state);
  }

  toJSON(): DynamicThresholdState {
    const history: number[] = [];
    for (let k = 0; k < this.count; k++) history.push(this.history[(this.oldest + k) % this.spec.window]!);
    return {
      format: 'rnn-anomaly/threshold',
      version: 1,
      spec: { ...this.spec },
      state: { history, sinceEvaluation: this.sinceEvaluation, epsilon: this.epsilon, lower: this.lower },
    };
  }

  private remember(value: number): void {
    const window = this.spec.window;
    if (this.count < window) {
      this.history[(this.oldest + this.count) % window] = value;
      this.count++;
    } else {
      this.history[this.oldest] = value;
      this.oldest = (this.oldest + 1) % window;
    }
  }

  private choose(): void {
    const window = this.spec.window;
    const ordered = this.scratch.subarray(0, this.count);
    for (let k = 0; k < this.count; k++) ordered[k] = this.history[(this.oldest + k) % window]!;
    this.sinceEvaluation = 0;
    this.epsilon = selectEpsilon(ordered, 0, this.count, this.spec.buffer).epsilon;
    if (this.spec.inverse) {
      const { mean } = meanAndStd(ordered);
      for (let k = 0; k < ordered.length; k++) ordered[k] = 2 * mean - ordered[k]!;
      this.lower = 2 * mean - selectEpsilon(ordered, 0, this.count, this.spec.buffer).epsilon;
    }
  }
}
