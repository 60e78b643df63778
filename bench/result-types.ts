/**
 * The records a benchmark run produces, shared by the measuring processes, the report writers
 * and results.json.
 */
import type { Stat } from './measure.js';
import type { GruForm } from './peers/peer.js';
import type { Mode, Workload } from './workloads.js';

export interface ResultRow {
  workload: Workload['id'];
  mode: Mode;
  /** Implementation id: ours, ours-c++, tfjs-cpu, tfjs-wasm, onnxruntime, onednn. */
  impl: string;
  /** Library, version and code path as shown in the report. */
  label: string;
  /** Where the timed call is made from. */
  caller: 'javascript' | 'c++';
  threads: number;
  gruForm: GruForm | null;
  /** `us/step` for streaming rows, `seq/s` for the others. */
  unit: 'us/step' | 'seq/s';
  value: Stat;
  /** Sequences (streaming: steps) per second, derived from `value`. */
  seqPerSec: Stat;
  /** Median matrix-multiply GFLOP/s (FLOP counts: bench/workloads.ts). */
  gflops: number;
  callsPerRep: number;
  /** Norm-wise error of the first output against the float64 reference; null: not a forward output. */
  agreement: number | null;
  /** 1-minute load average when the row was measured: a busy machine lowers and scatters it. */
  loadAverage: number;
  /** Cache-line round trip between the two cores measured just before a 2-thread row, ns. */
  pingPongNs?: Stat;
  /** Set on the instruction-set comparison rows, whose code path was forced. */
  forcedIsa?: string;
  note?: string;
}

export interface SkippedCase {
  workload: Workload['id'];
  mode: Mode;
  impl: string;
  reason: string;
}

export interface PeakRow {
  isa: string;
  threads: number;
  gflops: Stat;
}

/** Concurrent forwardAsync calls on separate W2 stacks (bench/server-scenario.ts). */
export interface ServerRow {
  kernelThreads: number;
  uvThreadpoolSize: number;
  concurrency: number;
  seqPerSec: Stat;
}

export interface RunResults {
  createdAt: string;
  quick: boolean;
  /** Wall-clock minutes the run took. */
  minutes: number;
  machine: { cpu: string; cores: number; node: string; platform: string };
  /** 1-minute load average when the run started and ended: other work on the machine skews figures. */
  loadAverage: { start: number; end: number };
  /** Build or peer problems worth stating beside the figures (missing libraries...). */
  problems: string[];
  fmaPeak: PeakRow[];
  pingPongNs: Stat | null;
  rows: ResultRow[];
  server: ServerRow[];
  skipped: SkippedCase[];
}
