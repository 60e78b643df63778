import { InvalidDataError } from '../core/errors.js';
import { runSteps, runStepsAsync, checkSignal, type Steps } from './cooperative.js';
import { fitGpd, MIN_EXCESSES_FOR_SHAPE, type GpdFit } from './gpd.js';
import type {
  ApplyAsyncOptions,
  ThresholdDecision,
  ThresholdModel,
  ThresholdResult,
  ThresholdStateBase,
} from './model.js';
import { fitTail, tailQuantile } from './pot.js';
import { finiteScore, finiteScores, type ScoreArray } from './scores.js';
import type { ResolvedSpotSpec } from './spec.js';
import { fitTruncatedTail } from './truncated-gpd.js';

/** Everything SPOT learns online; restoring it continues the stream exactly where it stopped. */
export interface SpotState {
  /** t, fixed at initialisation. */
  initialThreshold: number;
  /** n: scores counted towards the rate of peaks (anomalies are not; fractional once peaks are forgotten). */
  observations: number;
  /** Excesses over t found in the calibration scores; kept for good. */
  calibrationPeaks: number[];
  /** Excesses over t accepted from the stream, in ring-buffer slot order. */
  streamPeaks: number[];
  /** Per stream peak, the largest excess it could have had when accepted (z_q - t at that moment). */
  streamBounds: number[];
  /** Slot of the oldest stream peak (the next one replaced once `maxPeaks` are held). */
  oldest: number;
  gamma: number;
  sigma: number;
  shapeEstimated: boolean;
  /** z_q, in units of the drift-corrected score for DSPOT. */
  threshold: number;
  /** DSPOT: the last `depth` normal scores, oldest first; empty for SPOT. */
  drift: number[];
}

export interface SpotThresholdState extends ThresholdStateBase {
  spec: ResolvedSpotSpec;
  state: SpotState;
}

const CHUNK = 4096;
/**
 * After a refit, z_q - t may be at most this many times the largest excess held. On a stationary
 * stream the largest peak sits just under z_q (the stream peaks are cut off there), so this does
 * not bind (0 of ~29,000 refits measured on stationary exponential and GPD streams); it stops a
 * refit from placing z_q far beyond every score it has seen, which only a misfitting tail does.
 */
const MAX_EXTRAPOLATION = 2;

type TailShape = Pick<GpdFit, 'gamma' | 'sigma' | 'shapeEstimated'>;

/**
 * SPOT and DSPOT (Siffer et al., KDD 2017). A score above z_q is an anomaly and teaches the
 * model nothing; a score between t and z_q is a new peak, after which the GPD is refitted and
 * z_q moves; any other score only counts towards n. DSPOT runs the same on the excess of each
 * score over the mean of the last `depth` normal scores, so a slowly drifting baseline does not
 * trip the alarm.
 *
 * Departures from the paper, measured on stationary streams and on slowly growing anomalies
 * (see the tests):
 * - Refits condition every stream peak on having been below z_q when it arrived (see
 *   truncated-gpd.ts). The paper's plain refit reads the missing top of the tail as a lighter
 *   tail, so z_q sinks and the false-alarm rate grows the longer the stream runs.
 * - That conditioning leaves the tail above z_q to extrapolation, and a score creeping upwards
 *   just under z_q then reads as a heavier tail: z_q rises, the next score lands under it again,
 *   and z_q runs away (to 10^5 on NAB machine temperature with scores below 1). So refits keep
 *   the exponential tail unless the peaks significantly show another shape, never take a shape
 *   above 1/2, and never put z_q more than MAX_EXTRAPOLATION times the largest excess above t.
 * - At most `maxPeaks` stream peaks are kept, oldest forgotten first, so memory and refit time
 *   stay bounded; n shrinks in proportion so forgetting leaves the rate N_t / n unchanged. The
 *   calibration peaks are never forgotten: they are the only peaks not truncated at z_q, and
 *   they hold the model's knowledge of the far tail.
 */
export class SpotThreshold implements ThresholdModel {
  readonly method = 'spot' as const;
  /** Calibration peaks first, then the stream-peak ring; `bounds` is Infinity for calibration peaks. */
  private readonly peaks: Float64Array;
  private readonly bounds: Float64Array;
  private streamCount: number;
  private oldest: number;
  private driftOldest = 0;

