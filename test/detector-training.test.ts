import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyNetwork } from '../src/engine/anomaly-network.js';
import { gatherWindows, setThreads, threads } from '../src/engine/runtime.js';
import { AbortError } from '../src/core/errors.js';
import type { EpochInfo } from '../src/model/fitted-model.js';
import { runTraining, type TrainingData, type TrainingSettings } from '../src/training/train-loop.js';
import { trainingStarts, validationStarts, type WindowShape } from '../src/model/window-starts.js';

const initialThreads = threads();
afterAll(() => setThreads(initialThreads));

function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

const shape: WindowShape = { mode: 'forecast', window: 20, horizon: 1 };

function sineData(rows = 1200, trainRows = 1000, noisyValidation = false): TrainingData {
  const values = Float32Array.from({ length: rows }, (_, i) =>
    noisyValidation && i >= trainRows ? 2 * noise(i) : Math.sin((2 * Math.PI * i) / 25) + 0.05 * noise(i),
  );
  return {
    shape,
    inputs: values,
    columns: 1,
    targets: values,
    targetColumns: 1,
    trainStarts: trainingStarts(shape, trainRows),
    validationStarts: validationStarts(shape, trainRows, rows),
  };
}

function settings(overrides: Partial<TrainingSettings> = {}): TrainingSettings {
  return {
    epochs: 4,
    batchSize: 32,
    windowsPerEpoch: 1000,
    optimizer: { optimizer: 'adam', learningRate: 0.01, clipNorm: 1 },
    lrDecay: 1,
    patience: 0,
    seed: 3,
    ...overrides,
  };
}

