/**
 * Many keyed streams over one fitted model, stepped together.
 *
 * Exactness: a point's score must equal what `detect` gives for the same series, and `detect`
 * runs every window from a zero state. No recurrence shortcut reproduces that, so each stream
 * keeps a ring of its last `window` scaled points (window x columns floats) and every push
 * recomputes the windows of the streams that got a point as ONE batch: `window` timesteps, each
 * one GEMM with M = number of streams. That costs the same network arithmetic per point as the
 * single stream's `window` staggered windows (plus `window` input projections instead of one,
 * +D/H), with 1/ (hidden x layers / columns) of the state: for window 32, 4 columns and a
 * 64-unit GRU, 512 bytes of ring instead of 8 KB of hidden states. See docs/serving.md. In
 * forecast mode a stream also holds what earlier windows forecast for its coming points, in the
 * single stream's own bookkeeping (pending-forecasts.ts), so every head and score kind scores
 * exactly as detector.stream() does.
 *
 * Points of one stream within one call are applied in order (round r holds every stream's r-th
 * point of the call). A call is checked completely before any stream changes, so a bad row
 * throws a StreamPointError naming the stream and leaves every stream as it was.
 */
import { describeValue } from '../core/argument-checks.js';
import {
  InvalidArgumentError,
  InvalidDataError,
  NativeError,
  OutOfRangeError,
  type ErrorCode,
} from '../core/errors.js';
import type { FittedModel } from '../model/fitted-model.js';
import { RowScorer } from '../model/row-scores.js';
import type { EwmaSmoother } from '../scoring/ewma.js';
import type { ThresholdModel } from '../thresholds/model.js';
import { thresholdFromJSON } from '../thresholds/persistence.js';
import { PendingForecasts, type ForecastState } from './pending-forecasts.js';
import { fillAndScale, pairingShapeOf, pairPrediction, type PairingShape } from './point-pairing.js';
import {
  decodePoolSnapshot,
  decodeStreamRecord,
  encodePoolSnapshot,
  encodeStreamRecord,
  legacyModelFingerprint,
  modelFingerprint,
  type StreamRecord,
  type StreamShape,
} from './stream-state-format.js';

export interface StreamPoolOptions {
  /** Most streams held; the least recently pushed one is evicted to make room. Default 1,048,576. */
  maxStreams?: number;
  /** Streams without a push for this long are evicted by `evictIdle`; 0 (default) = never. */
  idleTtlMs?: number;
  /** Create a stream on its first point (default true); false makes unknown keys an error. */
  create?: boolean;
  /** Milliseconds clock for idle tracking (default Date.now). */
  now?: () => number;
}

/** Verdicts on the points of one `push`, in the order given. */
export interface PoolBatch {
  /** Score per point, on DetectionResult.scores' scale; 0 while not ready. */
  scores: Float32Array;
  /** The threshold each score was compared with (Infinity while the threshold has no history). */
  thresholds: Float32Array;
  flags: Uint8Array;
  ready: Uint8Array;
  imputed: Uint8Array;
  /** points x features: each scored feature's share of the point's error (0 while not ready). */
  contributions: Float32Array;
}

/** What the pool knows about one stream. */
export interface StreamInfo {
  key: string;
  /** Points pushed since the stream was created. */
  points: number;
  /** Time label of the last point (as given to push), or null. */
  lastTime: string | null;
  /** Score of the last point (0 while not ready). */
  lastScore: number;
  /** Whether the last point was flagged. */
  anomaly: boolean;
  /** The run of flagged points the last point belongs to, or null. */
  openEvent: { start: string | null; points: number; peakScore: number } | null;
}

/** Streams changed (or gone) since the previous `takeChanges`, as self-checking records. */
export interface StreamChanges {
  /** Key and encoded record (see stream-state-format.ts) of every stream pushed since. */
  upserts: { key: string; record: Uint8Array }[];
  /** Keys deleted or evicted since (and not re-created). */
  deletes: string[];
}

/** A bad point in a push; nothing was changed. */
export class StreamPointError extends InvalidArgumentError {
  constructor(
    message: string,
    /** Key of the stream the bad point was for. */
    readonly stream: string,
    /** Position of the bad point in the call. */
    readonly index: number,
    code: ErrorCode = 'ERR_INVALID_ARGUMENT',
  ) {
    super(message, code);
    this.name = 'StreamPointError';
  }
}

