/**
 * The steps shared by the NAB runners (eval/nab.ts, eval/nab-ablations.ts): picking a subset of
 * files, computing each file's online forecast errors (cached per configuration, so an
 * interrupted run resumes), and scoring a run in memory with the library's NAB scorer.
 */
import path from 'node:path';
import { scoreNabDetections, type NabCorpus, type NabCorpusFile, type NabCorpusScore } from '../../src/eval/index.js';
import { FileCache } from './file-cache.js';
import { onlineErrors, type OnlineConfig } from './nab-online-detector.js';
import { nabOnlineScores, type NabScoreMapping } from './nab-online-score.js';
import { roundRobin } from './round-robin.js';

/** `limit` files taken round-robin over the categories, so a subset still mixes data kinds. */
export function pickNabFiles(files: NabCorpusFile[], limit: number | undefined): NabCorpusFile[] {
  if (limit === undefined || limit >= files.length) return files;
  const byCategory = new Map<string, NabCorpusFile[]>();
  for (const f of files) {
    const c = f.name.split('/')[0]!;
    byCategory.set(c, [...(byCategory.get(c) ?? []), f]);
  }
  return roundRobin([...byCategory.values()], limit).sort((a, b) => a.name.localeCompare(b.name));
}

export interface NabFileMeta {
  ms: number;
  fits: number;
  window: number;
}

export interface NabErrorsRun {
  /** Raw per-row errors, keyed by corpus file name. */
  errors: Map<string, Float32Array>;
  /** Detector time summed over the files, including the cached files' recorded times. */
  computeMs: number;
  cached: number;
}

export interface NabErrorsOptions {
  /** Where this configuration's per-file errors are cached. */
  cacheDir: string;
  /** Recompute every file instead of reusing the cache. */
  fresh: boolean;
  /** Told about each file that was computed. */
  log?: (line: string) => void;
}

export async function nabErrors(
  files: readonly NabCorpusFile[],
  online: OnlineConfig,
  options: NabErrorsOptions,
): Promise<NabErrorsRun> {
  const cache = new FileCache<NabFileMeta>(options.cacheDir);
  const errors = new Map<string, Float32Array>();
  let computeMs = 0;
  let cached = 0;
  for (const [i, file] of files.entries()) {
    let entry = options.fresh ? null : await cache.get(file.name);
    if (entry !== null && entry.values.length === file.rows) {
      cached++;
    } else {
      const t0 = performance.now();
      const out = await onlineErrors(file.values, file.weights.probation, online);
      entry = { values: out.errors, meta: { ms: performance.now() - t0, fits: out.fits, window: out.window } };
      await cache.set(file.name, entry.values, entry.meta);
      options.log?.(
        `[${i + 1}/${files.length}] ${file.name}: ${file.rows} rows, window ${out.window}, ${(entry.meta.ms / 1000).toFixed(1)} s`,
      );
    }
    computeMs += entry.meta.ms;
    errors.set(file.name, entry.values);
  }
  return { errors, computeMs, cached };
}

/** Each file's NAB scores (row by row, causal) from its errors and values. */
export function nabScoresOf(
  files: readonly NabCorpusFile[],
  errors: ReadonlyMap<string, Float32Array>,
  mapping: NabScoreMapping,
): Map<string, Float64Array> {
  return new Map(files.map((f) => [f.name, nabOnlineScores(f, f.weights.probation, errors.get(f.name)!, mapping)]));
}

/** Scores `files` (a subset of `corpus`) with each profile's threshold optimised over them. */
export function scoreNabRun(
  corpus: NabCorpus,
  files: readonly NabCorpusFile[],
  scores: ReadonlyMap<string, Float64Array>,
): NabCorpusScore {
  const subset: NabCorpus = { ...corpus, files: [...files], windows: files.reduce((n, f) => n + f.windows.length, 0) };
  return scoreNabDetections(subset, scores);
}

/** The per-configuration cache folder under the repository's eval/results/cache/. */
export function nabCacheDir(repoRoot: string, errorsHash: string): string {
  return path.join(repoRoot, 'eval', 'results', 'cache', 'nab', errorsHash, 'errors');
}
