/**
 * Drives the model-file fuzzer: runs the cases in child processes (batches, each under a memory
 * cap, a per-case idle timeout and a V8 heap cap), and when a child dies or is killed mid-batch,
 * records the case it was on as a crash or hang and resumes after it in a new child.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTsChild } from './child-process.js';
import { modelFileCase } from './model-file-cases.js';
import { craftModelFile, tinyModelFile } from './model-fixtures.js';

const CHILD = fileURLToPath(new URL('./model-file-fuzz-child.ts', import.meta.url));

export interface FuzzFailure {
  index: number;
  kind: string;
  /** 'untyped' (a throw that is not an RnnAnomalyError), 'crash' (signal or exit), 'hang', 'memory'. */
  failure: 'untyped' | 'crash' | 'hang' | 'memory';
  detail: string;
}

export interface FuzzSummary {
  cases: number;
  loaded: number;
  rejected: number;
  failedOnUse: number;
  kinds: Record<string, number>;
  failures: FuzzFailure[];
  children: number;
  peakRssBytes: number;
  slowestCase: { index: number; ms: number };
  elapsedMs: number;
}

export interface FuzzOptions {
  seed: number;
  /** Cases run: [0, cases). The first are every truncation of every base file. */
  cases: number;
  batch?: number;
  /** A case printing nothing for this long is a hang. Default 10 s. */
  caseTimeoutMs?: number;
  /** Resident-memory cap per child. Default 768 MiB. */
  maxRssBytes?: number;
}

/**
 * The base files: three small detectors covering the payload's variants (GRU forecast with a
 * fixed threshold; LSTM reconstruct with a Gaussian error model and SPOT state; RNN relu with a
 * target, a horizon and a dynamic threshold). Timing fields are zeroed so the bases, and so every
 * case, are the same from run to run.
 */
export async function fuzzBaseFiles(): Promise<Uint8Array[]> {
  const variants = [
    {},
    { cell: 'lstm', mode: 'reconstruct', score: 'loglik', threshold: { method: 'spot' } },
    {
      cell: 'rnn',
      nonlinearity: 'relu',
      targets: ['c1'],
      horizon: 2,
      threshold: { method: 'dynamic', window: 50, batch: 10 },
    },
  ];
  const bases: Uint8Array[] = [];
  for (const options of variants) {
    bases.push(
      craftModelFile(await tinyModelFile(options), (p) => {
        const summary = p.summary as { elapsedMs: number; history: { elapsedMs: number; etaMs: number }[] };
        summary.elapsedMs = 0;
        for (const epoch of summary.history) epoch.elapsedMs = epoch.etaMs = 0;
      }),
    );
  }
  return bases;
}

interface ChildReport {
  counts: { loaded: number; rejected: number; failedOnUse: number };
  kinds: Record<string, number>;
  untyped: { index: number; kind: string; error: string }[];
  slowest: { index: number; ms: number };
  maxRssBytes: number;
}

function addReport(summary: FuzzSummary, report: ChildReport): void {
  summary.loaded += report.counts.loaded;
  summary.rejected += report.counts.rejected;
  summary.failedOnUse += report.counts.failedOnUse;
  for (const [kind, n] of Object.entries(report.kinds)) summary.kinds[kind] = (summary.kinds[kind] ?? 0) + n;
  for (const u of report.untyped)
    summary.failures.push({ index: u.index, kind: u.kind, failure: 'untyped', detail: u.error });
  if (report.slowest.ms > summary.slowestCase.ms) summary.slowestCase = report.slowest;
  summary.peakRssBytes = Math.max(summary.peakRssBytes, report.maxRssBytes);
}

export async function runModelFileFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const began = performance.now();
  const bases = await fuzzBaseFiles();
  const dir = mkdtempSync(join(tmpdir(), 'rnnad-fuzz-'));
  const paths = bases.map((bytes, i) => {
    const path = join(dir, `base-${i}.rnnad`);
    writeFileSync(path, bytes);
    return path;
  });
  const summary: FuzzSummary = {
    cases: options.cases,
    loaded: 0,
    rejected: 0,
    failedOnUse: 0,
    kinds: {},
    failures: [],
    children: 0,
    peakRssBytes: 0,
    slowestCase: { index: -1, ms: 0 },
    elapsedMs: 0,
  };
  const batch = options.batch ?? 2000;
  const pending: [number, number][] = [];
  for (let start = 0; start < options.cases; start += batch)
    pending.push([start, Math.min(options.cases, start + batch)]);
  try {
    while (pending.length > 0) {
      const [start, end] = pending.shift()!;
      const outcome = await runTsChild(CHILD, [], {
        timeoutMs: Math.max(120_000, (end - start) * 50),
        idleTimeoutMs: options.caseTimeoutMs ?? 10_000,
        maxRssBytes: options.maxRssBytes ?? 768 * 2 ** 20,
        heapMb: 512,
        input: JSON.stringify({ bases: paths, seed: options.seed, start, end }),
      });
      summary.children++;
      summary.peakRssBytes = Math.max(summary.peakRssBytes, outcome.peakRssBytes);
      const lines = outcome.stdout.trim().split('\n');
      const last = lines[lines.length - 1] ?? '';
      if (last.startsWith('{')) {
        addReport(summary, JSON.parse(last) as ChildReport);
        continue;
      }
      const started = lines.filter((l) => l.startsWith('> ')).pop();
      const index = started ? Number(started.slice(2)) : start;
      summary.failures.push({
        index,
        kind: caseKind(bases, options.seed, index),
        failure:
          outcome.killedFor === 'idle' || outcome.killedFor === 'time'
            ? 'hang'
            : outcome.killedFor === 'memory'
              ? 'memory'
              : 'crash',
        detail: `exit ${outcome.exitCode}, signal ${outcome.signal}, peak RSS ${Math.round(outcome.peakRssBytes / 2 ** 20)} MiB: ${outcome.stderr.slice(-600)}`,
      });
      // The cases before the failing one ran, but their counts died with the child: run them again.
      if (index > start) pending.unshift([start, index]);
      if (index + 1 < end) pending.push([index + 1, end]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  summary.elapsedMs = performance.now() - began;
  return summary;
}

function caseKind(bases: readonly Uint8Array[], seed: number, index: number): string {
  try {
    return modelFileCase(bases, seed, index).kind;
  } catch (error) {
    return `case generation failed: ${(error as Error).message}`;
  }
}
