/**
 * A stream that keeps learning (docs/network-options.md, section 5): every `every` pushes a
 * training round (`epochs` optimizer steps on the last `windows` windows of the stream's own
 * scaled history whose targets have arrived) starts on a copy of the network and runs on a native
 * thread while pushes keep scoring with the current weights. Its weights are swapped in after the
 * push that starts the next round, a point fixed by the push count, so scores depend only on the
 * seed and the push sequence. A round not delivered by then (no event-loop turn since it finished,
 * or training slower than the pushes) is computed at that push from the same start state: the
 * same weights, paid for by that push (`lateRounds`, `lateMs`). With `deterministic: false` a
 * push never trains: a round is swapped in after the first push that follows its delivery, and a
 * boundary reached while a round is still running starts none (`skippedRounds`).
 */
import { checkInteger, checkKnownKeys, checkNumber, checkPlainObject, describeValue } from '../core/argument-checks.js';
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import type { AnomalyNetwork, OptimizerSpec, OptimizerState } from '../engine/anomaly-network.js';
import { gatherWindows } from '../engine/runtime.js';
import type { FittedModel } from '../model/fitted-model.js';
import { targetOffset, windowSpan, type WindowShape } from '../model/window-starts.js';

export interface LearnOptions {
  /** Pushes between training rounds, in [1, 1e9]. Default: `windows`. */
  every?: number;
  /** Windows per round (the latest ones whose targets have arrived), in [1, 65536]. Default: the fit's batch size. */
  windows?: number;
  /** Learning rate of the rounds, in (0, 10]. Default: the fit's. */
  learningRate?: number;
  /** Optimizer steps per round, each on all of the round's windows, in [1, 1000]. Default 1. */
  epochs?: number;
  /** Swap weights at push counts fixed by the schedule (true, default) or as soon as a round is delivered. */
  deterministic?: boolean;
}

export interface LearnSettings {
  every: number;
  windows: number;
  learningRate: number;
  epochs: number;
  deterministic: boolean;
}

export interface LearningStats {
  /** Rounds whose weights were swapped in. */
  rounds: number;
  /** Rounds computed by the push at their swap point because they had not been delivered. */
  lateRounds: number;
  /** Milliseconds those pushes spent training. */
  lateMs: number;
  /** deterministic: false only: boundaries that started no round because one was still running. */
  skippedRounds: number;
  /**
   * deterministic: false only: rounds dropped because their training failed (deterministic
   * streams compute such a round at its swap point, where the error reaches the caller).
   */
  failedRounds: number;
  /** Training loss of the last round swapped in (measured before its last step), or null. */
  lastLoss: number | null;
  /** Whether a round is running on the worker thread now. */
  training: boolean;
}

const LEARN_KEYS = ['every', 'windows', 'learningRate', 'epochs', 'deterministic'];
/** Floats one round may gather (windows x window x columns): 64 MiB. */
const MAX_ROUND_FLOATS = 1 << 24;

export function resolveLearnOptions(model: FittedModel, learn: unknown): LearnSettings {
  const o = checkPlainObject('options.learn', learn);
  checkKnownKeys('options.learn', o, LEARN_KEYS);
  const { config } = model;
  const windows = checkInteger('options.learn.windows', o.windows ?? config.batchSize, 1, 65_536);
  const floats = windows * config.window * model.columnNames.length;
  if (floats > MAX_ROUND_FLOATS) {
    throw new OutOfRangeError(
      `options.learn.windows x window x columns must be at most ${MAX_ROUND_FLOATS} values per round, got ` +
        `${windows} x ${config.window} x ${model.columnNames.length}`,
    );
  }
  const deterministic = o.deterministic ?? true;
  if (typeof deterministic !== 'boolean') {
    throw new InvalidArgumentError(
      `options.learn.deterministic must be true or false, got ${describeValue(o.deterministic)}`,
    );
  }
  return {
    every: checkInteger('options.learn.every', o.every ?? windows, 1, 1e9),
    windows,
    learningRate: checkNumber('options.learn.learningRate', o.learningRate ?? config.learningRate, 0, 10, true),
    epochs: checkInteger('options.learn.epochs', o.epochs ?? 1, 1, 1000),
    deterministic,
  };
}

