/**
 * fit's onEpochEnd reports every training of a fit, each epoch with its stage: the final model,
 * the cross-fit fold models (concurrent, each in order) and the refits of the trimming rounds.
 */
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import type { EpochInfo } from '../src/model/fitted-model.js';
import { stageText } from '../src/cli/fit-with-progress.js';
import { ProgressReporter } from '../src/cli/progress.js';
import { sine } from './helpers/sine.js';

const quick = { hidden: 8, window: 25, epochs: 4, windowsPerEpoch: 256, learningRate: 0.01, seed: 3 } as const;

async function reported(options: ConstructorParameters<typeof Detector>[0], series: number[]) {
  const epochs: EpochInfo[] = [];
  const summary = await new Detector({ ...quick, ...options }).fit(series, {
    onEpochEnd: (info) => {
      epochs.push(info);
    },
  });
  return { epochs, summary };
}

/** The epoch numbers reported for one stage, in the order they arrived. */
function epochsOf(epochs: EpochInfo[], model: 'final' | 'fold', fold: number | null, round: number): number[] {
  return epochs
    .filter((e) => e.stage!.model === model && e.stage!.fold === fold && e.stage!.round === round)
    .map((e) => e.epoch);
}

describe('fit progress by stage', () => {
  it('reports the final model, then the epochs of each of the 4 fold models in order', async () => {
    const { epochs, summary } = await reported({ contamination: 0 }, sine(800));
    const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(epochsOf(epochs, 'final', null, 0)).toEqual(range(summary.epochs));
    // The fold models run the final model's kept epoch count, after it.
    const finalCount = summary.epochs;
    for (let fold = 1; fold <= 4; fold++) {
      expect(epochsOf(epochs, 'fold', fold, 0), `fold ${fold}`).toEqual(range(summary.bestEpoch));
    }
    expect(epochs).toHaveLength(finalCount + 4 * summary.bestEpoch);
    expect(epochs.slice(0, finalCount).every((e) => e.stage!.model === 'final')).toBe(true);
    expect(epochs.slice(finalCount).every((e) => e.stage!.model === 'fold' && e.stage!.folds === 4)).toBe(true);
    expect(epochs.every((e) => e.epochs === (e.stage!.model === 'final' ? quick.epochs : summary.bestEpoch))).toBe(
      true,
    );
    // The summary's history is the final model's, without stages.
    expect(summary.history.every((e) => e.stage === undefined)).toBe(true);
  });

  it('reports the refits of the trimming rounds with their round', async () => {
    const series = sine(1500);
    for (const r of [500, 1100]) series[r]! += 4;
    const { epochs, summary } = await reported({ epochs: 8 }, series);
    expect(summary.contaminatedRows!).toBeGreaterThan(0);
    const rounds = [...new Set(epochs.map((e) => e.stage!.round))];
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    // Rounds arrive in order, each beginning with its final model.
    expect(rounds).toEqual([...rounds].sort((a, b) => a - b));
    for (const round of rounds) {
      const first = epochs.find((e) => e.stage!.round === round)!;
      expect(first.stage).toEqual({ model: 'final', fold: null, folds: null, round });
      for (let fold = 1; fold <= 4; fold++) {
        const numbers = epochsOf(epochs, 'fold', fold, round);
        expect(numbers.length).toBeGreaterThan(0);
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      }
    }
  });

  it('a holdout fit reports only its final model', async () => {
    const { epochs, summary } = await reported({ calibration: 'holdout' }, sine(800));
    expect(epochs).toHaveLength(summary.epochs);
    expect(epochs.every((e) => e.stage!.model === 'final' && e.stage!.round === 0)).toBe(true);
  });
});

describe('CLI stage text', () => {
  it('names folds and trimming rounds, and leaves the first final model unnamed', () => {
    expect(stageText({ model: 'final', fold: null, folds: null, round: 0 })).toEqual({});
    expect(stageText({ model: 'fold', fold: 2, folds: 4, round: 0 })).toEqual({ stage: 'calibration fold 2/4' });
    expect(stageText({ model: 'final', fold: null, folds: null, round: 1 })).toEqual({
      stage: 'trimming round 1: final model',
    });
    expect(stageText({ model: 'fold', fold: 4, folds: 4, round: 2 })).toEqual({
      stage: 'trimming round 2: calibration fold 4/4',
    });
  });
});

describe('progress with a stage', () => {
  function sink(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, sink: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
  }

  it('puts the stage first on a plain line', () => {
    const { writes, sink: s } = sink(false);
    new ProgressReporter(s, 'lines').epoch({
      epoch: 2,
      maxEpochs: 4,
      loss: 0.5,
      elapsedMs: 2000,
      stage: 'calibration fold 3/4',
    });
    expect(writes).toEqual(['calibration fold 3/4  epoch 2/4  loss 0.5000  elapsed 2.0s  left <= 2.0s\n']);
  });

  it('names the stage in place of "training" on the bar', () => {
    const { writes, sink: s } = sink(true);
    new ProgressReporter(s, 'bar', () => 0).epoch({
      epoch: 4,
      maxEpochs: 4,
      loss: 0.1,
      elapsedMs: 4000,
      stage: 'trimming round 1: final model',
    });
    // eslint-disable-next-line no-control-regex -- the escape sequence is what is under test
    expect(writes[0]).toMatch(/^\r\x1b\[2Ktrimming round 1: final model \[#+\] epoch 4\/4 /);
  });
});
