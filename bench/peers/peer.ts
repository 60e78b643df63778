/**
 * What every JavaScript-side implementation under test provides to the harness. A peer opens
 * a session for one case (workload, mode, thread count, GRU form); the harness checks the
 * session's first output against the float64 reference, then times `run`.
 */
import type { Call } from '../measure.js';
import type { CaseData } from '../case-data.js';
import type { Mode, Workload } from '../workloads.js';

/** GRU forms: reset-after (PyTorch, ONNX linear_before_reset=1, cuDNN) or reset-before (Keras/tfjs). */
export type GruForm = 'reset-after' | 'reset-before';

export interface BenchCase {
  workload: Workload;
  mode: Mode;
  threads: number;
  /** null for LSTM and RNN rows. */
  gruForm: GruForm | null;
}

export interface PeerSession {
  isAsync: boolean;
  /** One measured call: a whole batch (infer, fwdbwd, train) or one streaming step. */
  run: Call;
  /**
   * After the first `run` of a fresh session: the top layer's outputs, [batch][steps][H] for
   * `infer`, the new state [H] for `step`. Absent for modes whose output is not a forward
   * result (fwdbwd, train).
   */
  firstOutput?: () => Float32Array | Promise<Float32Array>;
  dispose(): void | Promise<void>;
}

export interface Peer {
  id: string;
  /** Library and version as shown in the report. */
  label: string;
  /** null when the peer can run the workload in this mode, else the reason it cannot. */
  unsupported(workload: Workload, mode: Mode): string | null;
  open(c: BenchCase, data: CaseData): Promise<PeerSession>;
}
