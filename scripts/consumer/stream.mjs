// One stream, as an edge device would run it: load a saved model, push a CSV's rows one at a
// time. Prints JSON: the wall clock (Date.now) at the first score, for the caller to subtract
// its own start time, and the process's peak RSS.   node stream.mjs <model.rnnad> <data.csv>
import { Detector, readCsv } from 'rnn-anomaly';

const [modelPath, csvPath] = process.argv.slice(2);
const detector = await Detector.load(modelPath);
const series = await readCsv(csvPath);
const stream = detector.stream();
let firstScoreAtMs;
let scored = 0;
for (let row = 0; row < series.rows; row++) {
  const point = stream.push(series.row(row));
  if (!point.ready) continue;
  firstScoreAtMs ??= Date.now();
  scored++;
}
console.log(JSON.stringify({ firstScoreAtMs, scored, maxRssKiB: process.resourceUsage().maxRSS }));
