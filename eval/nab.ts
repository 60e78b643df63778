/**
 * NAB benchmark runner: `npm run eval:nab -- --data DIR [--limit N] [--threads N] [--fresh]`
 * (DIR: the datasets folder holding nab/, or set RNN_ANOMALY_DATA; see lib/run-args.ts).
 *
 * Runs one fixed detector configuration online over every NAB file (see
 * lib/nab-online-detector.ts), turns its errors and the values into per-row scores (see
 * lib/nab-online-score.ts), writes them in NAB's results layout, scores them with the
 * library's NAB scorer with the threshold optimised per profile over the corpus (as NAB does),
 * prints a table and writes eval/results/nab.json (nab-limit<N>.json for a subset). Per-file
 * prediction errors are cached under eval/results/cache/, so an interrupted run resumes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setThreads, threads } from '../src/engine/runtime.js';
import { loadNabCorpus, scoreNabCorpus, writeNabResultsFile, type NabCorpusFile } from '../src/eval/index.js';
import { configHash, FileCache } from './lib/file-cache.js';
import { onlineErrors, type OnlineConfig } from './lib/nab-online-detector.js';
import { nabOnlineScores, type NabScoreMapping } from './lib/nab-online-score.js';
import { NAB_DATASET, parseRunArgs, type RunnerHelp } from './lib/run-args.js';
import { runEnvironment } from './lib/run-environment.js';
import { roundRobin } from './lib/round-robin.js';
import { formatTable } from './lib/text-table.js';

const HELP: RunnerHelp = {
  script: 'eval:nab',
  dataset: NAB_DATASET,
  limit: 'run N files, taken round-robin over the categories',
};
const DETECTOR_NAME = 'rnnAnomaly';

/** Rows in the forecaster's input window; levels are averaged over as many rows. */
const WINDOW = 32;

/** The one configuration used for every file. */
const ONLINE: OnlineConfig = {
  detector: {
    cell: 'gru',
    hidden: 32,
    layers: 1,
    mode: 'forecast',
    window: WINDOW,
    score: 'squared',
    scaler: 'zscore',
    epochs: 40,
    learningRate: 0.003,
    patience: 10,
    validationSplit: 0.2,
    threshold: { method: 'percentile', q: 99 },
    seed: 1,
  },
  refitEvery: 0,
};
/** From errors and values to NAB scores (lib/nab-online-score.ts); the same for every file. */
const MAPPING: NabScoreMapping = {
  errorSeedShare: ONLINE.detector.validationSplit ?? 0,
  warmup: 20,
  errorZHalf: 5,
  seasonalSmoothingShare: 1 / 12,
  seasonalZHalf: 10,
  rangeTolerance: 0.02,
  // 30 days of 5-minute rows, the history length of the anomaly likelihood in NAB's numenta detector.
  rangeMemory: 8640,
  levelRows: WINDOW,
  refractory: 25,
};

/** Published NAB v1.1 scores (results/final_results.json) to compare against. */
const PUBLISHED: Record<string, [number, number, number]> = {
  ARTime: [74.85, 65.15, 80.36],
  'Numenta HTM (NuPIC 0.5.6)': [70.1, 63.12, 74.32],
  windowedGaussian: [39.65, 20.87, 47.41],
  random: [16.83, 5.76, 25.88],
};