  private constructor(
    readonly spec: ResolvedSpotSpec,
    private readonly t: number,
    private readonly calibrationCount: number,
    peaks: Float64Array,
    bounds: Float64Array,
    streamCount: number,
    oldest: number,
    private observations: number,
    private fit: TailShape,
    private z: number,
    private readonly drift: Float64Array,
  ) {
    this.peaks = peaks;
    this.bounds = bounds;
    this.streamCount = streamCount;
    this.oldest = oldest;
  }

  /** Initialises from calibration scores (the first `depth` only fill the drift window for DSPOT). */
  static fromCalibration(spec: ResolvedSpotSpec, calibration: Float64Array, name: string): SpotThreshold {
    const { depth, maxPeaks, q, level } = spec;
    if (calibration.length <= depth) {
      throw new InvalidDataError(
        `${name} must hold more than depth = ${depth} scores for DSPOT, got ${calibration.length}`,
      );
    }
    const corrected = depth === 0 ? calibration : driftCorrected(calibration, depth);
    const tail = fitTail(corrected, q, level, name);
    let excesses = tail.excesses;
    let observations = tail.observations;
    let fit = tail.gpd;
    let z = tail.threshold;
    if (excesses.length > maxPeaks) {
      observations *= maxPeaks / excesses.length;
      excesses = excesses.slice(excesses.length - maxPeaks);
      fit = fitGpd(excesses);
      z = tailQuantile(tail.initialThreshold, fit, q, observations, maxPeaks);
    }
    const calibrationCount = excesses.length;
    const peaks = new Float64Array(calibrationCount + maxPeaks);
    peaks.set(excesses);
    const bounds = new Float64Array(calibrationCount + maxPeaks).fill(Infinity);
    const drift = calibration.slice(calibration.length - depth);
    return new SpotThreshold(
      spec,
      tail.initialThreshold,
      calibrationCount,
      peaks,
      bounds,
      0,
      0,
      observations,
      fit,
      z,
      drift,
    );
  }

  static fromState(spec: ResolvedSpotSpec, state: SpotState): SpotThreshold {
    const calibrationCount = state.calibrationPeaks.length;
    const peaks = new Float64Array(calibrationCount + spec.maxPeaks);
    peaks.set(state.calibrationPeaks);
    peaks.set(state.streamPeaks, calibrationCount);
    const bounds = new Float64Array(calibrationCount + spec.maxPeaks).fill(Infinity);
    bounds.set(state.streamBounds, calibrationCount);
    const fit: TailShape = { gamma: state.gamma, sigma: state.sigma, shapeEstimated: state.shapeEstimated };
    return new SpotThreshold(
      spec,
      state.initialThreshold,
      calibrationCount,
      peaks,
      bounds,
      state.streamPeaks.length,
      state.oldest,
      state.observations,
      fit,
      state.threshold,
      Float64Array.from(state.drift),
    );
  }

  /** The threshold on the raw score scale for the next score (z_q plus the DSPOT baseline). */
  get current(): number {
    return this.z + this.baseline();
  }

  /** The current tail estimate: t, z_q (drift-corrected units for DSPOT), GPD shape and scale, peaks N_t, n. */
  get tail(): {
    initialThreshold: number;
    threshold: number;
    gamma: number;
    sigma: number;
    peaks: number;
    observations: number;
  } {
    return {
      initialThreshold: this.t,
      threshold: this.z,
      gamma: this.fit.gamma,
      sigma: this.fit.sigma,
      peaks: this.calibrationCount + this.streamCount,
      observations: this.observations,
    };
  }

  update(score: number): ThresholdDecision {
    return this.judge(finiteScore(score, 'score'));
  }

  apply(scores: ScoreArray): ThresholdResult {
    return runSteps(this.clone().steps(scores));
  }

