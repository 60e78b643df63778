/**
 * The W6 model: a GRU forecaster over 4 columns, 64 hidden units, one layer, window 32, the
 * default threshold (POT), fitted briefly on a synthetic series (the weights' values do not
 * change the arithmetic measured).
 */
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';

export const W6 = { streams: 10_000, columns: 4, hidden: 64, layers: 1, window: 32 } as const;

export function w6Point(stream: number, t: number): number[] {
  const phase = stream * 0.37;
  return [Math.sin(t / 5 + phase), Math.cos(t / 9 + phase), Math.sin(t / 17 + 2 * phase), ((t * 7 + stream) % 13) / 13];
}

export async function fitW6Detector(): Promise<Detector> {
  const rows = Array.from({ length: 2000 }, (_, t) => w6Point(0, t));
  const detector = new Detector({
    cell: 'gru',
    hidden: W6.hidden,
    layers: W6.layers,
    window: W6.window,
    epochs: 1,
    windowsPerEpoch: 256,
    seed: 6,
  });
  await detector.fit(TimeSeries.fromArrays({ values: rows, columnNames: ['a', 'b', 'c', 'd'] }));
  return detector;
}
