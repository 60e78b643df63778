/**
 * Measures the cases of one JavaScript-side peer, in a process of its own (started by
 * bench/run.ts with a job file). For each case: open a session, check its first output
 * against the float64 reference, warm up, time, and append a row to the job's output file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { makeCaseData, type CaseData } from './case-data.js';
import { waitForIdleCores, type IdleGate } from './native-benches.js';
import { measureLatency, measureThroughput, type Stat } from './measure.js';
import type { BenchCase, GruForm, Peer, PeerSession } from './peers/peer.js';
import { loadPeer, type JsPeerId } from './peers/registry.js';
import { normwiseError, referenceForward } from './reference-cells.js';
import type { ResultRow, SkippedCase } from './result-types.js';
import { FULL_PLAN, QUICK_PLAN, type TimingPlan } from './timing-plan.js';
import { flopsPerSequence, workloadById, type Mode, type Workload } from './workloads.js';

export interface PeerJobCase {
  workload: Workload['id'];
  mode: Mode;
  threads: number;
  gruForm: GruForm | null;
}

export interface PeerJob {
  peer: JsPeerId;
  cases: PeerJobCase[];
  quick: boolean;
  /** Run before each 2-thread case (see waitForIdleCores). */
  idle: IdleGate;
  out: string;
}

export interface PeerJobOutput {
  rows: ResultRow[];
  skipped: SkippedCase[];
}

/** Agreement with the reference is checked on this many sequences of the batch. */
const CHECKED_SEQUENCES = 2;

function firstOutputReference(c: BenchCase, data: CaseData): Float32Array {
  const w = c.workload;
  const resetAfter = c.gruForm !== 'reset-before';
  if (c.mode === 'step') return referenceForward(data.stack, resetAfter, data.x.subarray(0, w.inputSize), 1, 1);
  return referenceForward(data.stack, resetAfter, data.x, w.steps, CHECKED_SEQUENCES);
}

async function checkAgreement(c: BenchCase, session: PeerSession, data: CaseData): Promise<number | null> {
  if (!session.firstOutput) return null;
  await session.run();
  const got = await session.firstOutput();
  const want = firstOutputReference(c, data);
  return normwiseError(got.subarray(0, want.length), want);
}

async function timeSession(
  c: BenchCase,
  session: PeerSession,
  plan: TimingPlan,
): Promise<{ value: Stat; callsPerRep: number; note?: string }> {
  if (c.mode !== 'step') {
    const { rate, callsPerRep } = await measureThroughput(session.run, session.isAsync, plan.throughput);
    const perCall = c.workload.batch;
    return {
      value: { ...rate, median: rate.median * perCall, min: rate.min * perCall, max: rate.max * perCall },
      callsPerRep,
    };
  }
  // Slow peers get fewer calls per repetition (stated in the row), never fewer repetitions.
  const start = performance.now();
  let warm = 0;
  while (warm < plan.latency.warmupCalls && performance.now() - start < plan.latencyRepBudgetMs / 2) {
    await session.run();
    warm++;
  }
  const perCallMs = (performance.now() - start) / warm;
  const calls = Math.min(plan.latency.calls, Math.max(100, Math.floor(plan.latencyRepBudgetMs / perCallMs)));
  const { latencyUs, callsPerRep } = await measureLatency(session.run, session.isAsync, {
    ...plan.latency,
    warmupCalls: 0,
    calls,
  });
  const note = calls < plan.latency.calls ? `${callsPerRep} calls per repetition (time budget)` : undefined;
  return { value: latencyUs, callsPerRep, note };
}

function toRow(
  peer: Peer,
  c: BenchCase,
  timed: { value: Stat; callsPerRep: number; note?: string },
  agreement: number | null,
): ResultRow {
  const w = c.workload;
  const isStep = c.mode === 'step';
  const seqPerSec = isStep
    ? {
        median: 1e6 / timed.value.median,
        min: 1e6 / timed.value.max,
        max: 1e6 / timed.value.min,
        reps: timed.value.reps,
      }
    : timed.value;
  return {
    workload: w.id,
    mode: c.mode,
    impl: peer.id,
    label: peer.label,
    caller: 'javascript',
    threads: c.threads,
    gruForm: c.gruForm,
    unit: isStep ? 'us/step' : 'seq/s',
    value: timed.value,
    seqPerSec,
    gflops: (seqPerSec.median * flopsPerSequence(w, c.mode)) / 1e9,
    callsPerRep: timed.callsPerRep,
    agreement,
    loadAverage: os.loadavg()[0],
    note: timed.note,
  };
}

async function runJob(job: PeerJob): Promise<PeerJobOutput> {
  const plan = job.quick ? QUICK_PLAN : FULL_PLAN;
  const output: PeerJobOutput = { rows: [], skipped: [] };
  let peer: Peer;
  try {
    peer = await loadPeer(job.peer);
  } catch (err) {
    const reason = `could not load: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`  ${job.peer}: ${reason}\n`);
    for (const jc of job.cases) output.skipped.push({ workload: jc.workload, mode: jc.mode, impl: job.peer, reason });
    return output;
  }
  for (const jc of job.cases) {
    const workload = workloadById(jc.workload)!;
    const c: BenchCase = { workload, mode: jc.mode, threads: jc.threads, gruForm: jc.gruForm };
    const reason = peer.unsupported(workload, jc.mode);
    if (reason) {
      output.skipped.push({ workload: workload.id, mode: jc.mode, impl: peer.id, reason });
      continue;
    }
    const tag = `${workload.id} ${jc.mode} ${peer.id} t=${jc.threads}${jc.gruForm ? ` ${jc.gruForm}` : ''}`;
    try {
      const data = makeCaseData(workload, jc.mode);
      const session = await peer.open(c, data);
      const agreement = await checkAgreement(c, session, data);
      const pingPongNs =
        jc.threads === 2 ? waitForIdleCores(job.idle.binary, job.idle.idleNs, job.idle.maxWaitMs) : null;
      const timed = await timeSession(c, session, plan);
      await session.dispose();
      const row = toRow(peer, c, timed, agreement);
      if (pingPongNs) row.pingPongNs = pingPongNs;
      output.rows.push(row);
      const shown =
        row.unit === 'us/step' ? `${row.value.median.toFixed(2)} us/step` : `${Math.round(row.value.median)} seq/s`;
      const agree = agreement === null ? '' : `, agreement ${agreement.toExponential(1)}`;
      process.stderr.write(`  ${tag}: ${shown} (${row.gflops.toFixed(1)} GFLOP/s${agree})\n`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      output.skipped.push({ workload: workload.id, mode: jc.mode, impl: peer.id, reason: `failed: ${message}` });
      process.stderr.write(`  ${tag}: FAILED ${message}\n`);
    }
  }
  return output;
}

const jobPath = process.argv[2];
if (!jobPath) {
  process.stderr.write('usage: peer-process.ts <job.json>\n');
  process.exit(2);
}
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as PeerJob;
const result = await runJob(job);
writeFileSync(job.out, JSON.stringify(result));
// Some libraries keep worker threads alive; the results are written, so end here.
process.exit(0);
