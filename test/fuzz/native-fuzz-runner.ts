// Parent side of the native fuzzer: runs the cases in batches, each batch in a child process
// (native-fuzz-child.ts) so that a crash shows as a signal and a hang as a timeout, with the
// child's RSS watched and capped. A batch that crashes, hangs or exceeds the cap is re-run case
// by case to name the case (and its seed) that does it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CaseOutcome, OutcomeKind } from './native-fuzz-cases.js';

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** Cases per child process. */
  batch?: number;
  /** Child processes at a time. */
  parallel?: number;
  /** A child is killed as hung when no case finishes for this long. */
  timeoutMs?: number;
  rssCapMb?: number;
  onBatch?: (done: number, report: FuzzReport) => void;
  onCrash?: (crash: Crash) => void;
}

export interface Crash {
  seed: number;
  index: number | null;
  batch: [number, number];
  reason: string;
  stderrTail: string;
}

export interface FuzzReport {
  cases: number;
  counts: Partial<Record<OutcomeKind, number>>;
  /** Cases that ended in an error that is not typed, or a promise that never settled. */
  failures: CaseOutcome[];
  /** Children killed by a signal, a timeout or the RSS cap. */
  crashes: Crash[];
  targets: Record<string, number>;
  surface: Record<string, string[]>;
  peakRssMb: number;
  seconds: number;
}

const CHILD = join(import.meta.dirname, 'native-fuzz-child.ts');

interface ChildResult {
  ok: boolean;
  reason: string;
  stderr: string;
  lastCase: number | null;
  summary?: {
    counts: Partial<Record<OutcomeKind, number>>;
    failures: CaseOutcome[];
    targets: Record<string, number>;
    peakRssMb: number;
    surface: Record<string, string[]>;
  };
}

function runChild(seed: number, from: number, to: number, timeoutMs: number, rssCapMb: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=512', '--import', 'tsx', CHILD, String(seed), String(from), String(to)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    let stdout = '';
    let stderr = '';
    let killedFor = '';
    // A hang is one case that does not finish: the clock restarts with every case the child starts,
    // so a slow (loaded) machine does not turn a long batch into a false hang.
    let timer = setTimeout(() => kill(`hang: no case finished in ${timeoutMs} ms`), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      clearTimeout(timer);
      timer = setTimeout(() => kill(`hang: no case finished in ${timeoutMs} ms`), timeoutMs);
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    const kill = (why: string): void => {
      if (killedFor) return;
      killedFor = why;
      child.kill('SIGKILL');
    };
    const watch = setInterval(() => {
      const rss = rssMb(child.pid);
      if (rss > rssCapMb) kill(`RSS ${rss} MB over the ${rssCapMb} MB cap`);
    }, 50);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      const cases = [...stderr.matchAll(/^case (\d+)$/gm)];
      const lastCase = cases.length ? Number(cases[cases.length - 1]![1]) : null;
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!killedFor && code === 0 && line.startsWith('{')) {
        resolve({ ok: true, reason: '', stderr, lastCase, summary: JSON.parse(line) });
        return;
      }
      const reason = killedFor || (signal ? `signal ${signal}` : `exit code ${code}`);
      resolve({ ok: false, reason, stderr, lastCase });
    });
  });
}

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const tail = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !/^case \d+$/.test(l))
    .slice(-25)
    .join('\n');

export async function runNativeFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { seed, cases } = options;
  const batch = options.batch ?? 500;
  const parallel = options.parallel ?? 2;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const rssCapMb = options.rssCapMb ?? 1536;
  const started = Date.now();
  const report: FuzzReport = {
    cases: 0,
    counts: {},
    failures: [],
    crashes: [],
    targets: {},
    surface: {},
    peakRssMb: 0,
    seconds: 0,
  };
  const absorb = (r: ChildResult, from: number, to: number): void => {
    if (!r.summary) return;
    report.cases += to - from;
    for (const [k, v] of Object.entries(r.summary.counts)) {
      report.counts[k as OutcomeKind] = (report.counts[k as OutcomeKind] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(r.summary.targets)) report.targets[k] = (report.targets[k] ?? 0) + v;
    report.failures.push(...r.summary.failures);
    report.surface = r.summary.surface;
    report.peakRssMb = Math.max(report.peakRssMb, r.summary.peakRssMb);
  };
  const batches: Array<[number, number]> = [];
  for (let from = 0; from < cases; from += batch) batches.push([from, Math.min(cases, from + batch)]);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const [from, to] = batches[next++]!;
      await runBatch(from, to);
      options.onBatch?.(report.cases + report.crashes.length, report);
    }
  };
  // A dead batch: the case it was running is re-run on its own to confirm it crashes alone (else
  // the crash is reported against the batch: it needs the cases before it), then the rest of
  // the batch resumes in a new child.
  const runBatch = async (from: number, to: number): Promise<void> => {
    while (from < to) {
      const r = await runChild(seed, from, to, timeoutMs, rssCapMb);
      if (r.ok) {
        absorb(r, from, to);
        return;
      }
      const at = r.lastCase ?? from;
      const alone = at === from ? r : await runChild(seed, at, at + 1, timeoutMs, rssCapMb);
      if (alone.ok) absorb(alone, at, at + 1);
      const crash: Crash = {
        seed,
        index: at,
        batch: [from, to],
        reason: alone.ok ? `${r.reason} (only after cases ${from}..${at - 1} in the same process)` : alone.reason,
        stderrTail: tail(alone.ok ? r.stderr : alone.stderr),
      };
      report.crashes.push(crash);
      options.onCrash?.(crash);
      // The cases before it finished in the dead child but their outcomes died with it.
      if (at > from && !alone.ok) await runBatch(from, at);
      from = at + 1;
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
