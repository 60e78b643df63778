/**
 * Medicine: a physiological recording from the InternalBleeding group of the UCR/Hexagon-ML
 * anomaly archive 2021 (file 136_UCR_Anomaly_InternalBleeding17_1600_3198_3309, as bundled with
 * TranAD). The file name carries the labels: rows
 * [0, 1600) are normal training data, and the single anomaly spans rows 3198-3309. The archive is
 * judged per file: does the highest score fall on the anomaly (within 100 rows)?
 *
 *   npx tsx examples/medicine-internal-bleeding.ts [<id>_UCR_Anomaly_<name>_<trainEnd>_<start>_<end>.txt]
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Detector, readCsv } from '../src/index.js';

const path =
  process.argv[2] ??
  fileURLToPath(new URL('./data/ucr/136_UCR_Anomaly_InternalBleeding17_1600_3198_3309.txt', import.meta.url));
const [trainEnd, anomalyStart, anomalyEnd] = basename(path, '.txt').split('_').slice(-3).map(Number) as [
  number,
  number,
  number,
];

// One number per line, no header, no timestamps.
const series = await readCsv(path, { header: false, timestamp: false });
const detector = new Detector({ cell: 'gru', hidden: 32, mode: 'forecast', seed: 1 });
await detector.fit(series.slice(0, trainEnd));
const result = await detector.detect(series.slice(trainEnd), { context: 'training' });

let peak = 0;
for (let i = 1; i < result.rows; i++) if (result.scores[i]! > result.scores[peak]!) peak = i;
const peakRow = peak + trainEnd;
const slack = 100;
const hit = peakRow >= anomalyStart - slack && peakRow <= anomalyEnd + slack;
console.log(
  `highest score ${result.scores[peak]!.toFixed(3)} at row ${peakRow}; labelled anomaly: rows ${anomalyStart}-${anomalyEnd}`,
);
console.log(hit ? `found: the peak lies within ${slack} rows of the anomaly` : 'missed: the peak lies elsewhere');
console.log(
  `${result.events.length} events above the threshold; ${result.events.filter((e) => e.start + trainEnd <= anomalyEnd && e.end + trainEnd >= anomalyStart).length} overlap the anomaly`,
);
