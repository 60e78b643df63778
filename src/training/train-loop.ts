/**
 * The training loop: seeded shuffled mini-batches gathered natively, one asynchronous native
 * train step per batch (the event loop stays free), validation loss per epoch, early stopping
 * that restores the best weights, learning-rate decay, progress callbacks and cancellation.
 * It only touches the network it is given; the caller commits the result, so an aborted or
 * failed run changes nothing the user can see.
 */
import { AbortError, InvalidDataError } from '../core/errors.js';
import type { AnomalyNetwork, OptimizerSpec } from '../engine/anomaly-network.js';
import { gatherWindows } from '../engine/runtime.js';
import type { EpochInfo, StopReason } from '../model/fitted-model.js';
import { Xoshiro128, shuffleInPlace } from '../core/prng.js';
import { targetOffset, type WindowShape } from '../model/window-starts.js';

/** Windows per validation loss call: bounds the memory of one native call. */
const VALIDATION_CHUNK_FLOATS = 1 << 22;

export interface TrainingData {
  shape: WindowShape;
  /** Scaled inputs, rows x columns. */
  inputs: Float32Array;
  columns: number;
  /** Forecast mode: scaled target columns, rows x targetColumns. Reconstruct mode: null. */
  targets: Float32Array | null;
  targetColumns: number;
  trainStarts: Int32Array;
  validationStarts: Int32Array;
}

export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  windowsPerEpoch: number;
  optimizer: OptimizerSpec;
  /** Multiplies the learning rate after every epoch (1 = constant). */
  lrDecay: number;
  /** Epochs without improvement before stopping; 0 disables early stopping. */
  patience: number;
  seed: number;
}

export interface TrainingHooks {
  onEpochEnd?: (info: EpochInfo) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface TrainingOutcome {
  history: EpochInfo[];
  /** Epoch whose weights the network holds at the end (1-based). */
  bestEpoch: number;
  stopReason: StopReason;
  elapsedMs: number;
}

export async function runTraining(
  network: AnomalyNetwork,
  data: TrainingData,
  settings: TrainingSettings,
  hooks: TrainingHooks = {},
): Promise<TrainingOutcome> {
  const window = data.shape.window;
  const batchSize = Math.min(settings.batchSize, data.trainStarts.length);
  const batcher = new WindowBatcher(data, batchSize);
  const order = data.trainStarts.slice();
  const rng = new Xoshiro128(settings.seed);
  const began = performance.now();
  const history: EpochInfo[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: Float32Array | null = null;
  let sinceBest = 0;
  let stopReason: StopReason = 'completed';

  const checkAbort = (): void => {
    if (hooks.signal?.aborted) throw new AbortError('fit was aborted by its AbortSignal; the detector is unchanged');
  };
  checkAbort();

  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const lr = settings.optimizer.learningRate * settings.lrDecay ** (epoch - 1);
    const optimizer: OptimizerSpec = { ...settings.optimizer, learningRate: lr };
    shuffleInPlace(order, rng);
    const take = Math.min(settings.windowsPerEpoch, order.length);
    let lossSum = 0;
    let diverged = false;
    for (let b = 0; b < take; b += batchSize) {
      checkAbort();
      const n = Math.min(batchSize, take - b);
      const { xs, ys } = batcher.gather(order.subarray(b, b + n));
      const step = await network.trainStepAsync(xs, ys, n, window, optimizer);
      if (!Number.isFinite(step.loss)) {
        diverged = true;
        break;
      }
      lossSum += step.loss * n;
    }
    checkAbort();

    const loss = lossSum / take;
    const valLoss = diverged ? NaN : await validationLoss(network, data);
    const monitored = data.validationStarts.length > 0 ? valLoss : loss;
    if (diverged || !Number.isFinite(monitored)) {
      if (bestWeights === null) {
        throw new InvalidDataError(
          `training diverged in epoch ${epoch} (loss ${diverged ? 'NaN/Infinity' : monitored}); ` +
            'lower options.learningRate, set options.clipNorm, or check the data for extreme values',
        );
      }
      stopReason = 'diverged';
      break;
    }
    const improved = monitored < best;
    if (improved) {
      best = monitored;
      bestEpoch = epoch;
      bestWeights = network.getFlatParameters();
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    const elapsedMs = performance.now() - began;
    const info: EpochInfo = {
      epoch,
      epochs: settings.epochs,
      loss,
      valLoss: data.validationStarts.length > 0 ? valLoss : null,
      lr,
      elapsedMs,
      etaMs: (elapsedMs / epoch) * (settings.epochs - epoch),
      improved,
    };
    history.push(info);
    if (hooks.onEpochEnd) await hooks.onEpochEnd(info);
    checkAbort();
    if (settings.patience > 0 && sinceBest >= settings.patience && epoch < settings.epochs) {
      stopReason = 'early-stopping';
      break;
    }
  }

  const holdsBest = stopReason !== 'diverged' && bestEpoch === history.length;
  if (bestWeights && !holdsBest) network.setFlatParameters(bestWeights);
  return { history, bestEpoch, stopReason, elapsedMs: performance.now() - began };
}

/** Mean validation MSE over every validation window (NaN when there are none). */
async function validationLoss(network: AnomalyNetwork, data: TrainingData): Promise<number> {
  const { validationStarts } = data;
  const total = validationStarts.length;
  if (total === 0) return NaN;
  const { shape, columns, targetColumns } = data;
  const horizon = shape.mode === 'forecast' ? shape.horizon : 0;
  const perWindow = shape.window * columns + horizon * targetColumns;
  const chunk = Math.max(1, Math.min(total, Math.floor(VALIDATION_CHUNK_FLOATS / perWindow)));
  const batcher = new WindowBatcher(data, chunk);
  let sum = 0;
  for (let b = 0; b < total; b += chunk) {
    const n = Math.min(chunk, total - b);
    const { xs, ys } = batcher.gather(validationStarts.subarray(b, b + n));
    sum += (await network.lossAsync(xs, ys, n, shape.window)) * n;
  }
  return sum / total;
}

/** Reusable buffers into which the windows (and forecast targets) of a batch are gathered. */
class WindowBatcher {
  private readonly x: Float32Array;
  private readonly y: Float32Array | null;
  private readonly targetStarts: Int32Array;
  private readonly horizon: number;

  constructor(
    private readonly data: TrainingData,
    capacity: number,
  ) {
    const { shape, columns, targets, targetColumns } = data;
    this.horizon = shape.mode === 'forecast' ? shape.horizon : 0;
    this.x = new Float32Array(capacity * shape.window * columns);
    this.y = targets ? new Float32Array(capacity * this.horizon * targetColumns) : null;
    this.targetStarts = new Int32Array(capacity);
  }

  /** Views of the gathered batch, valid until the next call. */
  gather(starts: Int32Array): { xs: Float32Array; ys: Float32Array | null } {
    const { shape, inputs, columns, targets, targetColumns } = this.data;
    const n = starts.length;
    const xs = this.x.subarray(0, n * shape.window * columns);
    gatherWindows(inputs, columns, starts, shape.window, xs);
    if (!targets || !this.y) return { xs, ys: null };
    for (let i = 0; i < n; i++) this.targetStarts[i] = starts[i]! + targetOffset(shape);
    const ys = this.y.subarray(0, n * this.horizon * targetColumns);
    gatherWindows(targets, targetColumns, this.targetStarts.subarray(0, n), this.horizon, ys);
    return { xs, ys };
  }
}
