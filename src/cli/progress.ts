/**
 * Progress on stderr: a redrawn bar on a terminal, one plain line per epoch when stderr is a
 * file or pipe (CI logs), nothing when quiet. Stdout is never touched, so `--json` output stays
 * parseable.
 */

export interface EpochProgress {
  /** 1-based. */
  epoch: number;
  /** Upper bound on epochs; early stopping may end sooner. */
  maxEpochs?: number;
  loss: number;
  validationLoss?: number;
  elapsedMs: number;
  /** Estimated time to the last planned epoch; derived from the mean epoch time when absent. */
  etaMs?: number;
  /** Which of several trainings the epoch belongs to (e.g. "fold 2/4"); absent for the only one. */
  stage?: string;
}

export type ProgressMode = 'bar' | 'lines' | 'quiet';

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function progressModeFor(sink: ProgressSink, quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  return sink.isTTY ? 'bar' : 'lines';
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function formatLoss(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toFixed(4);
}

/** Redraws at most this often on a terminal; every epoch is still counted. */
const REDRAW_INTERVAL_MS = 100;

export class ProgressReporter {
  readonly mode: ProgressMode;
  private readonly sink: ProgressSink;
  private barVisible = false;
  private lastDraw = -Infinity;
  private readonly now: () => number;

  constructor(sink: ProgressSink, mode: ProgressMode, now: () => number = () => performance.now()) {
    this.sink = sink;
    this.mode = mode;
    this.now = now;
  }

  /** A status line such as "reading data.csv". */
  note(text: string): void {
    if (this.mode === 'quiet') return;
    this.clearBar();
    this.sink.write(`${text}\n`);
  }

  epoch(progress: EpochProgress): void {
    if (this.mode === 'quiet') return;
    const remaining = this.timeLeftMs(progress);
    if (this.mode === 'lines') {
      const parts = [
        ...(progress.stage ? [progress.stage] : []),
        `epoch ${progress.epoch}${progress.maxEpochs ? `/${progress.maxEpochs}` : ''}`,
        `loss ${formatLoss(progress.loss)}`,
      ];
      if (progress.validationLoss !== undefined) parts.push(`val_loss ${formatLoss(progress.validationLoss)}`);
      parts.push(`elapsed ${formatDuration(progress.elapsedMs)}`);
      if (remaining !== undefined) parts.push(`left <= ${formatDuration(remaining)}`);
      this.sink.write(`${parts.join('  ')}\n`);
      return;
    }
    const t = this.now();
    const last = progress.maxEpochs !== undefined && progress.epoch >= progress.maxEpochs;
    if (!last && t - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = t;
    this.sink.write(`\r\x1b[2K${this.barLine(progress, remaining)}`);
    this.barVisible = true;
  }

  /** Ends a bar so later output starts on a fresh line. */
  finish(): void {
    if (this.barVisible) {
      this.sink.write('\n');
      this.barVisible = false;
    }
  }

  private clearBar(): void {
    if (this.barVisible) {
      this.sink.write('\r\x1b[2K');
      this.barVisible = false;
    }
  }

  private timeLeftMs(progress: EpochProgress): number | undefined {
    if (progress.etaMs !== undefined) return progress.etaMs;
    if (progress.maxEpochs === undefined || progress.epoch <= 0) return undefined;
    const perEpoch = progress.elapsedMs / progress.epoch;
    return perEpoch * Math.max(0, progress.maxEpochs - progress.epoch);
  }

  private barLine(progress: EpochProgress, remaining: number | undefined): string {
    const epochText = `epoch ${progress.epoch}${progress.maxEpochs ? `/${progress.maxEpochs}` : ''}`;
    const stats = [`loss ${formatLoss(progress.loss)}`];
    if (progress.validationLoss !== undefined) stats.push(`val ${formatLoss(progress.validationLoss)}`);
    stats.push(remaining === undefined ? formatDuration(progress.elapsedMs) : `${formatDuration(remaining)} left`);
    const text = `${epochText}  ${stats.join('  ')}`;
    const what = progress.stage ?? 'training';
    if (progress.maxEpochs === undefined) return `${what} ${text}`;
    const columns = this.sink.columns ?? 80;
    const barWidth = Math.max(10, Math.min(30, columns - text.length - 14));
    const filled = Math.round((barWidth * Math.min(progress.epoch, progress.maxEpochs)) / progress.maxEpochs);
    return `${what} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
  }
}
