/**
 * onnxruntime-node 1.30 (CPU execution provider) as an inference-only peer, on a model the
 * bench writes itself (bench/onnx/recurrent-model.ts). ONNX's GRU runs in the reset-after form
 * (linear_before_reset = 1). Threads: intra-op pool of 1 or 2, inter-op 1, sequential
 * execution; spinning left at ORT's default, as a user would ship it.
 */
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { BenchCase, Peer, PeerSession } from './peer.js';
import { STEP_RING, type CaseData } from '../case-data.js';
import { batchMajorToTimeMajor, timeMajorToBatchMajor } from '../layouts.js';
import { buildRecurrentModel } from '../onnx/recurrent-model.js';
import type { Mode, Workload } from '../workloads.js';

const require = createRequire(import.meta.url);
const ORT_VERSION: string = require('onnxruntime-node/package.json').version;

async function createSession(bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

async function inferSession(c: BenchCase, data: CaseData): Promise<PeerSession> {
  const w = c.workload;
  const model = buildRecurrentModel(data.stack, w.steps, w.batch);
  const session = await createSession(model.bytes, c.threads);
  const feeds = {
    X: new ort.Tensor('float32', batchMajorToTimeMajor(data.x, w.batch, w.steps, w.inputSize), [
      w.steps,
      w.batch,
      w.inputSize,
    ]),
  };
  let last: Float32Array | null = null;
  return {
    isAsync: true,
    run: async () => {
      const out = await session.run(feeds);
      last = out.Y.data as Float32Array;
    },
    firstOutput: () => {
      if (!last) throw new Error('firstOutput before run');
      return timeMajorToBatchMajor(last, w.batch, w.steps, w.hiddenSize);
    },
    dispose: () => session.release(),
  };
}

/** One timestep per run; the returned states are fed back as the next run's initial states. */
async function stepSession(c: BenchCase, data: CaseData): Promise<PeerSession> {
  const w = c.workload;
  const model = buildRecurrentModel(data.stack, 1, 1, true);
  const session = await createSession(model.bytes, c.threads);
  const isLstm = w.cell === 'lstm';
  let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(w.hiddenSize), [1, 1, w.hiddenSize]);
  let cState: ort.Tensor | null = isLstm
    ? new ort.Tensor('float32', new Float32Array(w.hiddenSize), [1, 1, w.hiddenSize])
    : null;
  // Input tensors made up front, as for every peer: the step itself is what is timed.
  const points = Array.from(
    { length: STEP_RING },
    (_, i) => new ort.Tensor('float32', data.x.slice(i * w.inputSize, (i + 1) * w.inputSize), [1, 1, w.inputSize]),
  );
  let index = 0;
  return {
    isAsync: true,
    run: async () => {
      const feeds: Record<string, ort.Tensor> = { X: points[index], H0: h };
      index = (index + 1) % STEP_RING;
      if (cState) feeds.C0 = cState;
      const out = await session.run(feeds);
      h = out.HN;
      if (isLstm) cState = out.CN;
    },
    firstOutput: () => h.data as Float32Array,
    dispose: () => session.release(),
  };
}

export function onnxRuntimePeer(): Peer {
  ort.env.logLevel = 'error';
  return {
    id: 'onnxruntime',
    label: `onnxruntime-node ${ORT_VERSION}`,
    unsupported: (w: Workload, mode: Mode) =>
      mode === 'infer' || (mode === 'step' && w.layers === 1) ? null : 'onnxruntime-node runs inference only',
    open: (c: BenchCase, data: CaseData) => (c.mode === 'step' ? stepSession(c, data) : inferSession(c, data)),
  };
}
