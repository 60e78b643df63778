/**
 * The NAB score of a detector over a corpus: per profile one threshold (given, or optimised
 * over the corpus as NAB does), the raw corpus score, and the 0-100 normalisation
 * 100 (S - S_null) / (S_perfect - S_null) with S_null = -A_FN x windows and
 * S_perfect = A_TP x windows, windows counted over the files scored.
 */
import { InvalidArgumentError, InvalidDataError } from '../../core/errors.js';
import { loadNabCorpus, type NabCorpus } from './corpus.js';
import { readNabResults } from './results-file.js';
import {
  addTallies,
  nabRawScore,
  resolveNabProfiles,
  sweepNabThresholds,
  tallyNabFile,
  type NabCostMatrix,
  type NabProfile,
  type NabProfileName,
} from './rules.js';

/** Windows found, and NAB's row counts over scored rows (reported, not part of the score). */
interface NabCounts {
  windows: number;
  windowsDetected: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface NabFileScore extends NabCounts {
  file: string;
  rawScore: number;
}

export interface NabProfileScore extends NabCounts {
  profile: string;
  costs: NabCostMatrix;
  threshold: number;
  /** 'optimized': chosen on the scored corpus itself, optimistic like a best F1. */
  thresholdSource: 'optimized' | 'given';
  rawScore: number;
  normalizedScore: number;
  nullScore: number;
  perfectScore: number;
  files: NabFileScore[];
}

export interface NabCorpusScore {
  files: number;
  rows: number;
  scoredRows: number;
  windows: number;
  /** Keyed by profile name, in the order requested. */
  profiles: Record<string, NabProfileScore>;
}

export interface NabScoreOptions {
  /** Default: the three NAB profiles. */
  profiles?: readonly (NabProfileName | NabProfile)[];
  /** One threshold for every profile. */
  threshold?: number;
  /** A threshold per profile name (e.g. NAB's config/thresholds.json entries). */
  thresholds?: Readonly<Record<string, number>>;
  /** Optimise each profile's threshold over the corpus; the default when no threshold is given. */
  optimize?: boolean;
}

export interface ScoreNabCorpusOptions extends NabScoreOptions {
  /** NAB's `data/` folder. */
  dataDir: string;
  /** One detector's results folder (category sub-folders). */
  resultsDir: string;
  /** Default: `<dataDir>/../labels/combined_windows.json`. */
  labelsPath?: string;
  /** Score only these corpus entries; normalisation then counts only their windows. */
  files?: readonly string[];
}

function checkThreshold(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function thresholdPlan(options: NabScoreOptions, profiles: NabProfile[]): Map<string, number> | null {
  const given = options.threshold !== undefined || options.thresholds !== undefined;
  if (options.threshold !== undefined && options.thresholds !== undefined) {
    throw new InvalidArgumentError(
      'pass either threshold (one for all profiles) or thresholds (per profile), not both',
    );
  }
  if (options.optimize === true && given) {
    throw new InvalidArgumentError('optimize: true cannot be combined with threshold or thresholds');
  }
  if (!given) {
    if (options.optimize === false) {
      throw new InvalidArgumentError('optimize: false needs threshold or thresholds');
    }
    return null;
  }
  const plan = new Map<string, number>();
  for (const p of profiles) {
    if (options.threshold !== undefined) {
      plan.set(p.name, checkThreshold(options.threshold, 'threshold'));
    } else {
      const t = options.thresholds![p.name];
      plan.set(p.name, checkThreshold(t, `thresholds.${p.name}`));
    }
  }
  return plan;
}

/** Detector scores must be finite and inside [0, 1], one per row. */
function checkDetections(corpus: NabCorpus, scores: ReadonlyMap<string, ArrayLike<number>>): ArrayLike<number>[] {
  return corpus.files.map((file) => {
    const s = scores.get(file.name);
    if (s === undefined) throw new InvalidArgumentError(`scores has no entry for corpus file "${file.name}"`);
    if (s.length !== file.rows) {
      throw new InvalidArgumentError(
        `scores for "${file.name}" must have ${file.rows} values (one per row), got ${s.length}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
    for (let r = 0; r < s.length; r++) {
      const v = s[r]!;
      if (!(v >= 0 && v <= 1)) {
        throw new InvalidDataError(`scores for "${file.name}" row ${r} must be a number in [0, 1], got ${String(v)}`);
      }
    }
    return s;
  });
}

/** Scores in-memory detector outputs (one array per corpus file, keyed by its name). */
export function scoreNabDetections(
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
  options: NabScoreOptions = {},
): NabCorpusScore {
  if (!(scores instanceof Map))
    throw new InvalidArgumentError('scores must be a Map from corpus file name to per-row scores');
  const profiles = resolveNabProfiles(options.profiles);
  const plan = thresholdPlan(options, profiles);
  const perFile = checkDetections(corpus, scores);
  if (corpus.windows === 0) {
    throw new InvalidDataError('the scored files contain no labelled windows, so the NAB score cannot be normalised');
  }
  const optimised =
    plan === null
      ? sweepNabThresholds(
          corpus.files.map((f, i) => ({ weights: f.weights, scores: perFile[i]! })),
          profiles,
        )
      : null;

  const result: NabCorpusScore = {
    files: corpus.files.length,
    rows: corpus.files.reduce((n, f) => n + f.rows, 0),
    scoredRows: corpus.files.reduce((n, f) => n + f.weights.window.length, 0),
    windows: corpus.windows,
    profiles: {},
  };
  profiles.forEach((profile, p) => {
    const threshold = plan === null ? optimised![p]!.threshold : plan.get(profile.name)!;
    const tallies = corpus.files.map((f, i) => tallyNabFile(f.weights, perFile[i]!, threshold));
    const total = addTallies(tallies);
    const rawScore = nabRawScore(total, profile.costs);
    const nullScore = -profile.costs.fn * corpus.windows;
    const perfectScore = profile.costs.tp * corpus.windows;
    result.profiles[profile.name] = {
      profile: profile.name,
      costs: { ...profile.costs },
      threshold,
      thresholdSource: plan === null ? 'optimized' : 'given',
      rawScore,
      normalizedScore: (100 * (rawScore - nullScore)) / (perfectScore - nullScore),
      nullScore,
      perfectScore,
      windows: total.windows,
      windowsDetected: total.windowsDetected,
      tp: total.tp,
      fp: total.fp,
      fn: total.fn,
      tn: total.tn,
      files: tallies.map((t, i) => ({
        file: corpus.files[i]!.name,
        rawScore: nabRawScore(t, profile.costs),
        windows: t.windows,
        windowsDetected: t.windowsDetected,
        tp: t.tp,
        fp: t.fp,
        fn: t.fn,
        tn: t.tn,
      })),
    };
  });
  return result;
}

/**
 * Reads NAB's data and labels plus one detector's results folder (`.csv` or `.csv.gz` files)
 * and scores them; see NabScoreOptions for the threshold choices.
 */
export async function scoreNabCorpus(options: ScoreNabCorpusOptions): Promise<NabCorpusScore> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(
      'options must be { dataDir, resultsDir, labelsPath?, profiles?, threshold?, thresholds?, optimize?, files? }',
    );
  }
  const profiles = resolveNabProfiles(options.profiles);
  thresholdPlan(options, profiles);
  const corpus = await loadNabCorpus({
    dataDir: options.dataDir,
    labelsPath: options.labelsPath,
    files: options.files,
  });
  const scores = await readNabResults(corpus, options.resultsDir);
  return scoreNabDetections(corpus, scores, options);
}