  applyAsync(scores: ScoreArray, options: ApplyAsyncOptions = {}): Promise<ThresholdResult> {
    try {
      const signal = checkSignal(options.signal, 'options.signal');
      return runStepsAsync(this.clone().steps(scores), signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clone(): SpotThreshold {
    const copy = new SpotThreshold(
      this.spec,
      this.t,
      this.calibrationCount,
      this.peaks.slice(),
      this.bounds.slice(),
      this.streamCount,
      this.oldest,
      this.observations,
      { ...this.fit },
      this.z,
      this.drift.slice(),
    );
    copy.driftOldest = this.driftOldest;
    return copy;
  }

  toJSON(): SpotThresholdState {
    const drift: number[] = [];
    for (let k = 0; k < this.drift.length; k++) drift.push(this.drift[(this.driftOldest + k) % this.drift.length]!);
    const streamEnd = this.calibrationCount + this.streamCount;
    return {
      format: 'rnn-anomaly/threshold',
      version: 1,
      spec: { ...this.spec },
      state: {
        initialThreshold: this.t,
        observations: this.observations,
        calibrationPeaks: Array.from(this.peaks.subarray(0, this.calibrationCount)),
        streamPeaks: Array.from(this.peaks.subarray(this.calibrationCount, streamEnd)),
        streamBounds: Array.from(this.bounds.subarray(this.calibrationCount, streamEnd)),
        oldest: this.oldest,
        gamma: this.fit.gamma,
        sigma: this.fit.sigma,
        shapeEstimated: this.fit.shapeEstimated,
        threshold: this.z,
        drift,
      },
    };
  }

  private *steps(scores: ScoreArray): Steps<ThresholdResult> {
    const values = finiteScores(scores, 'scores', 0);
    const thresholds = new Float32Array(values.length);
    const flags = new Uint8Array(values.length);
    for (let start = 0; start < values.length; start += CHUNK) {
      const end = Math.min(values.length, start + CHUNK);
      for (let i = start; i < end; i++) {
        const decision = this.judge(values[i]!);
        thresholds[i] = decision.threshold;
        flags[i] = decision.flag;
      }
      yield;
    }
    return { threshold: thresholds, flags };
  }

  private judge(score: number): ThresholdDecision {
    const baseline = this.baseline();
    const threshold = this.z + baseline;
    const excessOverBaseline = score - baseline;
    if (excessOverBaseline > this.z) return { threshold, flag: 1 };
    this.observations += 1;
    if (excessOverBaseline > this.t) this.addPeak(excessOverBaseline - this.t, this.z - this.t);
    if (this.drift.length > 0) {
      this.drift[this.driftOldest] = score;
      this.driftOldest = (this.driftOldest + 1) % this.drift.length;
    }
    return { threshold, flag: 0 };
  }

  private addPeak(excess: number, bound: number): void {
    const capacity = this.spec.maxPeaks;
    let slot: number;
    if (this.streamCount < capacity) {
      slot = this.streamCount++;
    } else {
      slot = this.oldest;
      this.oldest = (this.oldest + 1) % capacity;
      const total = this.calibrationCount + capacity;
      this.observations *= (total - 1) / total;
    }
    this.peaks[this.calibrationCount + slot] = excess;
    this.bounds[this.calibrationCount + slot] = bound;
    const count = this.calibrationCount + this.streamCount;
    if (count < MIN_EXCESSES_FOR_SHAPE) {
      this.fit = fitGpd(this.peaks, count);
    } else {
      const start = this.fit.shapeEstimated ? this.fit : fitGpd(this.peaks, count);
      this.fit = { ...fitTruncatedTail(this.peaks, this.bounds, count, start), shapeEstimated: true };
    }
    let largest = 0;
    for (let i = 0; i < count; i++) largest = Math.max(largest, this.peaks[i]!);
    this.z = Math.min(
      tailQuantile(this.t, this.fit, this.spec.q, this.observations, count),
      this.t + MAX_EXTRAPOLATION * largest,
    );
  }

  /**
   * Summed oldest first on every call rather than kept as a running sum, so a model restored from
   * JSON continues bit for bit.
   */
  private baseline(): number {
    const d = this.drift.length;
    if (d === 0) return 0;
    let sum = 0;
    for (let k = 0; k < d; k++) sum += this.drift[(this.driftOldest + k) % d]!;
    return sum / d;
  }
}

/** x_i - mean(x_{i-depth} .. x_{i-1}) for every i >= depth. */
function driftCorrected(scores: Float64Array, depth: number): Float64Array {
  const out = new Float64Array(scores.length - depth);
  let sum = 0;
  for (let k = 0; k < depth; k++) sum += scores[k]!;
  for (let i = depth; i < scores.length; i++) {
    out[i - depth] = scores[i]! - sum / depth;
    sum += scores[i]! - scores[i - depth]!;
  }
  return out;
}
