/**
 * Online detection, one point at a time, for one or many independent streams.
 *
 * Each stream keeps `window` staggered windows in flight inside the network's single-step
 * kernel (window j started j points ago), so every push completes exactly one window and its
 * output equals the batch prediction on the last `window` points: streaming a series gives the
 * scores `detect` gives for it, without re-running a whole window per point. The scaler is
 * frozen; a 'spot' threshold keeps learning from every score it judges (one copy per stream).
 *
 * When is a point scored (`ready`)? In forecast mode once `window` points came before it (its
 * prediction was made by the previous push); in reconstruct mode once it completes a window.
 * Missing values (NaN, null) are carried forward from the stream's previous point (the scaler's
 * center before the first one) and reported as `imputed`.
 *
 * With `learn` the stream trains a copy of the network on the points pushed to it
 * (online-learner.ts); the detector's own model never changes.
 */
import { describeValue } from '../core/argument-checks.js';
import type { AnomalyNetwork, NetworkStream } from '../engine/anomaly-network.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../core/errors.js';
import type { FittedModel } from '../model/fitted-model.js';
import { OnlineLearner, resolveLearnOptions, type LearnOptions, type LearningStats } from './online-learner.js';
import { PendingForecasts } from './pending-forecasts.js';
import { RowScorer } from '../model/row-scores.js';
import type { EwmaSmoother } from '../scoring/ewma.js';
import type { ThresholdModel } from '../thresholds/model.js';

/** Largest float32; detect rejects values beyond it (TimeSeries). */
const FLOAT32_MAX = 3.4028234663852886e38;

export interface StreamOptions {
  /** Independent streams in this object, in [1, 1048576]. Default 1. */
  streams?: number;
  /** Keep learning from the pushed points (one stream only); see LearnOptions and docs/network-options.md. */
  learn?: LearnOptions;
}

/** The verdict on one pushed point. */
export interface StreamPoint {
  /** Anomaly score, on the same scale as DetectionResult.scores; 0 while not ready. */
  score: number;
  /** 1 when the score exceeds the threshold. */
  flag: 0 | 1;
  /** False until the stream has enough history to score the point. */
  ready: boolean;
  /** The threshold the score was compared with (Infinity while the threshold has too little history). */
  threshold: number;
  /** True when a missing value in the point was filled in. */
  imputed: boolean;
}

/** Results of several pushes (pushMany) or of one push per stream (pushAll). */
export interface StreamBatch {
  scores: Float32Array;
  flags: Uint8Array;
  ready: Uint8Array;
  thresholds: Float32Array;
  imputed: Uint8Array;
}

export class StreamingDetector {
  readonly streams: number;
  readonly columns: number;
  readonly window: number;
  readonly columnNames: readonly string[];

  private readonly model: FittedModel;
  private readonly networkStream: NetworkStream;
  private readonly forecast: boolean;
  private readonly features: Int32Array;
  private readonly featureCount: number;
  private readonly scorer: RowScorer;
  private readonly thresholds: ThresholdModel[];
  private readonly centers: Float64Array;
  private readonly scales: Float64Array;
  private readonly learner: OnlineLearner | null;

  // Per-stream state, flat arrays indexed by stream.
  private readonly lastValues: Float32Array; // streams x columns, original units
  private readonly seenAny: Uint8Array; // streams: a point has arrived
  private readonly pending: PendingForecasts | null; // forecast mode: the forecasts of the next points
  private readonly smoother: EwmaSmoother; // one score sequence per stream

  // Scratch, reused by every push.
  private readonly onePoint: Float32Array; // columns: the scaled point of a single push
  private readonly allPoints: Float32Array; // streams x columns: the scaled points of pushAll
  private readonly predicted: Float32Array; // features: the current point's prediction
  private readonly variance: Float32Array | null; // features: its predicted variance (Gaussian head)
  private readonly actual: Float32Array; // features: the current point's scored values
  private readonly oneId = new Int32Array(1);
  private readonly imputedScratch: Uint8Array;