const MAX_STREAMS = 1 << 24;
const MAX_KEY_LENGTH = 256;
const INITIAL_CAPACITY = 64;

type Row = ArrayLike<number | null>;

export class StreamPool {
  readonly columns: number;
  readonly window: number;
  readonly columnNames: readonly string[];
  readonly featureNames: readonly string[];
  readonly maxStreams: number;
  readonly idleTtlMs: number;
  /** Identifies the model (weights, scaler, settings) the states belong to. */
  readonly fingerprint: number;

  private readonly model: FittedModel;
  private readonly pairing: PairingShape;
  private readonly featureCount: number;
  private readonly scorer: RowScorer;
  private readonly create: boolean;
  private readonly now: () => number;
  private readonly missingIsError: boolean;
  private readonly sharedThreshold: ThresholdModel | null;
  private readonly outLength: number;
  private readonly shape: StreamShape;
  private readonly centers: Float64Array;
  private readonly scales: Float64Array;

  private readonly slots = new Map<string, number>();
  // Slots in least-recently-pushed-first order: a doubly linked list through lruPrev/lruNext.
  private lruPrev = new Int32Array(0);
  private lruNext = new Int32Array(0);
  private lruHead = -1;
  private lruTail = -1;
  // Per-slot scratch of one call: mark === callEpoch when the call has a point for the slot.
  private mark = new Uint32Array(0);
  private markCount = new Int32Array(0);
  private callEpoch = 0;
  private readonly freeSlots: number[] = [];
  private capacity = 0;
  private used = 0;
  private busy = false;

  // Per-slot state, flat arrays indexed by slot (grown by doubling).
  private keys: string[] = [];
  private ring = new Float32Array(0); // slot x window x columns: scaled points, slot `seen % window` next
  private lastValues = new Float32Array(0); // slot x columns, original units: missing values carry these forward
  private seen = new Float64Array(0);
  private forecasts: PendingForecasts | null; // forecast mode: what earlier windows predicted for the coming points
  private smoother: EwmaSmoother; // one score sequence per slot
  private touched = new Float64Array(0);
  private lastScore = new Float32Array(0);
  private lastFlag = new Uint8Array(0);
  private eventPoints = new Uint32Array(0);
  private eventPeak = new Float32Array(0);
  private lastTime: (string | null)[] = [];
  private eventStart: (string | null)[] = [];
  private thresholds: (ThresholdModel | null)[] = [];
  private changed = new Uint8Array(0);
  private readonly changedSlots: number[] = [];
  private readonly deletedKeys = new Set<string>();

  // Scratch reused by every push.
  private windows = new Float32Array(0);
  private readonly predicted: Float32Array; // features: the current point's prediction
  private readonly variance: Float32Array | null; // features: its predicted variance (Gaussian head)
  private readonly actual: Float32Array; // features: the current point's scored values
  private readonly scaledPoint: Float32Array;

