/**
 * Shared by the examples: labelled anomaly windows (NAB's format, [start, end] timestamps,
 * inclusive) as row ranges, and a report of which windows the detected events overlap.
 */
import { readFile } from 'node:fs/promises';

export interface Rows {
  start: number;
  end: number;
}

export interface EventLike extends Rows {
  peak: number;
  peakScore: number;
}

/** NAB writes "2014-04-15 07:24:00.000000" without a zone; the CSV reader reads times as UTC too. */
function parseUtc(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

export async function readTimeWindows(path: string, timestamps: Float64Array): Promise<Rows[]> {
  const windows = JSON.parse(await readFile(path, 'utf8')) as [string, string][];
  return windows.map(([from, to]) => {
    const start = timestamps.findIndex((t) => t >= parseUtc(from));
    const after = timestamps.findIndex((t) => t > parseUtc(to));
    return { start, end: (after < 0 ? timestamps.length : after) - 1 };
  });
}

const overlaps = (a: Rows, b: Rows) => a.start <= b.end && a.end >= b.start;

export function time(timestamps: Float64Array | null | undefined, row: number): string {
  return timestamps ? new Date(timestamps[row]!).toISOString().slice(0, 16).replace('T', ' ') : `row ${row}`;
}

/** Prints each labelled window and whether an event overlapped it, then the strongest events. */
export function printVerdicts(
  events: readonly EventLike[],
  windows: readonly Rows[],
  timestamps: Float64Array | null,
  firstScored = 0,
): void {
  console.log(`${events.length} events detected`);
  for (const w of windows) {
    const span = `${time(timestamps, w.start)} to ${time(timestamps, w.end)}`;
    if (w.end < firstScored) {
      console.log(`  known anomaly ${span}: in the training part, not judged`);
      continue;
    }
    const hits = events.filter((e) => overlaps(e, w));
    console.log(
      `  known anomaly ${span}: ${hits.length > 0 ? `FOUND (${hits.length} event(s), peak score ${Math.max(...hits.map((e) => e.peakScore)).toFixed(2)})` : 'missed'}`,
    );
  }
  const strongest = [...events].sort((a, b) => b.peakScore - a.peakScore).slice(0, 5);
  console.log('strongest events:');
  for (const e of strongest) {
    const known = windows.some((w) => overlaps(e, w)) ? 'inside a known anomaly' : 'outside the labelled windows';
    console.log(`  ${time(timestamps, e.peak)}  score ${e.peakScore.toFixed(2)}  ${known}`);
  }
}
