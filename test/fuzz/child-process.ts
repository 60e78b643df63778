/**
 * Runs a TypeScript script in a child Node process with a time limit and, where /proc exists, a
 * resident-memory limit, so a test of something that used to hang, abort or allocate gigabytes
 * fails in bounded time and memory instead of taking the test runner down with it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ChildLimits {
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Killed (SIGKILL) once its resident set exceeds this (Linux only: read from /proc). */
  maxRssBytes: number;
  /** V8 old-space cap (--max-old-space-size), in MiB. Default 256. */
  heapMb?: number;
  /** Killed (SIGKILL) when it prints nothing to stdout for this long (a child reporting progress that hangs). */
  idleTimeoutMs?: number;
  /** Written to the child's stdin, then stdin is closed. */
  input?: string;
}

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the parent killed the child for exceeding a limit. */
  killedFor: 'time' | 'idle' | 'memory' | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** Largest resident set the parent saw (0 where /proc is unavailable). */
  peakRssBytes: number;
}

const POLL_MS = 20;

export function runTsChild(script: string, args: readonly string[], limits: ChildLimits): Promise<ChildOutcome> {
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${limits.heapMb ?? 256}`, '--import', 'tsx', script, ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let killedFor: ChildOutcome['killedFor'] = null;
  let peakRssBytes = 0;
  let lastOutput = performance.now();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    lastOutput = performance.now();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(limits.input ?? '');
  const kill = (reason: NonNullable<ChildOutcome['killedFor']>): void => {
    if (killedFor === null && child.exitCode === null && child.signalCode === null) {
      killedFor = reason;
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(() => kill('time'), limits.timeoutMs);
  const watch = setInterval(() => {
    const rss = residentBytes(child.pid);
    peakRssBytes = Math.max(peakRssBytes, rss);
    if (rss > limits.maxRssBytes) kill('memory');
    if (limits.idleTimeoutMs !== undefined && performance.now() - lastOutput > limits.idleTimeoutMs) kill('idle');
  }, POLL_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      resolve({ exitCode, signal, killedFor, stdout, stderr, elapsedMs: performance.now() - began, peakRssBytes });
    });
  });
}

function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The last line of stdout parsed as JSON (children report one JSON line when they finish). */
export function lastJsonLine<T>(outcome: ChildOutcome): T {
  const lines = outcome.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(
      `the child printed no JSON result (exit ${outcome.exitCode}, signal ${outcome.signal}, killed for ${outcome.killedFor}, ` +
        `${Math.round(outcome.elapsedMs)} ms, peak RSS ${Math.round(outcome.peakRssBytes / 2 ** 20)} MiB)\nstderr: ${outcome.stderr.slice(0, 2000)}`,
    );
  }
}
