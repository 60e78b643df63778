/**
 * NAB ablations: `npm run eval:nab-ablations -- --data DIR [--limit N] [--threads N] [--fresh]`.
 *
 * What carries the NAB score of eval/nab-config.ts: each score term switched off, the network's
 * term alone, and each network option switched on or off, over seeds 1, 2 and 3 (seed 1 is the
 * committed configuration), all three profiles; and, standing in for ensembles, the mean of the
 * three seeds' errors. Variants that change only the score mapping
 * reuse the errors of the network variant they start from. Prints a Markdown table (for
 * docs/evaluation.md) and writes eval/results/nab-ablations.json (nab-ablations-limit<N>.json
 * for a subset). Per-file errors are cached per configuration, as eval:nab does, so a rerun
 * only rescores.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setThreads, threads } from '../src/engine/runtime.js';
import { loadNabCorpus, type NabCorpusScore } from '../src/eval/index.js';
import { NAB_CONFIG, nabConfigHash, nabErrorsHash, type NabRunConfig } from './nab-config.js';
import type { NabScoreTerms } from './lib/nab-online-score.js';
import { nabCacheDir, nabErrors, nabScoresOf, pickNabFiles, scoreNabRun } from './lib/nab-run.js';
import { NAB_DATASET, parseRunArgs, type RunnerHelp } from './lib/run-args.js';
import { runEnvironment } from './lib/run-environment.js';

const HELP: RunnerHelp = {
  script: 'eval:nab-ablations',
  dataset: NAB_DATASET,
  limit: 'run N files, taken round-robin over the categories',
};
const SEEDS = [1, 2, 3];
const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

interface Variant {
  name: string;
  /** What it changes, from the configuration. */
  change: (config: NabRunConfig) => NabRunConfig;
}

function withDetector(config: NabRunConfig, detector: Partial<NabRunConfig['online']['detector']>): NabRunConfig {
  return { ...config, online: { ...config.online, detector: { ...config.online.detector, ...detector } } };
}

function withTerms(config: NabRunConfig, terms: Partial<NabScoreTerms>): NabRunConfig {
  return {
    ...config,
    scoreMapping: { ...config.scoreMapping, terms: { ...config.scoreMapping.terms, ...terms } },
  };
}

const NETWORK_ALONE: Partial<NabScoreTerms> = { dayAgo: false, range: false, levelRange: false };
const withoutLearning = (c: NabRunConfig): NabRunConfig => ({ ...c, online: { ...c.online, learn: null } });

const VARIANTS: Variant[] = [
  { name: 'the configuration (all four terms, learning stream)', change: (c) => c },
  { name: 'no network term', change: (c) => withTerms(c, { forecastError: false }) },
  { name: 'network term alone', change: (c) => withTerms(c, NETWORK_ALONE) },
  { name: 'no value-range term', change: (c) => withTerms(c, { range: false }) },
  { name: 'no level-range term', change: (c) => withTerms(c, { levelRange: false }) },
  { name: 'no day-ago term', change: (c) => withTerms(c, { dayAgo: false }) },
  { name: 'learning off (frozen after the probationary rows)', change: withoutLearning },
  { name: 'network term alone, learning off', change: (c) => withTerms(withoutLearning(c), NETWORK_ALONE) },
  { name: 'dropout 0.3 on the GRU output (training only)', change: (c) => withDetector(c, { dropout: 0.3 }) },
  {
    name: 'Gaussian head, NLL score',
    change: (c) => {
      const gaussian = withDetector(c, { head: 'gaussian', score: 'nll' });
      return {
        ...gaussian,
        online: { ...gaussian.online, detector: { ...gaussian.online.detector, varianceFloor: 1e-4 } },
        scoreMapping: { ...gaussian.scoreMapping, errorKind: 'nll' },
      };
    },
  },
  {
    name: 'horizon 5, mean of the 1..5-step forecasts',
    change: (c) => withDetector(c, { horizon: 5, horizonScore: 'mean' }),
  },
];

interface ProfileSummary {
  mean: number;
  min: number;
  max: number;
  perSeed: number[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function summary(values: number[]): ProfileSummary {
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    perSeed: values,
  };
}

const fmt = (x: number): string => x.toFixed(2);

function meanOf(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays[0]!.length);
  for (const a of arrays) for (let i = 0; i < out.length; i++) out[i]! += a[i]! / arrays.length;
  return out;
}

