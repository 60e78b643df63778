/**
 * Builds the C++ benches (bench/native, CMake) and runs them: FMA peak, core-to-core ping-pong,
 * our kernels from C++ and oneDNN. Every shape and timing setting goes to the binaries on their
 * command line from bench/workloads.ts and bench/timing-plan.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Stat } from './measure.js';
import type { GruForm } from './peers/peer.js';
import type { PeakRow, ResultRow } from './result-types.js';
import type { TimingPlan } from './timing-plan.js';
import { flopsPerSequence, type Mode, type Workload } from './workloads.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(benchDir, '..');
const SOURCE_DIR = path.join(benchDir, 'native');
const BUILD_DIR = path.join(REPO_ROOT, 'build', 'bench-native');

export type NativeBinary = 'fma_peak' | 'pingpong' | 'bench_kernels' | 'bench_onednn';

export interface NativeBuild {
  /** Path of each binary that was built; a missing one could not be (see `problems`). */
  binaries: Partial<Record<NativeBinary, string>>;
  problems: string[];
}

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Builds the binaries and copies them into `runDir`, so that a `node-gyp rebuild` elsewhere
 * (which deletes build/) cannot pull them away in the middle of a run.
 */
export function buildNativeBenches(runDir: string): NativeBuild {
  const problems: string[] = [];
  const configure = run('cmake', ['-S', SOURCE_DIR, '-B', BUILD_DIR, '-DCMAKE_BUILD_TYPE=Release']);
  if (!configure.ok) return { binaries: {}, problems: [`cmake configure failed:\n${configure.output.slice(-2000)}`] };
  if (/bench_onednn skipped/.test(configure.output)) {
    problems.push('oneDNN peer skipped: libdnnl-dev is not installed (apt-get install libdnnl-dev)');
  }
  const binaries: NativeBuild['binaries'] = {};
  // Built one by one so that a failure in one (the kernels mid-change, say) keeps the others.
  for (const target of ['fma_peak', 'pingpong', 'bench_kernels', 'bench_onednn'] as const) {
    if (target === 'bench_onednn' && problems.length > 0) continue;
    const build = run('cmake', ['--build', BUILD_DIR, '--target', target, '-j', '2']);
    const built = path.join(BUILD_DIR, target);
    if (build.ok && existsSync(built)) {
      binaries[target] = path.join(runDir, target);
      copyFileSync(built, binaries[target]);
    } else {
      problems.push(`${target} did not build:\n${build.output.slice(-1500)}`);
    }
  }
  return { binaries, problems };
}

export function measureFmaPeak(binary: string | undefined, reps: number): PeakRow[] {
  if (!binary) return [];
  const r = run(binary, ['--reps', String(reps), '--max-threads', '2']);
  if (!r.ok) return [];
  return (JSON.parse(r.output) as { peaks: PeakRow[] }).peaks;
}

export function measurePingPongOnce(binary: string | undefined, trips = 100_000): Stat | null {
  if (!binary) return null;
  const r = spawnSync(binary, ['--trips', String(trips)], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? (JSON.parse(r.stdout) as { roundTripNs: Stat }).roundTripNs : null;
}

/**
 * On a shared machine the second core is often busy with someone else's work, and a 2-thread
 * figure then measures the wait for it. Before a 2-thread case this polls the core-to-core
 * round trip (a few milliseconds per probe) until it is below `idleNs` or `maxWaitMs` passes,
 * and returns the last probe, recorded beside the row.
 */
export function waitForIdleCores(binary: string | undefined, idleNs: number, maxWaitMs: number): Stat | null {
  const deadline = Date.now() + maxWaitMs;
  let probe = measurePingPongOnce(binary, 20_000);
  while (probe && probe.median > idleNs && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    probe = measurePingPongOnce(binary, 20_000);
  }
  return probe;
}

/** How 2-thread cases wait for the second core (see waitForIdleCores). */
export interface IdleGate {
  binary: string | undefined;
  idleNs: number;
  maxWaitMs: number;
}

export interface NativeCase {
  binary: NativeBinary;
  impl: 'ours-c++' | 'onednn';
  workload: Workload;
  mode: Mode;
  threads: number;
  gruForm: GruForm | null;
  /** ours-c++ only: force this instruction set. */
  isa?: string;
  note?: string;
}

interface NativeOutput {
  label: string;
  unit: 'us/call' | 'calls/s';
  value: Stat;
  callsPerRep: number;
  note: string;
}

/** Runs one case; returns the row, or the reason it failed. */
export function runNativeCase(build: NativeBuild, c: NativeCase, plan: TimingPlan, idle: IdleGate): ResultRow | string {
  const binary = build.binaries[c.binary];
  if (!binary) return `${c.binary} is not built`;
  const w = c.workload;
  const args = [
    '--cell',
    w.cell,
    '--reset-after',
    c.gruForm === 'reset-before' ? '0' : '1',
    '--input',
    String(w.inputSize),
    '--hidden',
    String(w.hiddenSize),
    '--layers',
    String(w.layers),
    '--steps',
    String(w.steps),
    '--batch',
    String(w.batch),
    '--mode',
    c.mode,
    '--threads',
    String(c.threads),
    '--warmup-ms',
    String(plan.throughput.warmupMs),
    '--rep-ms',
    String(plan.throughput.repMs),
    '--reps',
    String(plan.throughput.reps),
    '--calls',
    String(plan.latency.calls),
    '--block',
    String(plan.latency.block),
  ];
  if (c.isa) args.push('--isa', c.isa);
  const pingPongNs = c.threads === 2 ? waitForIdleCores(idle.binary, idle.idleNs, idle.maxWaitMs) : null;
  const r = run(binary, args);
  if (!r.ok) return r.output.trim().split('\n').pop() ?? 'failed';
  const out = JSON.parse(r.output.trim().split('\n').pop()!) as NativeOutput;
  const isStep = out.unit === 'us/call';
  const scale = isStep ? 1 : w.batch;
  const value: Stat = {
    ...out.value,
    median: out.value.median * scale,
    min: out.value.min * scale,
    max: out.value.max * scale,
  };
  const seqPerSec = isStep
    ? { median: 1e6 / value.median, min: 1e6 / value.max, max: 1e6 / value.min, reps: value.reps }
    : value;
  const row: ResultRow = {
    workload: w.id,
    mode: c.mode,
    impl: c.impl,
    label: out.label,
    caller: 'c++',
    threads: c.threads,
    gruForm: c.gruForm,
    unit: isStep ? 'us/step' : 'seq/s',
    value,
    seqPerSec,
    gflops: (seqPerSec.median * flopsPerSequence(w, c.mode)) / 1e9,
    callsPerRep: out.callsPerRep,
    agreement: null,
    loadAverage: os.loadavg()[0],
  };
  const note = [c.note, out.note].filter(Boolean).join('; ');
  if (note) row.note = note;
  if (pingPongNs) row.pingPongNs = pingPongNs;
  if (c.isa) row.forcedIsa = c.isa;
  return row;
}