interface RoundResult {
  params: Float32Array;
  optimizer: OptimizerState;
  loss: number;
}

/** What a round left in `network`, its last step's loss being `loss`. */
function roundResult(network: AnomalyNetwork, loss: number): RoundResult {
  return { params: network.getFlatParameters(), optimizer: network.getOptimizerState(), loss };
}

interface Round {
  xs: Float32Array;
  ys: Float32Array | null;
  windows: number;
  /** Set when the worker delivered it (and the round is still wanted). */
  result: RoundResult | null;
}

export class OnlineLearner {
  /** The stream's own network: scores with it, rounds' weights are written into it. */
  readonly serving: AnomalyNetwork;
  private readonly worker: AnomalyNetwork; // runs rounds on a native thread
  private readonly spare: AnomalyNetwork; // computes a late round in the push
  private workerBusy = false;
  private disposed = false;

  private readonly shape: WindowShape;
  private readonly span: number; // rows from a window's start to its last target
  private readonly columns: number;
  private readonly features: Int32Array;
  private readonly optimizer: OptimizerSpec;
  private servingParams: Float32Array; // the serving network's weights: each round's start
  private optimizerState: OptimizerState; // after the last round swapped in

  // The scaled history: `rows` rows at the front; twice the rows a round needs, shifted when full.
  private readonly history: Float32Array;
  private readonly keepRows: number;
  private rows = 0;

  private pushes = 0;
  private pending: Round | null = null;
  private readonly counts = { rounds: 0, lateRounds: 0, lateMs: 0, skippedRounds: 0, failedRounds: 0 };
  private lastLoss: number | null = null;

  constructor(
    model: FittedModel,
    private readonly settings: LearnSettings,
  ) {
    const { config } = model;
    // Its own seed, so its dropout masks differ from the fit's and every update's.
    const seed = (Math.imul(0x85ebca6b, config.seed + 1) ^ 0x5bd1e995) >>> 0;
    this.serving = model.network.copy(seed);
    this.worker = model.network.copy(seed);
    this.spare = model.network.copy(seed);
    this.servingParams = this.serving.getFlatParameters();
    this.optimizerState = this.worker.getOptimizerState();
    this.shape = { mode: config.mode, window: config.window, horizon: config.horizon };
    this.span = windowSpan(this.shape);
    this.columns = model.columnNames.length;
    this.features = model.features;
    this.optimizer = {
      optimizer: config.optimizer,
      learningRate: settings.learningRate,
      weightDecay: config.weightDecay,
      clipNorm: config.clipNorm,
      ...(config.optimizer === 'sgd' ? { momentum: config.momentum } : {}),
    };
    this.keepRows = this.span + settings.windows - 1;
    this.history = new Float32Array(2 * this.keepRows * this.columns);
  }

  get stats(): LearningStats {
    return { ...this.counts, lastLoss: this.lastLoss, training: this.workerBusy };
  }

  /** Called after every push has been scored, with the pushed point as the network saw it. */
  afterPush(scaled: Float32Array, offset: number): void {
    this.record(scaled, offset);
    this.pushes++;
    const boundary = this.pushes % this.settings.every === 0;
    if (this.settings.deterministic) {
      if (!boundary) return;
      if (this.pending) this.swapIn(this.pending.result ?? this.computeLate(this.pending));
      this.pending = this.startRound();
      return;
    }
    if (this.pending?.result) {
      this.swapIn(this.pending.result);
      this.pending = null;
    }
    if (!boundary) return;
    if (this.pending) this.counts.skippedRounds++;
    else this.pending = this.startRound();
  }

  /** The stream was reset: its history and a round in flight are forgotten, what the network learnt stays. */
  forget(): void {
    this.rows = 0;
    this.pending = null;
  }