async function main(): Promise<void> {
  const args = parseRunArgs(process.argv.slice(2), HELP);
  const began = performance.now();
  const loadBefore = os.loadavg();
  const dataDir = path.join(args.data, 'data');
  if (args.threads !== undefined) setThreads(args.threads);
  const threadCount = threads();
  // Read before the run, so the commit recorded is the one that ran (not edits made meanwhile).
  const environment = runEnvironment(repoRoot, threadCount);
  const corpus = await loadNabCorpus({ dataDir });
  const files = pickNabFiles(corpus.files, args.limit);
  console.log(`NAB ablations: ${VARIANTS.length} variants x seeds ${SEEDS.join(', ')}, ${files.length} files`);

  // Errors are computed once per network configuration; score-only variants share them.
  const errorRuns = new Map<string, Awaited<ReturnType<typeof nabErrors>>>();
  // As eval:nab reports it: cached files count with the time they took when computed.
  let computeMs = 0;
  let filesFromCache = 0;
  const rows: { name: string; hashes: string[]; profiles: Record<string, ProfileSummary> }[] = [];
  for (const variant of VARIANTS) {
    const perSeed: NabCorpusScore[] = [];
    const hashes: string[] = [];
    for (const seed of SEEDS) {
      const config = variant.change(withDetector(NAB_CONFIG, { seed }));
      const errorsHash = nabErrorsHash(config);
      let run = errorRuns.get(errorsHash);
      if (run === undefined) {
        run = await nabErrors(files, config.online, { cacheDir: nabCacheDir(repoRoot, errorsHash), fresh: args.fresh });
        computeMs += run.computeMs;
        filesFromCache += run.cached;
        errorRuns.set(errorsHash, run);
        console.log(
          `  errors ${errorsHash} (seed ${seed}): ${(run.computeMs / 1000).toFixed(1)} s detector compute, ${run.cached} files cached`,
        );
      }
      perSeed.push(scoreNabRun(corpus, files, nabScoresOf(files, run.errors, config.scoreMapping)));
      hashes.push(nabConfigHash(config));
    }
    const profiles = Object.fromEntries(
      PROFILES.map((p) => [p, summary(perSeed.map((s) => s.profiles[p]!.normalizedScore))]),
    );
    rows.push({ name: variant.name, hashes, profiles });
    const s = profiles.standard!;
    console.log(`${variant.name}: standard ${fmt(s.mean)} (${s.perSeed.map(fmt).join(', ')})`);
  }

  // Ensembles are not built yet (issue 12, item 4); the mean of the seeds' errors row by row is
  // what k members trained like single models and combined by their mean would give.
  const seedRuns = SEEDS.map((seed) => errorRuns.get(nabErrorsHash(withDetector(NAB_CONFIG, { seed })))!);
  const meanErrors = new Map(files.map((f) => [f.name, meanOf(seedRuns.map((r) => r.errors.get(f.name)!))]));
  for (const [name, terms] of [
    [`mean of the seeds' errors (stand-in for a ${SEEDS.length}-member ensemble)`, {}],
    ["network term alone, mean of the seeds' errors", NETWORK_ALONE],
  ] as const) {
    const mapping = withTerms(NAB_CONFIG, terms).scoreMapping;
    const score = scoreNabRun(corpus, files, nabScoresOf(files, meanErrors, mapping));
    const profiles = Object.fromEntries(PROFILES.map((p) => [p, summary([score.profiles[p]!.normalizedScore])]));
    const hashes = SEEDS.map((seed) => nabConfigHash(withTerms(withDetector(NAB_CONFIG, { seed }), terms)));
    rows.push({ name, hashes, profiles });
    console.log(`${name}: standard ${fmt(profiles.standard!.mean)}`);
  }
  const wallSeconds = (performance.now() - began) / 1000;
  const loadAfter = os.loadavg();

  const base = rows[0]!.profiles.standard!.mean;
  const table = [
    '| variant | standard, mean (min-max) | change | low FP, mean (min-max) | low FN, mean (min-max) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const cell = (p: string): string => {
        const s = r.profiles[p]!;
        return `${fmt(s.mean)} (${fmt(s.min)}-${fmt(s.max)})`;
      };
      const delta = r.profiles.standard!.mean - base;
      return `| ${r.name} | ${cell('standard')} | ${r === rows[0] ? '' : (delta >= 0 ? '+' : '') + fmt(delta)} | ${cell('reward_low_FP_rate')} | ${cell('reward_low_FN_rate')} |`;
    }),
  ].join('\n');
  console.log(`\n${table}\n`);
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `${files.length} files, seeds ${SEEDS.join(', ')}; wall time ${wallSeconds.toFixed(1)} s, detector compute ${(computeMs / 1000).toFixed(1)} s ` +
      `(${filesFromCache} of ${errorRuns.size * files.length} file runs from cache), ` +
      `${threadCount} threads, commit ${environment.commit}; load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
  );

  const out = {
    benchmark: 'NAB v1.1 ablations',
    base: { hash: nabConfigHash(NAB_CONFIG), ...NAB_CONFIG },
    seeds: SEEDS,
    environment,
    loadAverage: { before: loadBefore, after: loadAfter },
    files: files.length,
    wallSeconds,
    detectorComputeSeconds: computeMs / 1000,
    fileRuns: errorRuns.size * files.length,
    fileRunsFromCache: filesFromCache,
    variants: rows,
    markdown: table,
  };
  await mkdir(path.join(repoRoot, 'eval', 'results'), { recursive: true });
  const jsonPath = path.join(
    repoRoot,
    'eval',
    'results',
    args.limit === undefined ? 'nab-ablations.json' : `nab-ablations-limit${args.limit}.json`,
  );
  await writeFile(jsonPath, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(repoRoot, jsonPath)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