function network(seed = 3): AnomalyNetwork {
  return new AnomalyNetwork(
    { cell: 'gru', inputSize: 1, hiddenSize: 12, layers: 1, mode: 'forecast', outputSize: 1 },
    seed,
  );
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('runTraining', () => {
  it('learns a sine: the loss falls by more than 10x', async () => {
    const net = network();
    const { history, stopReason } = await runTraining(net, sineData(), settings({ epochs: 6 }));
    expect(stopReason).toBe('completed');
    expect(history.length).toBe(6);
    expect(history[5]!.loss).toBeLessThan(history[0]!.loss / 10);
  });

  it('reports the validation MSE of the final weights (checked against a direct loss call)', async () => {
    const data = sineData();
    const net = network();
    const { history } = await runTraining(net, data, settings({ epochs: 2 }));
    const n = data.validationStarts.length;
    const x = gatherWindows(data.inputs, 1, data.validationStarts, shape.window);
    const y = gatherWindows(
      data.targets!,
      1,
      data.validationStarts.map((s) => s + shape.window),
      1,
    );
    expect(history[1]!.valLoss).toBeCloseTo(net.loss(x, y, n, shape.window), 6);
  });

  it('gives the same weights bit for bit for the same seed, with 1 or 2 threads', async () => {
    setThreads(1);
    const a = network(9);
    await runTraining(a, sineData(), settings({ seed: 9 }));
    setThreads(2);
    const b = network(9);
    await runTraining(b, sineData(), settings({ seed: 9 }));
    const c = network(9);
    await runTraining(c, sineData(), settings({ seed: 10 }));
    expect(bits(b.getFlatParameters())).toEqual(bits(a.getFlatParameters()));
    expect(bits(c.getFlatParameters())).not.toEqual(bits(a.getFlatParameters()));
  });

  it('draws windowsPerEpoch windows per epoch in batches of batchSize (optimizer step count)', async () => {
    const net = network();
    await runTraining(net, sineData(), settings({ epochs: 3, windowsPerEpoch: 100, batchSize: 32 }));
    // ceil(100 / 32) = 4 updates per epoch
    expect(net.getOptimizerState().step).toBe(12);
  });

  it('decays the learning rate geometrically per epoch', async () => {
    const lrs: number[] = [];
    await runTraining(network(), sineData(), settings({ epochs: 3, windowsPerEpoch: 64, lrDecay: 0.5 }), {
      onEpochEnd: (e) => void lrs.push(e.lr),
    });
    expect(lrs).toEqual([0.01, 0.005, 0.0025]);
  });

  it('stops early and restores the weights of the best validation epoch', async () => {
    // Validation targets are pure noise: the validation loss cannot keep improving.
    const snapshots: Float32Array[] = [];
    const net = network();
    const infos: EpochInfo[] = [];
    const outcome = await runTraining(
      net,
      sineData(1200, 1000, true),
      settings({ epochs: 40, patience: 2, windowsPerEpoch: 200 }),
      {
        onEpochEnd: (e) => {
          infos.push(e);
          snapshots.push(net.getFlatParameters());
        },
      },
    );
    expect(outcome.stopReason).toBe('early-stopping');
    expect(infos.length).toBeLessThan(40);
    const valLosses = infos.map((e) => e.valLoss!);
    const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
    expect(outcome.bestEpoch).toBe(best);
    expect(infos.length).toBe(best + 2);
    expect(infos.filter((e) => e.improved).map((e) => e.epoch)).toContain(best);
    expect(bits(net.getFlatParameters())).toEqual(bits(snapshots[best - 1]!));
  });

  it('monitors the training loss when there is no validation part', async () => {
    const data = { ...sineData(), validationStarts: new Int32Array(0) };
    const infos: EpochInfo[] = [];
    await runTraining(network(), data, settings({ epochs: 2, windowsPerEpoch: 64 }), {
      onEpochEnd: (e) => void infos.push(e),
    });
    expect(infos.every((e) => e.valLoss === null)).toBe(true);
    expect(infos[0]!.improved).toBe(true);
  });

  it('reports progress with elapsed time and an estimate of the rest', async () => {
    const infos: EpochInfo[] = [];
    await runTraining(network(), sineData(), settings({ epochs: 3, windowsPerEpoch: 64 }), {
      onEpochEnd: (e) => void infos.push(e),
    });
    expect(infos.map((e) => [e.epoch, e.epochs])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(infos[1]!.elapsedMs).toBeGreaterThan(infos[0]!.elapsedMs);
    expect(infos[2]!.etaMs).toBe(0);
    expect(infos[0]!.etaMs).toBeCloseTo(infos[0]!.elapsedMs * 2, 6);
  });

  it('rejects with AbortError when aborted before, during or between epochs', async () => {
    const aborted = AbortSignal.abort();
    await expect(runTraining(network(), sineData(), settings(), { signal: aborted })).rejects.toBeInstanceOf(
      AbortError,
    );

    const controller = new AbortController();
    const epochs: number[] = [];
    const run = runTraining(network(), sineData(), settings({ epochs: 10 }), {
      signal: controller.signal,
      onEpochEnd: (e) => {
        epochs.push(e.epoch);
        if (e.epoch === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(epochs).toEqual([1, 2]);

    const midEpoch = new AbortController();
    const pending = runTraining(network(), sineData(), settings({ epochs: 1000 }), { signal: midEpoch.signal });
    setTimeout(() => midEpoch.abort(), 30);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('keeps the event loop responsive while training', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await runTraining(network(), sineData(), settings({ epochs: 3 }));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });

  it('throws a clear error when the very first epoch diverges', async () => {
    // A ReLU RNN trained by plain SGD with an absurd learning rate and no clipping blows up.
    const relu = new AnomalyNetwork(
      { cell: 'rnn', nonlinearity: 'relu', inputSize: 1, hiddenSize: 12, layers: 1, mode: 'forecast', outputSize: 1 },
      1,
    );
    const data = sineData();
    const large = data.inputs.map((v) => v * 1000);
    await expect(
      runTraining(
        relu,
        { ...data, inputs: large, targets: large },
        settings({ optimizer: { optimizer: 'sgd', learningRate: 1e6, clipNorm: 0 } }),
      ),
    ).rejects.toThrow(/training diverged in epoch 1.*lower options\.learningRate/);
  });
});
