/**
 * `rnn-anomaly/engine`: the native recurrent engine for callers who build their own models.
 * RecurrentStack (sequence forward, BPTT, single steps) with its native-state Stepper,
 * AnomalyNetwork (stack + dense head trained end to end) with its NetworkStream, and the
 * process-wide controls: kernel threads and the instruction set. Internals (window gathering,
 * the addon's raw interface) stay importable by path for src/, not from here.
 */
export { RecurrentStack, Stepper } from './recurrent-stack.js';
export type {
  ForwardOptions,
  ForwardOutputs,
  ForwardResult,
  BackwardOptions,
  BackwardOutputs,
  BackwardResult,
  StepState,
} from './recurrent-stack.js';
export { AnomalyNetwork, NetworkStream } from './anomaly-network.js';
export type {
  NetworkSpec,
  NetworkMode,
  OptimizerSpec,
  TrainStepResult,
  OptimizerState,
  ResolvedNetworkSpec,
} from './anomaly-network.js';
export type { CellType, Nonlinearity, StackSpec } from './cell-spec.js';
export type { ParameterMap } from './parameters.js';
export { setThreads, threads, activeIsa, isaSelectionNote, supportedIsas, forceIsa } from './runtime.js';
export type { IsaName } from './runtime.js';