  constructor(model: FittedModel, options: StreamPoolOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(
        `options must be an object like { maxStreams: 100000 }, got ${describeValue(options)}`,
      );
    }
    for (const key of Object.keys(options)) {
      if (!['maxStreams', 'idleTtlMs', 'create', 'now'].includes(key)) {
        throw new InvalidArgumentError(
          `options has an unknown key "${key}"; expected maxStreams, idleTtlMs, create or now`,
        );
      }
    }
    this.maxStreams = checkCount('options.maxStreams', options.maxStreams ?? 1 << 20, 1, MAX_STREAMS);
    this.idleTtlMs = checkCount('options.idleTtlMs', options.idleTtlMs ?? 0, 0, Number.MAX_SAFE_INTEGER);
    if (options.create !== undefined && typeof options.create !== 'boolean') {
      throw new InvalidArgumentError(`options.create must be a boolean, got ${describeValue(options.create)}`);
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new InvalidArgumentError(
        `options.now must be a function returning milliseconds, got ${describeValue(options.now)}`,
      );
    }
    this.create = options.create ?? true;
    this.now = options.now ?? Date.now;
    const { config } = model;
    this.model = model;
    this.columns = model.columnNames.length;
    this.window = config.window;
    this.columnNames = model.columnNames;
    this.pairing = pairingShapeOf(model);
    this.featureCount = model.features.length;
    this.featureNames = Array.from(model.features, (c) => model.columnNames[c]!);
    this.scorer = RowScorer.forModel(model);
    this.smoother = this.scorer.newSmoother(1);
    this.missingIsError = config.missing === 'error';
    const copy = model.threshold.clone();
    this.sharedThreshold = copy === model.threshold ? copy : null;
    this.outLength = model.network.outputLength(this.window);
    const gaussian = model.network.spec.head === 'gaussian';
    // The single stream's forecast bookkeeping, so a pooled point scores what detector.stream() gives it.
    this.forecasts =
      config.mode === 'forecast'
        ? new PendingForecasts(
            0,
            this.featureCount,
            config.horizon,
            config.horizonScore,
            gaussian ? model.network.spec.varianceFloor : null,
          )
        : null;
    this.predicted = new Float32Array(this.featureCount);
    this.variance = gaussian ? new Float32Array(this.featureCount) : null;
    this.actual = new Float32Array(this.featureCount);
    this.scaledPoint = new Float32Array(this.columns);
    this.fingerprint = modelFingerprint(model);
    this.centers = model.scaler.center;
    this.scales = model.scaler.scale;
    this.shape = {
      window: this.window,
      columns: this.columns,
      features: this.featureCount,
      forecastSlots: this.forecasts?.slots ?? 0,
      forecastVariances: this.forecasts?.withVariances ?? false,
    };
  }

  /** Streams held. */
  get size(): number {
    return this.used;
  }

  /**
   * Scores one point per entry: `rows[i]` (one value per column; null or NaN = missing) is the
   * next point of stream `keys[i]`. `times[i]`, when given, labels the point (kept as the
   * stream's lastTime). Synchronous: the network runs on this thread.
   */
  push(keys: readonly string[], rows: readonly Row[], times?: readonly (string | null)[]): PoolBatch {
    const plan = this.begin(keys, rows, times);
    try {
      for (let r = 0; r < plan.rounds.length; r++) {
        const m = this.prepareRound(plan, r);
        const out = m > 0 ? this.model.network.predict(this.windowsFor(m), m, this.window) : EMPTY;
        this.finishRound(plan, r, out);
      }
    } finally {
      this.busy = false;
    }
    return plan.batch;
  }

  /** `push` with the network on a worker thread, so the event loop stays free meanwhile. */
  async pushAsync(
    keys: readonly string[],
    rows: readonly Row[],
    times?: readonly (string | null)[],
  ): Promise<PoolBatch> {
    const plan = this.begin(keys, rows, times);
    try {
      for (let r = 0; r < plan.rounds.length; r++) {
        const m = this.prepareRound(plan, r);
        const out = m > 0 ? await this.model.network.predictAsync(this.windowsFor(m), m, this.window) : EMPTY;
        this.finishRound(plan, r, out);
      }
    } finally {
      this.busy = false;
    }
    return plan.batch;
  }

  /**
   * Throws the StreamPointError `push` would throw for these points, without changing anything
   * (for callers that merge several requests into one push and must reject one alone).
   */
  check(keys: readonly string[], rows: readonly Row[], times?: readonly (string | null)[]): void {
    this.checkCall(keys, rows, times);
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  get(key: string): StreamInfo | undefined {
    const s = this.slots.get(key);
    if (s === undefined) return undefined;
    return {
      key,
      points: this.seen[s]!,
      lastTime: this.lastTime[s]!,
      lastScore: this.lastScore[s]!,
      anomaly: this.lastFlag[s] === 1,
      openEvent:
        this.lastFlag[s] === 1
          ? { start: this.eventStart[s]!, points: this.eventPoints[s]!, peakScore: this.eventPeak[s]! }
          : null,
    };
  }

  /** Forgets a stream; returns whether it existed. */
  delete(key: string): boolean {
    this.checkIdle('delete');
    const s = this.slots.get(key);
    if (s === undefined) return false;
    this.release(key, s);
    return true;
  }

  /** Every stream's key, least recently pushed first. */
  streamKeys(): string[] {
    const keys: string[] = [];
    for (let s = this.lruHead; s !== -1; s = this.lruNext[s]!) keys.push(this.keys[s]!);
    return keys;
  }

  /** Evicts streams idle for longer than idleTtlMs; returns how many went. */
  evictIdle(now = this.now()): number {
    this.checkIdle('evictIdle');
    if (this.idleTtlMs === 0) return 0;
    let evicted = 0;
    // LRU order: once one is fresh, the rest are fresher.
    while (this.lruHead !== -1 && now - this.touched[this.lruHead]! > this.idleTtlMs) {
      this.release(this.keys[this.lruHead]!, this.lruHead);
      evicted++;
    }
    return evicted;
  }

  /** Records of the streams pushed since the last call, and keys dropped since; clears the marks. */
  takeChanges(): StreamChanges {
    const { changed, deletes } = this.takeChangedKeys();
    return { upserts: changed.map((key) => ({ key, record: this.record(key)! })), deletes };
  }

  /**
   * Keys of the streams pushed since the last call, and keys dropped since; clears the marks.
   * Cheap: a caller with very many changes can then encode the records (`record`) in slices.
   */
  takeChangedKeys(): { changed: string[]; deletes: string[] } {
    this.checkIdle('takeChangedKeys');
    const changed: string[] = [];
    for (const s of this.changedSlots) {
      this.changed[s] = 0;
      const key = this.keys[s]!;
      if (this.slots.get(key) === s) changed.push(key);
    }
    this.changedSlots.length = 0;
    const deletes = [...this.deletedKeys];
    this.deletedKeys.clear();
    return { changed, deletes };
  }

  /** Marks changes as not yet written again (after a failed checkpoint). */
  restoreChanges(changes: { changed: readonly string[]; deletes: readonly string[] }): void {
    for (const key of changes.changed) {
      const s = this.slots.get(key);
      if (s !== undefined) this.markChanged(s);
    }
    for (const key of changes.deletes) if (!this.slots.has(key)) this.deletedKeys.add(key);
  }

  /** Encoded state of one stream (the unit a checkpoint writes), or undefined. */
  record(key: string): Uint8Array | undefined {
    const s = this.slots.get(key);
    return s === undefined ? undefined : this.encodeSlot(s);
  }

  /**
   * Loads stream records (from `record`, `takeChanges` or a state store) into this pool,
   * replacing streams with the same key. Every record is decoded and checked first.
   */
  load(records: readonly Uint8Array[]): void {
    this.checkIdle('load');
    const decoded = records.map((bytes, i) => decodeStreamRecord(bytes, `records[${i}]`, this.shape));
    const thresholds = decoded.map((r, i) => this.thresholdOf(r, `records[${i}]`));
    if (this.used + decoded.filter((r) => !this.slots.has(r.key)).length > this.maxStreams) {
      throw new OutOfRangeError(`the records hold more streams than maxStreams = ${this.maxStreams}`);
    }
    decoded.forEach((r, i) => {
      const s = this.slots.get(r.key) ?? this.allocate(r.key);
      this.writeSlot(s, r, thresholds[i]!);
      this.touch(s);
    });
  }

  /** The record's own threshold (spot, dynamic) or null for the shared one; checks it fits the model. */
  private thresholdOf(r: StreamRecord, name: string): ThresholdModel | null {
    if ((r.threshold === null) !== (this.sharedThreshold !== null)) {
      throw new InvalidDataError(
        `${name} (stream "${r.key}") ${r.threshold === null ? 'has no' : 'has a'} threshold state, but this model's ${this.model.threshold.method} threshold ${this.sharedThreshold ? 'is shared' : 'is kept per stream'}`,
      );
    }
    if (r.threshold === null) return null;
    const restored = thresholdFromJSON(JSON.parse(r.threshold) as unknown);
    if (restored.method !== this.model.threshold.method) {
      throw new InvalidDataError(
        `${name} (stream "${r.key}") holds a ${restored.method} threshold, this model uses ${this.model.threshold.method}`,
      );
    }
    return restored;
  }

  /** Every stream's state in one checked blob (see stream-state-format.ts). */
  snapshot(): Uint8Array {
    const records: Uint8Array[] = [];
    for (let s = this.lruHead; s !== -1; s = this.lruNext[s]!) records.push(this.encodeSlot(s));
    return encodePoolSnapshot(this.fingerprint, records);
  }

  /** A pool over `model` holding the streams of a `snapshot()` taken over the same model. */
  static restore(model: FittedModel, snapshot: Uint8Array, options: StreamPoolOptions = {}): StreamPool {
    const pool = new StreamPool(model, options);
    const { version, fingerprint, records } = decodePoolSnapshot(snapshot);
    const expected = version === 1 ? legacyModelFingerprint(model) : pool.fingerprint;
    if (fingerprint !== expected) {
      throw new InvalidDataError(
        `the snapshot was taken over a different model (fingerprint ${fingerprint.toString(16)}, this model ${expected.toString(16)})`,
      );
    }
    pool.load(records);
    return pool;
  }

  /** The fingerprint version-1 snapshots (and state stores written then) hold for this model. */
  get legacyFingerprint(): number {
    return legacyModelFingerprint(this.model);
  }

  /** State bytes held per stream in typed arrays (not counting the key and Map entry). */
  get bytesPerStream(): number {
    const c = this.columns,
      f = this.featureCount;
    const slots = this.shape.forecastSlots;
    const forecastFloats = (this.shape.forecastVariances ? 2 : 1) * slots * f;
    const floats = this.window * c + c + forecastFloats + 3; // ring, last values, forecasts, last score, event peak, event points
    const doubles = 4; // points seen, last push time, the smoother's two sums
    const words = 4 + (this.forecasts ? 1 : 0); // LRU previous and next, call mark and count, next forecast slot
    const forecastCounts = 2 * slots; // u16 windows summed per forecast slot
    const flags = 2; // last flag, changed
    return 4 * floats + 8 * doubles + 4 * words + forecastCounts + flags;
  }

  // ---- one push ----

  private begin(keys: readonly string[], rows: readonly Row[], times: readonly (string | null)[] | undefined): Plan {
    this.checkIdle('push');
    const plan = this.checkCall(keys, rows, times);
    this.busy = true;
    try {
      this.admit(plan);
    } catch (error) {
      this.busy = false;
      throw error;
    }
    return plan;
  }

  /** Validates a whole call; returns the rounds (points grouped so each stream's apply in order). */
  private checkCall(
    keys: readonly string[],
    rows: readonly Row[],
    times: readonly (string | null)[] | undefined,
  ): Plan {
    if (!Array.isArray(keys))
      throw new InvalidArgumentError(`keys must be an array of stream keys, got ${describeValue(keys)}`);
    if (!Array.isArray(rows))
      throw new InvalidArgumentError(`rows must be an array of points, got ${describeValue(rows)}`);
    if (rows.length !== keys.length) {
      throw new InvalidArgumentError(
        `rows must hold one point per key (${keys.length}), got ${rows.length}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    if (times !== undefined && (!Array.isArray(times) || times.length !== keys.length)) {
      throw new InvalidArgumentError(
        `times must be an array with one entry per key (${keys.length}), got ${describeValue(times)}`,
      );
    }
    const n = keys.length;
    const slotOf = new Int32Array(n);
    const roundOf = new Int32Array(n);
    const epoch = this.nextEpoch();
    // Counts per new key; existing streams count in the per-slot marks (no hashing per point).
    const newCounts = new Map<string, number>();
    let distinct = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
        throw new StreamPointError(
          `keys[${i}] must be a string of 1 to ${MAX_KEY_LENGTH} characters, got ${describeValue(key)}`,
          String(key),
          i,
        );
      }
      this.checkRow(rows[i], key, i);
      const time = times?.[i];
      if (time !== undefined && time !== null && (typeof time !== 'string' || time.length > MAX_KEY_LENGTH)) {
        throw new StreamPointError(
          `times[${i}] (stream "${key}") must be a string of at most ${MAX_KEY_LENGTH} characters or null, got ${describeValue(time)}`,
          key,
          i,
        );
      }
      const s = this.slots.get(key);
      if (s !== undefined) {
        if (this.mark[s] !== epoch) {
          this.mark[s] = epoch;
          this.markCount[s] = 0;
          distinct++;
        }
        roundOf[i] = this.markCount[s]!++;
        slotOf[i] = s;
      } else {
        if (!this.create)
          throw new StreamPointError(
            `stream "${key}" does not exist and this pool does not create streams`,
            key,
            i,
            'ERR_OUT_OF_RANGE',
          );
        const count = newCounts.get(key) ?? 0;
        newCounts.set(key, count + 1);
        if (count === 0) distinct++;
        roundOf[i] = count;
        slotOf[i] = -1;
      }
    }
    if (distinct > this.maxStreams) {
      throw new OutOfRangeError(`one push may reach at most maxStreams = ${this.maxStreams} streams, got ${distinct}`);
    }
    let roundCount = 0;
    for (let i = 0; i < n; i++) roundCount = Math.max(roundCount, roundOf[i]! + 1);
    const rounds: number[][] = Array.from({ length: roundCount }, () => []);
    for (let i = 0; i < n; i++) rounds[roundOf[i]!]!.push(i);
    return {
      keys,
      rows,
      times,
      slotOf,
      rounds,
      newKeys: newCounts.size,
      epoch,
      batch: newBatch(n, this.featureCount),
      windowSlots: [],
      windowPoints: [],
    };
  }

  private checkRow(row: unknown, key: string, i: number): void {
    if (!isList(row) || row.length !== this.columns) {
      throw new StreamPointError(
        `the point for stream "${key}" (rows[${i}]) must be an array of ${this.columns} values (${this.columnNames.join(', ')}), got ${describeValue(row)}`,
        key,
        i,
        'ERR_SHAPE_MISMATCH',
      );
    }
    for (let c = 0; c < this.columns; c++) {
      const v = row[c];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
        if (this.missingIsError) {
          throw new StreamPointError(
            `the point for stream "${key}" misses ${this.columnNames[c]} and the model's missing-value policy is 'error'`,
            key,
            i,
            'ERR_INVALID_DATA',
          );
        }
        continue;
      }
      if (typeof v !== 'number') {
        throw new StreamPointError(
          `the point for stream "${key}" has ${describeValue(v)} for ${this.columnNames[c]}; expected a number or null`,
          key,
          i,
        );
      }
      if (v === Infinity || v === -Infinity) {
        throw new StreamPointError(
          `the point for stream "${key}" has ${v} for ${this.columnNames[c]}; values must be finite (null marks a missing value)`,
          key,
          i,
          'ERR_INVALID_DATA',
        );
      }
    }
  }

  /** Creates the call's new streams (evicting the least recently pushed others) and touches every stream. */
  private admit(plan: Plan): void {
    let toEvict = plan.newKeys - (this.maxStreams - this.used);
    for (let s = this.lruHead; toEvict > 0 && s !== -1;) {
      const next = this.lruNext[s]!;
      if (this.mark[s] !== plan.epoch) {
        this.release(this.keys[s]!, s);
        toEvict--;
      }
      s = next;
    }
    const now = this.now();
    for (let i = 0; i < plan.keys.length; i++) {
      let s = plan.slotOf[i]!;
      if (s === -1) {
        const key = plan.keys[i]!;
        s = this.slots.get(key) ?? this.allocate(key);
        plan.slotOf[i] = s;
      }
      if (this.lruTail !== s) this.touch(s);
      this.touched[s] = now;
    }
  }

  /** Writes round r's points into their rings; gathers the windows to run; returns how many. */
  private prepareRound(plan: Plan, r: number): number {
    const T = this.window,
      c = this.columns;
    const span = T * c;
    plan.windowSlots.length = 0;
    plan.windowPoints.length = 0;
    for (const i of plan.rounds[r]!) {
      const s = plan.slotOf[i]!;
      const filled = fillAndScale(
        plan.rows[i]!,
        0,
        s,
        this.seen[s]! > 0,
        this.lastValues,
        this.centers,
        this.scales,
        this.scaledPoint,
        0,
      );
      plan.batch.imputed[i] = filled ? 1 : 0;
      const at = s * span + (this.seen[s]! % T) * c;
      this.ring.set(this.scaledPoint, at);
      this.seen[s] = this.seen[s]! + 1;
      if (this.seen[s]! >= T) {
        plan.windowSlots.push(s);
        plan.windowPoints.push(i);
      }
    }
    const m = plan.windowSlots.length;
    if (this.windows.length < m * span) this.windows = new Float32Array(Math.max(m * span, 2 * this.windows.length));
    const x = this.windows;
    const ring = this.ring;
    for (let k = 0; k < m; k++) {
      const s = plan.windowSlots[k]!;
      const base = s * span;
      // Oldest point first: the slot after the newest one.
      const start = (this.seen[s]! % T) * c;
      let o = k * span;
      for (let j = start; j < span; j++) x[o++] = ring[base + j]!;
      for (let j = 0; j < start; j++) x[o++] = ring[base + j]!;
    }
    return m;
  }

  private windowsFor(m: number): Float32Array {
    const length = m * this.window * this.columns;
    return this.windows.length === length ? this.windows : this.windows.subarray(0, length);
  }

  /** Scores round r's points from the network outputs of its windows, and thresholds them. */
  private finishRound(plan: Plan, r: number, out: Float32Array): void {
    const T = this.window,
      c = this.columns;
    const span = T * c;
    let k = 0;
    for (const i of plan.rounds[r]!) {
      const s = plan.slotOf[i]!;
      const point = ((this.seen[s]! - 1) % T) * c + s * span;
      const completed = k < plan.windowPoints.length && plan.windowPoints[k] === i;
      const offset = completed ? k * this.outLength : -1;
      if (completed) k++;
      const ready = pairPrediction(
        this.pairing,
        s,
        this.ring,
        point,
        out,
        offset,
        completed,
        this.forecasts,
        this.predicted,
        this.variance,
        this.actual,
      );
      this.judge(plan, i, s, ready);
    }
  }

  private judge(plan: Plan, i: number, s: number, ready: boolean): void {
    const batch = plan.batch;
    const f = this.featureCount;
    const threshold = this.thresholds[s] ?? this.sharedThreshold!;
    const time = plan.times?.[i] ?? null;
    this.lastTime[s] = time;
    this.markChanged(s);
    if (!ready) {
      batch.thresholds[i] = threshold.current ?? Infinity;
      this.lastScore[s] = 0;
      this.lastFlag[s] = 0;
      return;
    }
    // The model's one row scorer, as in detect: per-feature parts into the batch, then the EWMA.
    const score = this.scorer.smooth(
      this.smoother,
      s,
      this.scorer.scoreOne(this.predicted, this.actual, this.variance, batch.contributions, i * f),
    );
    const decision = threshold.update(score);
    batch.scores[i] = score;
    batch.thresholds[i] = decision.threshold;
    batch.flags[i] = decision.flag;
    batch.ready[i] = 1;
    this.lastScore[s] = score;
    if (decision.flag === 1) {
      if (this.lastFlag[s] === 1) {
        this.eventPoints[s] = this.eventPoints[s]! + 1;
        this.eventPeak[s] = Math.max(this.eventPeak[s]!, score);
      } else {
        this.eventStart[s] = time;
        this.eventPoints[s] = 1;
        this.eventPeak[s] = score;
      }
    }
    this.lastFlag[s] = decision.flag;
  }

  // ---- slots ----

  private checkIdle(what: string): void {
    if (this.busy)
      throw new NativeError(
        `${what} was called while a pushAsync on this pool is still running; await it first`,
        'ERR_BUSY',
      );
  }

  private markChanged(s: number): void {
    if (this.changed[s] === 1) return;
    this.changed[s] = 1;
    this.changedSlots.push(s);
  }

  private allocate(key: string): number {
    if (this.freeSlots.length === 0) this.grow();
    const s = this.freeSlots.pop()!;
    this.keys[s] = key;
    this.clearSlot(s);
    this.slots.set(key, s);
    this.lruAppend(s);
    this.deletedKeys.delete(key);
    this.used++;
    return s;
  }

  private release(key: string, s: number): void {
    this.slots.delete(key);
    this.lruUnlink(s);
    this.freeSlots.push(s);
    this.thresholds[s] = null;
    this.lastTime[s] = null;
    this.eventStart[s] = null;
    this.deletedKeys.add(key);
    this.used--;
  }

  private nextEpoch(): number {
    this.callEpoch = (this.callEpoch + 1) >>> 0;
    if (this.callEpoch === 0) {
      this.mark.fill(0);
      this.callEpoch = 1;
    }
    return this.callEpoch;
  }

  private lruAppend(s: number): void {
    this.lruPrev[s] = this.lruTail;
    this.lruNext[s] = -1;
    if (this.lruTail === -1) this.lruHead = s;
    else this.lruNext[this.lruTail] = s;
    this.lruTail = s;
  }

  private lruUnlink(s: number): void {
    const prev = this.lruPrev[s]!,
      next = this.lruNext[s]!;
    if (prev === -1) this.lruHead = next;
    else this.lruNext[prev] = next;
    if (next === -1) this.lruTail = prev;
    else this.lruPrev[next] = prev;
  }

  /** Moves slot s to the most recently pushed end. */
  private touch(s: number): void {
    this.lruUnlink(s);
    this.lruAppend(s);
  }

  private clearSlot(s: number): void {
    this.seen[s] = 0;
    this.forecasts?.reset(s);
    this.smoother.reset(s);
    this.lastScore[s] = 0;
    this.lastFlag[s] = 0;
    this.eventPoints[s] = 0;
    this.eventPeak[s] = 0;
    this.lastTime[s] = null;
    this.eventStart[s] = null;
    this.thresholds[s] = this.sharedThreshold ? null : this.model.threshold.clone();
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.min(this.maxStreams, Math.max(INITIAL_CAPACITY, old * 2));
    const T = this.window,
      c = this.columns;
    this.ring = grown(this.ring, capacity * T * c);
    this.lastValues = grown(this.lastValues, capacity * c);
    this.seen = grown(this.seen, capacity);
    this.forecasts = this.forecasts?.resized(capacity) ?? null;
    const smoother = this.scorer.newSmoother(capacity);
    for (let s = 0; s < old; s++) smoother.restore(s, this.smoother.stateOf(s));
    this.smoother = smoother;
    this.touched = grown(this.touched, capacity);
    this.lastScore = grown(this.lastScore, capacity);
    this.lastFlag = grown(this.lastFlag, capacity);
    this.eventPoints = grown(this.eventPoints, capacity);
    this.eventPeak = grown(this.eventPeak, capacity);
    this.changed = grown(this.changed, capacity);
    this.lruPrev = grown(this.lruPrev, capacity);
    this.lruNext = grown(this.lruNext, capacity);
    this.mark = grown(this.mark, capacity);
    this.markCount = grown(this.markCount, capacity);
    for (let s = capacity - 1; s >= old; s--) this.freeSlots.push(s);
    this.capacity = capacity;
  }

  private encodeSlot(s: number): Uint8Array {
    const T = this.window,
      c = this.columns;
    const span = T * c;
    const threshold = this.thresholds[s];
    const smoothing = this.smoother.stateOf(s);
    return encodeStreamRecord(this.shape, {
      key: this.keys[s]!,
      seen: this.seen[s]!,
      lastFlag: this.lastFlag[s] === 1,
      ewmaNumerator: smoothing.numerator,
      ewmaDenominator: smoothing.denominator,
      touched: this.touched[s]!,
      lastScore: this.lastScore[s]!,
      eventPoints: this.eventPoints[s]!,
      eventPeak: this.eventPeak[s]!,
      lastTime: this.lastTime[s]!,
      eventStart: this.eventStart[s]!,
      ring: this.ring.subarray(s * span, (s + 1) * span),
      lastValues: this.lastValues.subarray(s * c, (s + 1) * c),
      forecasts: this.forecasts?.stateOf(s) ?? NO_FORECASTS,
      threshold: threshold ? JSON.stringify(threshold.toJSON()) : null,
    });
  }

  private writeSlot(s: number, r: StreamRecord, threshold: ThresholdModel | null): void {
    const T = this.window,
      c = this.columns;
    this.clearSlot(s);
    this.seen[s] = r.seen;
    this.lastFlag[s] = r.lastFlag ? 1 : 0;
    this.smoother.restore(s, { numerator: r.ewmaNumerator, denominator: r.ewmaDenominator });
    this.touched[s] = r.touched;
    this.lastScore[s] = r.lastScore;
    this.eventPoints[s] = r.eventPoints;
    this.eventPeak[s] = r.eventPeak;
    this.lastTime[s] = r.lastTime;
    this.eventStart[s] = r.eventStart;
    this.ring.set(r.ring, s * T * c);
    this.lastValues.set(r.lastValues, s * c);
    this.forecasts?.restore(s, r.forecasts);
    this.thresholds[s] = threshold;
  }
}

interface Plan {
  keys: readonly string[];
  rows: readonly Row[];
  times: readonly (string | null)[] | undefined;
  slotOf: Int32Array;
  rounds: number[][];
  newKeys: number;
  /** callEpoch of this call: marks the slots it has points for. */
  epoch: number;
  batch: PoolBatch;
  /** Slots (and call positions) of the current round whose window is complete. */
  windowSlots: number[];
  windowPoints: number[];
}

const EMPTY = new Float32Array(0);
const NO_FORECASTS: ForecastState = { next: 0, counts: new Uint16Array(0), means: EMPTY, variances: null };

function newBatch(n: number, features: number): PoolBatch {
  return {
    scores: new Float32Array(n),
    thresholds: new Float32Array(n),
    flags: new Uint8Array(n),
    ready: new Uint8Array(n),
    imputed: new Uint8Array(n),
    contributions: new Float32Array(n * features),
  };
}

function grown<A extends Float32Array | Float64Array | Uint8Array | Uint32Array | Int32Array>(a: A, length: number): A {
  const b = new (a.constructor as new (n: number) => A)(length);
  b.set(a);
  return b;
}

function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function checkCount(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  if (value < min || value > max)
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}
