import type { TimeSeries } from '../data/time-series.js';
import type { Detector } from '../detector/detector.js';
import type { FitSummary, TrainingStage } from '../model/fitted-model.js';
import { flag } from './args.js';
import type { CommandContext } from './command.js';
import { ProgressReporter, formatDuration, progressModeFor } from './progress.js';

export const verbosityFlags = {
  quiet: flag.switch({ description: 'No progress or status lines on stderr', short: 'q' }),
  verbose: flag.switch({ description: 'Show stack traces on errors', short: 'v' }),
} as const;

export const VERBOSITY_FLAG_NAMES = Object.keys(verbosityFlags) as (keyof typeof verbosityFlags)[];

export function progressFor(context: CommandContext, quiet: boolean | undefined): ProgressReporter {
  return new ProgressReporter(context.io.stderr, progressModeFor(context.io.stderr, quiet === true));
}

/** Trains with a progress bar (terminal) or per-epoch lines; Ctrl-C aborts through the signal. */
export async function fitWithProgress(
  detector: Detector,
  series: TimeSeries,
  context: CommandContext,
  progress: ProgressReporter,
): Promise<FitSummary> {
  progress.note(`training on ${series.rows} rows...`);
  try {
    const summary = await detector.fit(series, {
      signal: context.signal,
      onEpochEnd: (info) => {
        progress.epoch({
          epoch: info.epoch,
          maxEpochs: info.epochs,
          loss: info.loss,
          ...(info.valLoss !== null ? { validationLoss: info.valLoss } : {}),
          elapsedMs: info.elapsedMs,
          etaMs: info.etaMs,
          ...(info.stage ? stageText(info.stage) : {}),
        });
      },
    });
    progress.finish();
    const stop = summary.stopReason === 'early-stopping' ? `, stopped early (best epoch ${summary.bestEpoch})` : '';
    progress.note(`trained ${summary.epochs} epochs in ${formatDuration(summary.elapsedMs)}${stop}`);
    return summary;
  } finally {
    progress.finish();
  }
}

/**
 * How the progress names a training of the fit: nothing for the first final model (the only
 * training of a holdout fit), the fold for a cross-fit fold model, and the round for refits
 * after contaminated rows were left out. Fold epochs interleave: the folds train concurrently.
 */
export function stageText(stage: TrainingStage): { stage?: string } {
  const which = stage.model === 'fold' ? `calibration fold ${stage.fold}/${stage.folds}` : 'final model';
  if (stage.round > 0) return { stage: `trimming round ${stage.round}: ${which}` };
  return stage.model === 'fold' ? { stage: which } : {};
}
