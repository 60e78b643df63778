export { RecurrentStack, Stepper } from './recurrent-stack.js';
export type { ForwardOptions, ForwardOutputs, ForwardResult, BackwardOptions, BackwardOutputs, BackwardResult, StepState } from './recurrent-stack.js';
export { AnomalyNetwork, NetworkStream } from './anomaly-network.js';
export type { NetworkSpec, NetworkMode, OptimizerSpec, TrainStepResult, OptimizerState, ResolvedNetworkSpec } from './anomaly-network.js';
export type { CellType, Nonlinearity, StackSpec } from './cell-spec.js';
export type { ParameterMap } from './parameters.js';
export { setThreads, threads, activeIsa, isaSelectionNote, supportedIsas, forceIsa, gatherWindows } from './runtime.js';
export type { IsaName } from './runtime.js';
