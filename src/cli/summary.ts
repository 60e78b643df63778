import { basename } from 'node:path';
import { formatDuration } from './progress.js';
import { formatInteger, formatNumber, formatPercent, formatTimestamp } from '../report/format.js';
import type { RowRange } from '../report/report-input.js';
import type { FitSummary } from '../model/fitted-model.js';
import type { ThresholdSpec } from '../thresholds/spec.js';
import { thresholdText as specText } from './threshold-flag.js';
import { fileEvents, firstScoredFileRow, judgeLabels, type RunOutcome } from './run-outcome.js';

/** The short human summary `run` and `detect` print on stdout. */

/** Events listed before "... and N more". */
const LISTED_EVENTS = 20;

function rowsText(range: RowRange): string {
  return range.start === range.end
    ? `row ${formatInteger(range.start)}`
    : `rows ${formatInteger(range.start)}-${formatInteger(range.end)}`;
}

function timeText(outcome: RunOutcome, range: RowRange): string {
  const ts = outcome.series.timestamps;
  if (!ts) return '';
  const a = formatTimestamp(ts[range.start]!);
  const b = formatTimestamp(ts[range.end]!);
  return a === b ? a : `${a} to ${b}`;
}

function rangeText(outcome: RunOutcome, range: RowRange): string {
  const time = timeText(outcome, range);
  return time ? `${rowsText(range)} (${time})` : rowsText(range);
}

function thresholdText(outcome: RunOutcome): string {
  const method = specText(outcome.result.settings.threshold as unknown as ThresholdSpec);
  const { threshold } = outcome.result;
  if (typeof threshold === 'number') return `threshold ${formatNumber(threshold)} (${method})`;
  let min = Infinity;
  let max = -Infinity;
  for (let i = outcome.result.unscored; i < threshold.length; i++) {
    const t = threshold[i]!;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return min <= max ? `threshold ${formatNumber(min)} to ${formatNumber(max)} (${method})` : `threshold (${method})`;
}

/** "cross-fit on 1,980 out-of-sample scores, POT tail from level 0.98 (40 peaks)". */
function calibrationText(fit: FitSummary): string {
  const where =
    fit.calibration === 'cross-fit'
      ? `cross-fit on ${formatInteger(fit.calibrationRows)} out-of-sample scores`
      : `holdout on ${formatInteger(fit.calibrationRows)} ${fit.calibration} scores`;
  const trimmed = fit.contaminatedRows
    ? `; ${formatInteger(fit.contaminatedRows)} rows with extreme scores left out (--contamination)`
    : '';
  return `${calibrationFit(fit, where)}${trimmed}`;
}

function calibrationFit(fit: FitSummary, where: string): string {
  const tail = fit.thresholdFit;
  if (!tail) return where;
  if (tail.kind === 'empirical') return `${where}, empirical fallback (tail too thin for POT)`;
  const how = tail.kind === 'pot' ? 'POT tail' : 'POT tail pooled';
  return `${where}, ${how} from level ${formatNumber(tail.level!)} (${formatInteger(tail.peaks!)} peaks)`;
}

/** [2, 3, 4, 9] -> "events 2-4, 9". */
function eventNumbers(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(j > i ? `${numbers[i]}-${numbers[j]}` : String(numbers[i]));
    i = j + 1;
  }
  return `${numbers.length > 1 ? 'events' : 'event'} ${parts.join(', ')}`;
}

export function runSummary(outcome: RunOutcome): string {
  const { series, result, fit } = outcome;
  const lines: string[] = [];
  const cols = series.columns === 1 ? `1 column (${series.columnNames[0]})` : `${series.columns} columns`;
  const span = series.timestamps ? `, ${timeText(outcome, { start: 0, end: series.rows - 1 })}` : '';
  lines.push(`${basename(outcome.dataPath)}: ${formatInteger(series.rows)} rows x ${cols}${span}`);

  const s = result.settings;
  const model = `${s.cell}, ${s.hidden} hidden x ${s.layers} layer${s.layers > 1 ? 's' : ''}, ${s.mode}, window ${s.window}`;
  if (fit) {
    const stop =
      fit.stopReason === 'early-stopping'
        ? `stopped early, kept epoch ${fit.bestEpoch}`
        : `kept epoch ${fit.bestEpoch}`;
    lines.push(`model: ${model}; ${fit.epochs} epochs (${stop}) in ${formatDuration(fit.elapsedMs)}`);
  } else {
    lines.push(`model: ${model}${outcome.modelPath ? ` from ${outcome.modelPath}` : ''}`);
  }
  const firstScored = firstScoredFileRow(outcome);
  const trained = outcome.trainRows
    ? `trained on ${rowsText(outcome.trainRows)}; `
    : outcome.trainPath
      ? `trained on ${outcome.trainPath}; `
      : '';
  const scored =
    firstScored < series.rows
      ? `scored ${rangeText(outcome, { start: firstScored, end: series.rows - 1 })}`
      : 'no row scored';
  lines.push(`${trained}${scored}; ${thresholdText(outcome)}`);
  if (fit) {
    lines.push(`calibration: ${calibrationText(fit)}`);
    for (const warning of fit.warnings ?? []) lines.push(`warning: ${warning}`);
  }

  const events = fileEvents(outcome);
  lines.push('');
  if (events.length === 0) {
    lines.push('No anomalies found.');
  } else {
    const numbered = events.map((event, index) => ({ event, number: index + 1 }));
    // Many events: list the strongest, still in time order.
    const listed =
      numbered.length <= LISTED_EVENTS
        ? numbered
        : [...numbered]
            .sort((a, b) => b.event.peakScore - a.event.peakScore)
            .slice(0, LISTED_EVENTS)
            .sort((a, b) => a.number - b.number);
    lines.push(
      events.length <= LISTED_EVENTS
        ? `${events.length} event${events.length === 1 ? '' : 's'}:`
        : `${events.length} events; the ${LISTED_EVENTS} with the highest peak scores:`,
    );
    listed.forEach(({ event: e, number }) => {
      const features = e.features
        .filter((f) => f.contribution > 0)
        .slice(0, 3)
        .map((f) =>
          series.columns === 1 && e.features.length === 1 ? f.name : `${f.name} ${formatPercent(f.contribution)}`,
        )
        .join(', ');
      lines.push(
        `  ${String(number).padStart(3)}. ${rangeText(outcome, e)}, peak ${formatNumber(e.peakScore)}${features ? `, ${features}` : ''}`,
      );
    });
    if (events.length > LISTED_EVENTS) lines.push(`  (all ${events.length} in --out, --json or --report)`);
  }

  if (outcome.labels) {
    const verdicts = judgeLabels(outcome, events);
    const judged = verdicts.filter((v) => v.status !== 'unscored');
    const found = judged.filter((v) => v.status === 'found').length;
    lines.push('');
    lines.push(`Known anomalies (--labels): ${found} of ${judged.length} found in the scored rows`);
    for (const v of verdicts) {
      const verdict =
        v.status === 'found'
          ? `found (${eventNumbers(v.events)})`
          : v.status === 'missed'
            ? 'MISSED'
            : 'before the first scored row, not judged';
      lines.push(`  ${rangeText(outcome, v.label)}: ${verdict}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