interface FileMeta {
  ms: number;
  fits: number;
  window: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `limit` files taken round-robin over the categories, so a subset still mixes data kinds. */
function pickFiles(files: NabCorpusFile[], limit: number | undefined): NabCorpusFile[] {
  if (limit === undefined || limit >= files.length) return files;
  const byCategory = new Map<string, NabCorpusFile[]>();
  for (const f of files) {
    const c = f.name.split('/')[0]!;
    byCategory.set(c, [...(byCategory.get(c) ?? []), f]);
  }
  return roundRobin([...byCategory.values()], limit).sort((a, b) => a.name.localeCompare(b.name));
}

async function main(): Promise<void> {
  const args = parseRunArgs(process.argv.slice(2), HELP);
  const began = performance.now();
  const dataDir = path.join(args.data, 'data');
  if (args.threads !== undefined) setThreads(args.threads);
  const threadCount = threads();

  const corpus = await loadNabCorpus({ dataDir });
  const files = pickFiles(corpus.files, args.limit);
  const hash = configHash(ONLINE);
  const runDir = path.join(repoRoot, 'eval', 'results', 'cache', 'nab', hash);
  const cache = new FileCache<FileMeta>(path.join(runDir, 'errors'));
  const resultsDir = path.join(runDir, 'results', DETECTOR_NAME);
  console.log(`NAB: ${files.length} files, ${threadCount} threads, configuration ${hash}`);

  let computeMs = 0;
  let cached = 0;
  for (const [i, file] of files.entries()) {
    let entry = args.fresh ? null : await cache.get(file.name);
    if (entry !== null && entry.values.length === file.rows) {
      cached++;
    } else {
      const t0 = performance.now();
      const out = await onlineErrors(file.values, file.weights.probation, ONLINE);
      entry = { values: out.errors, meta: { ms: performance.now() - t0, fits: out.fits, window: out.window } };
      await cache.set(file.name, entry.values, entry.meta);
      console.log(
        `[${i + 1}/${files.length}] ${file.name}: ${file.rows} rows, window ${out.window}, ${(entry.meta.ms / 1000).toFixed(1)} s`,
      );
    }
    computeMs += entry.meta.ms;
    const scores = nabOnlineScores(file, file.weights.probation, entry.values, MAPPING);
    await writeNabResultsFile(
      path.join(
        resultsDir,
        ...path.posix.dirname(file.name).split('/'),
        `${DETECTOR_NAME}_${path.posix.basename(file.name)}`,
      ),
      file,
      scores,
    );
  }

  const result = await scoreNabCorpus({ dataDir, resultsDir, files: files.map((f) => f.name) });
  const wallSeconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const profiles = Object.values(result.profiles);

  console.log(
    `\nNAB v1.1, ${files.length} files, ${result.windows} windows, threshold optimised per profile over these files\n`,
  );
  console.log(
    formatTable(
      ['profile', 'threshold', 'raw score', 'NAB score', 'windows hit', 'FP rows'],
      profiles.map((p) => [
        p.profile,
        p.threshold,
        p.rawScore,
        p.normalizedScore,
        `${p.windowsDetected}/${p.windows}`,
        p.fp,
      ]),
    ),
  );
  console.log('\nPublished (full corpus, standard / low FP / low FN):');
  console.log(
    formatTable(
      ['detector', 'standard', 'reward_low_FP_rate', 'reward_low_FN_rate'],
      [
        [`${DETECTOR_NAME} (this run)`, ...profiles.map((p) => p.normalizedScore)],
        ...Object.entries(PUBLISHED).map(([name, s]) => [name, ...s]),
      ],
    ),
  );
  console.log(
    `\nwall time ${wallSeconds.toFixed(1)} s, CPU time ${cpuSeconds.toFixed(1)} s (${cached} of ${files.length} files from cache), ` +
      `detector compute ${(computeMs / 1000).toFixed(1)} s, ${threadCount} threads`,
  );

  const out = {
    benchmark: 'NAB v1.1',
    protocol:
      'online: detector fitted on the probationary rows only, then streamed row by row; each row scored from rows up to it ' +
      `(forecast-error surprise, change against one day earlier, value and ${WINDOW}-row level outside the range of the last ${MAPPING.rangeMemory} rows; refractory rule); ` +
      'one configuration for all files; ' +
      'threshold optimised per profile over the scored files (NAB sweep)',
    environment: runEnvironment(repoRoot, threadCount),
    configuration: { hash, detector: ONLINE, scoreMapping: MAPPING },
    files: files.length,
    windows: result.windows,
    wallSeconds,
    cpuSeconds,
    detectorComputeSeconds: computeMs / 1000,
    filesFromCache: cached,
    published: PUBLISHED,
    profiles: Object.fromEntries(profiles.map((p) => [p.profile, { ...p, files: undefined }])),
    perFile: files.map((f) => ({
      file: f.name,
      rows: f.rows,
      windows: f.windows.length,
      ...Object.fromEntries(profiles.map((p) => [p.profile, p.files.find((x) => x.file === f.name)])),
    })),
  };
  await mkdir(path.join(repoRoot, 'eval', 'results'), { recursive: true });
  const jsonPath = path.join(
    repoRoot,
    'eval',
    'results',
    args.limit === undefined ? 'nab.json' : `nab-limit${args.limit}.json`,
  );
  await writeFile(jsonPath, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(repoRoot, jsonPath)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
