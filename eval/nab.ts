/**
 * NAB benchmark runner: `npm run eval:nab -- --data DIR [--limit N] [--threads N] [--fresh]`
 * (DIR: the datasets folder holding nab/, or set RNN_ANOMALY_DATA; see lib/run-args.ts).
 *
 * Runs one fixed configuration (nab-config.ts) online over every NAB file (see
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
import { loadNabCorpus, scoreNabCorpus, writeNabResultsFile } from '../src/eval/index.js';
import { NAB_CONFIG, nabConfigHash, nabErrorsHash } from './nab-config.js';
import { nabCacheDir, nabErrors, nabScoresOf, pickNabFiles } from './lib/nab-run.js';
import { NAB_DATASET, parseRunArgs, type RunnerHelp } from './lib/run-args.js';
import { runEnvironment } from './lib/run-environment.js';
import { formatTable } from './lib/text-table.js';

const HELP: RunnerHelp = {
  script: 'eval:nab',
  dataset: NAB_DATASET,
  limit: 'run N files, taken round-robin over the categories',
};
const DETECTOR_NAME = 'rnnAnomaly';

/** Published NAB v1.1 scores (results/final_results.json) to compare against. */
const PUBLISHED: Record<string, [number, number, number]> = {
  ARTime: [74.85, 65.15, 80.36],
  'Numenta HTM (NuPIC 0.5.6)': [70.1, 63.12, 74.32],
  windowedGaussian: [39.65, 20.87, 47.41],
  random: [16.83, 5.76, 25.88],
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const args = parseRunArgs(process.argv.slice(2), HELP);
  const began = performance.now();
  const dataDir = path.join(args.data, 'data');
  if (args.threads !== undefined) setThreads(args.threads);
  const threadCount = threads();

  const corpus = await loadNabCorpus({ dataDir });
  const files = pickNabFiles(corpus.files, args.limit);
  const hash = nabConfigHash(NAB_CONFIG);
  const errorsHash = nabErrorsHash(NAB_CONFIG);
  const resultsDir = path.join(repoRoot, 'eval', 'results', 'cache', 'nab-results', hash, DETECTOR_NAME);
  console.log(`NAB: ${files.length} files, ${threadCount} threads, configuration ${hash}`);

  const run = await nabErrors(files, NAB_CONFIG.online, {
    cacheDir: nabCacheDir(repoRoot, errorsHash),
    fresh: args.fresh,
    log: (line) => console.log(line),
  });
  const scores = nabScoresOf(files, run.errors, NAB_CONFIG.scoreMapping);
  for (const file of files) {
    await writeNabResultsFile(
      path.join(
        resultsDir,
        ...path.posix.dirname(file.name).split('/'),
        `${DETECTOR_NAME}_${path.posix.basename(file.name)}`,
      ),
      file,
      scores.get(file.name)!,
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
    `\nwall time ${wallSeconds.toFixed(1)} s, CPU time ${cpuSeconds.toFixed(1)} s (${run.cached} of ${files.length} files from cache), ` +
      `detector compute ${(run.computeMs / 1000).toFixed(1)} s, ${threadCount} threads`,
  );

  const { online, scoreMapping } = NAB_CONFIG;
  const learning =
    online.learn === null
      ? 'a frozen forecaster'
      : `a forecaster that keeps learning (a round of ${online.learn.windows} windows every ${online.learn.every} rows)`;
  const out = {
    benchmark: 'NAB v1.1',
    protocol:
      `online: detector fitted on the probationary rows only, then streamed row by row through ${learning}; each row scored from rows up to it ` +
      `(forecast-error surprise over the last ${scoreMapping.errorHistory} errors, change against one day earlier, value and ${scoreMapping.levelRows}-row level outside the range of the last ${scoreMapping.rangeMemory} rows; refractory rule); ` +
      'one configuration for all files; ' +
      'threshold optimised per profile over the scored files (NAB sweep)',
    environment: runEnvironment(repoRoot, threadCount),
    configuration: { hash, ...NAB_CONFIG },
    files: files.length,
    windows: result.windows,
    wallSeconds,
    cpuSeconds,
    detectorComputeSeconds: run.computeMs / 1000,
    filesFromCache: run.cached,
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
