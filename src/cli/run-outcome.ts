import type { TimeSeries } from '../data/time-series.js';
import type { DetectionResult } from '../results/detection-result.js';
import type { AnomalyEvent } from '../results/events.js';
import type { RowRange } from '../report/report-input.js';
import type { FitSummary } from '../model/fitted-model.js';

/**
 * What a `run` or `detect` produced, in the rows of the whole input file: the detection result
 * covers rows [detectStart, rows) of `series`, rows before it (if any) trained the model.
 * Everything the CLI prints or writes is derived from this one object.
 */
export interface RunOutcome {
  readonly dataPath: string;
  /** The whole input file. */
  readonly series: TimeSeries;
  /** File row where the detection result begins. */
  readonly detectStart: number;
  readonly result: DetectionResult;
  /** Rows of this file the model was fitted on (run without --train). */
  readonly trainRows?: RowRange;
  /** Separate training file (run --train) or the model file (detect). */
  readonly trainPath?: string;
  readonly modelPath?: string;
  readonly fit?: FitSummary;
  readonly labels?: readonly RowRange[];
}

/** Events with rows counted from the file's first data row. */
export function fileEvents(outcome: RunOutcome): AnomalyEvent[] {
  const offset = outcome.detectStart;
  return outcome.result.events.map((e) => ({
    ...e,
    start: e.start + offset,
    end: e.end + offset,
    peak: e.peak + offset,
    features: e.features.map((f) => ({ ...f })),
  }));
}

/** First file row that carries a score. */
export function firstScoredFileRow(outcome: RunOutcome): number {
  return outcome.detectStart + outcome.result.unscored;
}

/** One score per file row, NaN where nothing was scored (training rows, first window). */
export function fileScores(outcome: RunOutcome): Float32Array {
  const scores = new Float32Array(outcome.series.rows).fill(Number.NaN);
  const first = firstScoredFileRow(outcome);
  const { result, detectStart } = outcome;
  scores.set(result.scores.subarray(first - detectStart), first);
  return scores;
}

export function fileFlags(outcome: RunOutcome): Uint8Array {
  const flags = new Uint8Array(outcome.series.rows);
  flags.set(outcome.result.flags, outcome.detectStart);
  return flags;
}

/** The threshold: a constant, or one value per file row (NaN where nothing was scored). */
export function fileThreshold(outcome: RunOutcome): number | Float32Array {
  const { threshold } = outcome.result;
  if (typeof threshold === 'number') return threshold;
  const out = new Float32Array(outcome.series.rows).fill(Number.NaN);
  const first = firstScoredFileRow(outcome);
  out.set(threshold.subarray(first - outcome.detectStart), first);
  return out;
}

export function overlaps(a: RowRange, b: RowRange): boolean {
  return a.start <= b.end && a.end >= b.start;
}

export interface LabelVerdict {
  readonly label: RowRange;
  /** 'unscored': the window ends before the first scored row (training rows or the first window), so it was not judged. */
  readonly status: 'found' | 'missed' | 'unscored';
  /** 1-based numbers of the events overlapping the window. */
  readonly events: number[];
}

export function judgeLabels(outcome: RunOutcome, events: readonly AnomalyEvent[]): LabelVerdict[] {
  const firstScored = firstScoredFileRow(outcome);
  return (outcome.labels ?? []).map((label) => {
    const hits = events.flatMap((e, i) => (overlaps(e, label) ? [i + 1] : []));
    const status = hits.length > 0 ? 'found' : label.end < firstScored ? 'unscored' : 'missed';
    return { label, status, events: hits };
  });
}
