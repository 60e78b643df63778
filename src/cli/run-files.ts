import type { AnomalyEvent } from '../results/events.js';
import { fileEvents, fileFlags, fileScores, fileThreshold, judgeLabels, type RunOutcome } from './run-outcome.js';

/**
 * The `--json` / `--out result.json` document and the `--out result.csv` table. Row indices are
 * counted from the file's first data row; times are ISO 8601 UTC strings.
 */

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

function timeAt(outcome: RunOutcome, row: number): string | null {
  return iso(outcome.series.timestamps?.[row]);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export interface RunEventJSON {
  start: number;
  end: number;
  startTime: string | null;
  endTime: string | null;
  peak: number;
  peakTime: string | null;
  peakScore: number;
  features: { name: string; contribution: number }[];
}

function eventJSON(outcome: RunOutcome, e: AnomalyEvent): RunEventJSON {
  return {
    start: e.start,
    end: e.end,
    startTime: timeAt(outcome, e.start),
    endTime: timeAt(outcome, e.end),
    peak: e.peak,
    peakTime: timeAt(outcome, e.peak),
    peakScore: e.peakScore,
    features: e.features.map((f) => ({ name: f.name, contribution: f.contribution })),
  };
}

export function runJSON(outcome: RunOutcome): Record<string, unknown> {
  const { series, result, fit } = outcome;
  const events = fileEvents(outcome);
  const threshold = fileThreshold(outcome);
  const range = (start: number, end: number) => ({
    start,
    end,
    startTime: timeAt(outcome, start),
    endTime: timeAt(outcome, end),
  });
  return {
    file: outcome.dataPath,
    rows: series.rows,
    columns: [...series.columnNames],
    train: outcome.trainRows
      ? range(outcome.trainRows.start, outcome.trainRows.end)
      : outcome.trainPath
        ? { file: outcome.trainPath }
        : null,
    model: outcome.modelPath ?? null,
    detect: range(outcome.detectStart, series.rows - 1),
    firstScoredRow: outcome.detectStart + result.unscored,
    settings: result.settings,
    training: fit
      ? {
          epochs: fit.epochs,
          bestEpoch: fit.bestEpoch,
          stopReason: fit.stopReason,
          loss: fit.loss,
          validationLoss: fit.valLoss,
          trainRows: fit.trainRows,
          validationRows: fit.validationRows,
          calibration: fit.calibration,
          parameters: fit.parameters,
          elapsedMs: Math.round(fit.elapsedMs),
          config: fit.config,
        }
      : null,
    threshold: typeof threshold === 'number' ? threshold : Array.from(threshold, finiteOrNull),
    events: events.map((e) => eventJSON(outcome, e)),
    labels: outcome.labels
      ? judgeLabels(outcome, events).map((v) => ({
          ...range(v.label.start, v.label.end),
          status: v.status,
          events: v.events,
        }))
      : null,
    scores: Array.from(fileScores(outcome), finiteOrNull),
    flags: Array.from(fileFlags(outcome)),
  };
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line per file row: row, timestamp, the values, score, threshold, flag and event number. */
export function runCSV(outcome: RunOutcome): string {
  const { series } = outcome;
  const scores = fileScores(outcome);
  const flags = fileFlags(outcome);
  const threshold = fileThreshold(outcome);
  const eventOf = new Int32Array(series.rows);
  fileEvents(outcome).forEach((e, i) => eventOf.fill(i + 1, e.start, e.end + 1));
  const header = ['row', 'timestamp', ...series.columnNames, 'score', 'threshold', 'flag', 'event']
    .map(csvField)
    .join(',');
  const lines: string[] = [header];
  for (let r = 0; r < series.rows; r++) {
    const cells: string[] = [String(r), timeAt(outcome, r) ?? ''];
    for (let c = 0; c < series.columns; c++) {
      const v = series.values[r * series.columns + c]!;
      cells.push(Number.isNaN(v) ? '' : String(v));
    }
    const scored = Number.isFinite(scores[r]!);
    const t = typeof threshold === 'number' ? threshold : threshold[r]!;
    cells.push(
      scored ? String(scores[r]) : '',
      scored ? String(t) : '',
      scored ? String(flags[r]) : '',
      eventOf[r] ? String(eventOf[r]) : '',
    );
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