  constructor(model: FittedModel, options: StreamOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`options must be an object like { streams: 4 }, got ${describeValue(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (key !== 'streams' && key !== 'learn')
        throw new InvalidArgumentError(`options has an unknown key "${key}"; expected streams or learn`);
    }
    const streams = options.streams ?? 1;
    if (typeof streams !== 'number' || !Number.isInteger(streams)) {
      throw new InvalidArgumentError(
        `options.streams must be an integer in [1, 1048576], got ${describeValue(streams)}`,
      );
    }
    if (streams < 1 || streams > 1 << 20)
      throw new OutOfRangeError(`options.streams must be an integer in [1, 1048576], got ${streams}`);
    if (options.learn !== undefined && streams !== 1) {
      throw new InvalidArgumentError(
        `options.learn needs options.streams 1 (a learning stream trains on its own history), got ${streams}`,
      );
    }
    const { config } = model;
    this.learner =
      options.learn === undefined ? null : new OnlineLearner(model, resolveLearnOptions(model, options.learn));
    this.model = model;
    this.streams = streams;
    this.columns = model.columnNames.length;
    this.window = config.window;
    this.columnNames = model.columnNames;
    this.forecast = config.mode === 'forecast';
    this.features = model.features;
    this.featureCount = model.features.length;
    this.scorer = RowScorer.forModel(model);
    this.networkStream = (this.learner?.serving ?? model.network).openStream(streams, config.window);
    this.thresholds = Array.from({ length: streams }, () => model.threshold.clone());
    this.centers = model.scaler.center;
    this.scales = model.scaler.scale;
    this.lastValues = new Float32Array(streams * this.columns);
    this.seenAny = new Uint8Array(streams);
    const spec = model.network.spec;
    const gaussian = spec.head === 'gaussian';
    this.pending = this.forecast
      ? new PendingForecasts(
          streams,
          this.featureCount,
          config.horizon,
          config.horizonScore,
          gaussian ? spec.varianceFloor : null,
        )
      : null;
    this.smoother = this.scorer.newSmoother(streams);
    this.onePoint = new Float32Array(this.columns);
    this.allPoints = new Float32Array(streams * this.columns);
    this.predicted = new Float32Array(this.featureCount);
    this.variance = gaussian ? new Float32Array(this.featureCount) : null;
    this.actual = new Float32Array(this.featureCount);
    this.imputedScratch = new Uint8Array(streams);
  }

  /**
   * Pushes one point (a number for one column, or one value per column) into stream 0, or into
   * `streamId` with push(streamId, point). Synchronous and allocation-free apart from the result.
   */
  push(point: number | ArrayLike<number | null>): StreamPoint;
  push(streamId: number, point: number | ArrayLike<number | null>): StreamPoint;
  push(a: number | ArrayLike<number | null>, b?: number | ArrayLike<number | null>): StreamPoint {
    const streamId = b === undefined ? 0 : this.checkStreamId(a);
    const point = b === undefined ? a : b;
    this.checkPoint(point, 'point');
    return this.pushChecked(streamId, point);
  }

  /**
   * Pushes points into one stream in order (rows, or plain numbers for one column). Every point
   * is checked before the first is pushed, so a bad one changes nothing.
   */
  pushMany(points: ArrayLike<number | null> | readonly ArrayLike<number | null>[], streamId = 0): StreamBatch {
    const id = this.checkStreamId(streamId);
    if (!isList(points))
      throw new InvalidArgumentError(`points must be an array of points, got ${describeValue(points)}`);
    const n = points.length;
    for (let i = 0; i < n; i++) this.checkPoint(points[i], `points[${i}]`);
    const batch = newBatch(n);
    for (let i = 0; i < n; i++) store(batch, i, this.pushChecked(id, points[i] as number | ArrayLike<number | null>));
    return batch;
  }

  /**
   * Pushes one point into every stream with ONE native call: `points` holds streams x columns
   * values (flat, row per stream) or one row per stream.
   */
  pushAll(points: ArrayLike<number | null> | readonly ArrayLike<number | null>[]): StreamBatch {
    if (!isList(points))
      throw new InvalidArgumentError(`points must hold one point per stream, got ${describeValue(points)}`);
    const nested = points.length > 0 && typeof points[0] === 'object' && points[0] !== null;
    const expected = nested ? this.streams : this.streams * this.columns;
    if (points.length !== expected) {
      throw new InvalidArgumentError(
        `points must hold ${nested ? `${this.streams} rows` : `${this.streams} x ${this.columns} values`} (one point per stream), got ${points.length}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    // Validate everything before touching any stream, so a bad point changes nothing. Flat input
    // is read in place (stream s at offset s * columns), without a view per stream.
    const rows = points as readonly ArrayLike<number | null>[];
    const flat = points as ArrayLike<number | null>;
    for (let s = 0; s < this.streams; s++) {
      if (nested) this.checkPoint(rows[s], `points[${s}]`);
      else this.checkValues(flat, s * this.columns, `points[${s}]`);
    }
    for (let s = 0; s < this.streams; s++) {
      const filled = nested
        ? this.fillAndScale(rows[s]!, 0, s, this.allPoints, s * this.columns)
        : this.fillAndScale(flat, s * this.columns, s, this.allPoints, s * this.columns);
      this.imputedScratch[s] = filled ? 1 : 0;
    }
    const { out, ready } = this.networkStream.push(this.allPoints);
    const batch = newBatch(this.streams);
    const outLength = this.networkStream.outputLength;
    for (let s = 0; s < this.streams; s++) {
      store(
        batch,
        s,
        this.judge(
          s,
          this.allPoints,
          s * this.columns,
          out,
          s * outLength,
          ready[s] === 1,
          this.imputedScratch[s] === 1,
        ),
      );
    }
    this.learner?.afterPush(this.allPoints, 0);
    return batch;
  }