  /** Frees the networks; a round running on the worker finishes first and its result is dropped. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending = null;
    this.serving.dispose();
    this.spare.dispose();
    if (!this.workerBusy) this.worker.dispose();
  }

  private record(scaled: Float32Array, offset: number): void {
    const c = this.columns;
    if ((this.rows + 1) * c > this.history.length) {
      const keep = this.keepRows - 1;
      this.history.copyWithin(0, (this.rows - keep) * c, this.rows * c);
      this.rows = keep;
    }
    const at = this.rows * c;
    for (let j = 0; j < c; j++) this.history[at + j] = scaled[offset + j]!;
    this.rows++;
  }

  /** The round on the latest windows, launched on the worker when it is free; null without a whole window. */
  private startRound(): Round | null {
    const last = this.rows - this.span;
    if (last < 0) return null;
    const first = Math.max(0, last - this.settings.windows + 1);
    const starts = new Int32Array(last - first + 1);
    for (let i = 0; i < starts.length; i++) starts[i] = first + i;
    const c = this.columns;
    const series = this.history.subarray(0, this.rows * c);
    const round: Round = {
      xs: gatherWindows(series, c, starts, this.shape.window),
      ys: this.shape.mode === 'forecast' ? this.gatherTargets(starts) : null,
      windows: starts.length,
      result: null,
    };
    if (!this.workerBusy) this.launch(round);
    return round;
  }

  /** Forecast targets [window][horizon][features], the layout of the training loop's batches. */
  private gatherTargets(starts: Int32Array): Float32Array {
    const { horizon } = this.shape;
    const f = this.features.length;
    const c = this.columns;
    const ys = new Float32Array(starts.length * horizon * f);
    const offset = targetOffset(this.shape);
    for (let i = 0; i < starts.length; i++) {
      for (let h = 0; h < horizon; h++) {
        const row = (starts[i]! + offset + h) * c;
        for (let j = 0; j < f; j++) ys[(i * horizon + h) * f + j] = this.history[row + this.features[j]!]!;
      }
    }
    return ys;
  }

  private launch(round: Round): void {
    this.workerBusy = true;
    this.worker.setFlatParameters(this.servingParams);
    this.worker.setOptimizerState(this.optimizerState);
    this.trainOnWorker(round).then(
      (result) => {
        this.workerBusy = false;
        if (this.disposed) this.worker.dispose();
        else if (this.pending === round) round.result = result;
      },
      // Deterministic: a failed round is computed at its swap point instead, where its error
      // reaches the caller. Otherwise it is dropped, so that the next boundary starts a round.
      () => {
        this.workerBusy = false;
        if (this.disposed) this.worker.dispose();
        else if (!this.settings.deterministic && this.pending === round) {
          this.pending = null;
          this.counts.failedRounds++;
        }
      },
    );
  }

  private async trainOnWorker(round: Round): Promise<RoundResult> {
    let loss = NaN;
    for (let e = 0; e < this.settings.epochs; e++) {
      if (this.disposed) break;
      loss = (await this.worker.trainStepAsync(round.xs, round.ys, round.windows, this.shape.window, this.optimizer))
        .loss;
    }
    return roundResult(this.worker, loss);
  }

  /** The same round from the same start state, computed now on the spare network. */
  private computeLate(round: Round): RoundResult {
    const began = performance.now();
    this.spare.setFlatParameters(this.servingParams);
    this.spare.setOptimizerState(this.optimizerState);
    let loss = NaN;
    for (let e = 0; e < this.settings.epochs; e++) {
      loss = this.spare.trainStep(round.xs, round.ys, round.windows, this.shape.window, this.optimizer).loss;
    }
    const result = roundResult(this.spare, loss);
    this.counts.lateRounds++;
    this.counts.lateMs += performance.now() - began;
    return result;
  }

  private swapIn(result: RoundResult): void {
    this.serving.setFlatParameters(result.params);
    this.servingParams = result.params;
    this.optimizerState = result.optimizer;
    this.counts.rounds++;
    this.lastLoss = result.loss;
  }
}