  /** A learning stream's counters (rounds swapped in, late, skipped, rejected); null without `learn`. */
  get learning(): LearningStats | null {
    return this.learner?.stats ?? null;
  }

  /** A copy of the network the stream scores with now: the model's, or what a learning stream has learnt. */
  network(): AnomalyNetwork {
    return (this.learner?.serving ?? this.model.network).copy(this.model.config.seed);
  }

  /**
   * Frees the native stream (and a learning stream's networks) now; later pushes throw a
   * NativeError with code ERR_DISPOSED. A training round in flight finishes on its thread and is
   * dropped. Idempotent.
   */
  dispose(): void {
    this.networkStream.dispose();
    this.learner?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Forgets one stream's history (or every stream's); the threshold restarts from calibration. A
   * learning stream keeps what it learnt and trains only on points pushed after the reset.
   */
  reset(streamId?: number): void {
    const ids =
      streamId === undefined ? Array.from({ length: this.streams }, (_, i) => i) : [this.checkStreamId(streamId)];
    for (const s of ids) {
      this.networkStream.reset(s);
      this.seenAny[s] = 0;
      this.pending?.reset(s);
      this.smoother.reset(s);
      this.thresholds[s] = this.model.threshold.clone();
    }
    this.learner?.forget();
  }

  private checkStreamId(id: unknown): number {
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      throw new InvalidArgumentError(
        `streamId must be an integer in [0, ${this.streams - 1}], got ${describeValue(id)}`,
      );
    }
    if (id < 0 || id >= this.streams)
      throw new OutOfRangeError(`streamId must be an integer in [0, ${this.streams - 1}], got ${id}`);
    return id;
  }

  /** Throws for a point of the wrong shape or with an infinite value; changes nothing. */
  private checkPoint(point: unknown, name: string): void {
    if (typeof point === 'number') {
      if (this.columns !== 1) {
        throw new InvalidArgumentError(
          `${name} must hold ${this.columns} values (${this.columnNames.join(', ')}), got a single number`,
          'ERR_SHAPE_MISMATCH',
        );
      }
      this.checkValue(point, 0, name);
      return;
    }
    if (!isList(point) || point.length !== this.columns) {
      throw new InvalidArgumentError(
        `${name} must be ${this.columns === 1 ? 'a number or ' : ''}an array of ${this.columns} values (${this.columnNames.join(', ')}), got ${describeValue(point)}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    this.checkValues(point, 0, name);
  }

  /** Throws unless values[offset .. offset + columns) are numbers, NaN or null (missing), each as checkValue. */
  private checkValues(values: ArrayLike<unknown>, offset: number, name: string): void {
    for (let c = 0; c < this.columns; c++) {
      const v = values[offset + c];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number')
        throw new InvalidArgumentError(
          `${name}[${c}] (${this.columnNames[c]}) must be a number or null, got ${describeValue(v)}`,
        );
      this.checkValue(v, c, `${name}[${c}] (${this.columnNames[c]})`);
    }
  }

  /**
   * Rejects what detect rejects in column c: an infinity, a value beyond float32, or one the
   * scaler maps beyond float32 (the network would turn it into NaN, and the stream's state with it).
   */
  private checkValue(v: number, c: number, name: string): void {
    if (v === Infinity || v === -Infinity)
      throw new InvalidDataError(`${name} is ${v}; values must be finite (NaN or null marks a missing value)`);
    if (Number.isNaN(v)) return;
    if (Math.abs(v) > FLOAT32_MAX) {
      throw new InvalidDataError(
        `${name} has a value beyond float32 range (${v}); values must be finite float32 numbers`,
      );
    }
    const scaled = Math.fround((Math.fround(v) - this.centers[c]!) / this.scales[c]!);
    if (!Number.isFinite(scaled)) {
      throw new InvalidDataError(
        `${name} is ${v}, which scales to ${scaled} under the model's scaler (center ${this.centers[c]}, scale ${this.scales[c]}); ` +
          'the scaled value must stay within float32 range',
      );
    }
  }

  /** One checked point into one stream: fill, scale, one native step, score. */
  private pushChecked(s: number, point: number | ArrayLike<number | null>): StreamPoint {
    const imputed = this.fillAndScale(point, 0, s, this.onePoint, 0);
    this.oneId[0] = s;
    const { out, ready } = this.networkStream.push(this.onePoint, this.oneId);
    const verdict = this.judge(s, this.onePoint, 0, out, 0, ready[0] === 1, imputed);
    this.learner?.afterPush(this.onePoint, 0);
    return verdict;
  }

  /**
   * Fills missing values of a checked point (a number, or values from `offset` on) for stream s
   * and scales it into target[at ..]; returns whether a value was filled.
   */
  private fillAndScale(
    point: number | ArrayLike<number | null>,
    offset: number,
    s: number,
    target: Float32Array,
    at: number,
  ): boolean {
    const columns = this.columns;
    let imputed = false;
    for (let c = 0; c < columns; c++) {
      const raw = typeof point === 'number' ? point : point[offset + c];
      let v: number;
      if (raw === null || raw === undefined || Number.isNaN(raw)) {
        imputed = true;
        v = this.seenAny[s] ? this.lastValues[s * columns + c]! : this.centers[c]!;
      } else {
        v = Math.fround(raw);
      }
      this.lastValues[s * columns + c] = v;
      // The same arithmetic as Scaler.transformValues, so stream and batch agree.
      target[at + c] = (v - this.centers[c]!) / this.scales[c]!;
    }
    this.seenAny[s] = 1;
    return imputed;
  }

  /**
   * Scores stream s's current point (scaled, in `point` at `base`) from the network output of
   * the window it completed (`out` at `offset`), then thresholds it.
   */
  private judge(
    s: number,
    point: Float32Array,
    base: number,
    out: Float32Array,
    offset: number,
    windowReady: boolean,
    imputed: boolean,
  ): StreamPoint {
    const f = this.featureCount;
    let ready: boolean;
    if (this.pending) {
      ready = this.pending.ready(s);
      if (ready) {
        for (let j = 0; j < f; j++) this.actual[j] = point[base + this.features[j]!]!;
        this.pending.read(s, this.predicted, this.variance);
      }
      this.pending.advance(s);
      if (windowReady) this.pending.add(s, out, offset);
    } else {
      ready = windowReady;
      const last = offset + (this.window - 1) * this.columns;
      if (ready) {
        for (let j = 0; j < f; j++) {
          this.actual[j] = point[base + j]!;
          this.predicted[j] = out[last + j]!;
        }
      }
    }
    const thresholdModel = this.thresholds[s]!;
    if (!ready) return { score: 0, flag: 0, ready: false, threshold: thresholdModel.current ?? Infinity, imputed };
    const score = this.scorer.smooth(
      this.smoother,
      s,
      this.scorer.scoreOne(this.predicted, this.actual, this.variance),
    );
    const decision = thresholdModel.update(score);
    return { score, flag: decision.flag, ready: true, threshold: decision.threshold, imputed };
  }
}

function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function newBatch(n: number): StreamBatch {
  return {
    scores: new Float32Array(n),
    flags: new Uint8Array(n),
    ready: new Uint8Array(n),
    thresholds: new Float32Array(n),
    imputed: new Uint8Array(n),
  };
}

function store(batch: StreamBatch, i: number, p: StreamPoint): void {
  batch.scores[i] = p.score;
  batch.flags[i] = p.flag;
  batch.ready[i] = p.ready ? 1 : 0;
  batch.thresholds[i] = p.threshold;
  batch.imputed[i] = p.imputed ? 1 : 0;
}
