/**
 * AnomalyNetwork's issue-12 options against the PyTorch vectors of test/fixtures/golden-heads
 * (float64 autograd) and finite differences: the Gaussian head and multi-step targets through
 * predict / loss / gradient / one Adam step, and dropout through its documented mask formula.
 * Tolerances as the vectors' README: 1e-5 norm-wise, Adam parameters 1e-5 absolute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnomalyNetwork, type NetworkSpec } from '../src/engine/anomaly-network.js';
import { InvalidArgumentError } from '../src/core/errors.js';
import { f32, f64, maxAbsError, normwiseError } from './helpers/golden.js';
import { randomArray } from './helpers/random.js';

const TOL = 1e-5;

type Tensor = { shape: number[]; data: number[] };
interface HeadsCase {
  name: string;
  cell: 'rnn_tanh' | 'gru' | 'lstm';
  D: number;
  H: number;
  layers: number;
  T: number;
  B: number;
  targets: number;
  k: number;
  x: Tensor;
  target: Tensor;
  params: Record<string, Tensor>;
  pred: Tensor;
  pred_inference: Tensor;
  loss: number;
  nll_per_element?: Tensor;
  grad: Record<string, Tensor>;
  params_after: Record<string, Tensor>;
  adam: { lr: number; beta1: number; beta2: number; eps: number };
  dropout?: { p_input: number; p: number };
  gaussian?: { floor: number };
}

const cases: HeadsCase[] = JSON.parse(
  gunzipSync(readFileSync(join(import.meta.dirname, 'fixtures', 'golden-heads', 'heads_reference.json.gz'))).toString(
    'utf8',
  ),
).cases;

function networkOf(c: HeadsCase, extra: Partial<NetworkSpec> = {}, seed = 0): AnomalyNetwork {
  const cell = c.cell === 'rnn_tanh' ? { cell: 'rnn' as const, nonlinearity: 'tanh' as const } : { cell: c.cell };
  return new AnomalyNetwork(
    {
      ...cell,
      inputSize: c.D,
      hiddenSize: c.H,
      layers: c.layers,
      mode: 'forecast',
      outputSize: c.k * c.targets,
      ...(c.gaussian ? { head: 'gaussian' as const, varianceFloor: c.gaussian.floor } : {}),
      ...extra,
    },
    seed,
  );
}

function loadParams(net: AnomalyNetwork, named: Record<string, Tensor>): void {
  net.setParameters(Object.fromEntries(Object.entries(named).map(([k, v]) => [k, f32(v)])));
}

describe('Gaussian head and multi-step targets against PyTorch', () => {
  const withoutDropout = cases.filter((c) => !c.dropout);
  it('the vectors hold Gaussian and multi-step cases', () => {
    expect(withoutDropout.filter((c) => c.gaussian).length).toBeGreaterThanOrEqual(3);
    expect(withoutDropout.filter((c) => c.k === 3).length).toBeGreaterThanOrEqual(3);
  });

  it.each(withoutDropout.map((c) => [c.name, c] as const))('%s: output, loss, gradient, Adam step', (_name, c) => {
    const net = networkOf(c);
    loadParams(net, c.params);
    const x = f32(c.x);
    const target = f32(c.target);
    expect(net.outputLength(c.T)).toBe(c.k * c.targets * (c.gaussian ? 2 : 1));
    expect(normwiseError(net.predict(x, c.B, c.T), f64(c.pred))).toBeLessThan(TOL);
    expect(Math.abs(net.loss(x, target, c.B, c.T) - c.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(c.loss)));
    const { loss, grads } = net.gradient(x, target, c.B, c.T);
    expect(Math.abs(loss - c.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(c.loss)));
    for (const slot of net.parameterSlots()) {
      expect(
        normwiseError(grads.subarray(slot.offset, slot.offset + slot.length), f64(c.grad[slot.name]!)),
        slot.name,
      ).toBeLessThan(TOL);
    }
    net.trainStep(x, target, c.B, c.T, {
      optimizer: 'adam',
      learningRate: c.adam.lr,
      beta1: c.adam.beta1,
      beta2: c.adam.beta2,
      eps: c.adam.eps,
    });
    const after = net.getParameters();
    for (const [name, want] of Object.entries(c.params_after))
      expect(maxAbsError(after[name]!, f64(want)), name).toBeLessThan(1e-5);
  });

  it('the Gaussian loss gradient matches central differences of loss()', () => {
    const c = cases.find((v) => v.name === 'gaussian_floor_lstm')!;
    const net = networkOf(c);
    loadParams(net, c.params);
    const x = f32(c.x);
    const target = f32(c.target);
    const { grads } = net.gradient(x, target, c.B, c.T);
    const flat = net.getFlatParameters();
    const head = net.parameterSlots().find((s) => s.name === 'head.bias')!;
    // The log-variance biases (the second half of head.bias) and a few recurrent weights.
    const checked = [...Array.from({ length: c.k * c.targets }, (_, i) => head.offset + c.k * c.targets + i), 0, 7, 31];
    for (const i of checked) {
      const keep = flat[i]!;
      const h = 1e-2;
      flat[i] = keep + h;
      net.setFlatParameters(flat);
      const up = net.loss(x, target, c.B, c.T);
      flat[i] = keep - h;
      net.setFlatParameters(flat);
      const down = net.loss(x, target, c.B, c.T);
      flat[i] = keep;
      net.setFlatParameters(flat);
      const fd = (up - down) / (Math.fround(keep + h) - Math.fround(keep - h));
      expect(Math.abs(fd - grads[i]!), `parameter ${i}`).toBeLessThan(2e-4 + 1e-3 * Math.abs(fd));
    }
  });
});

// The documented mask (docs/network-options.md, native/kernels/dropout.h), in BigInt.
const M64 = (1n << 64n) - 1n;
function mix64(z: bigint): bigint {
  z = (z + 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
function dropoutMask(seed: number, step: number, site: number, p: number, n: number): Float32Array {
  const key = mix64(mix64(mix64(BigInt(seed)) ^ BigInt(step)) ^ BigInt(site));
  const threshold = BigInt(Math.floor(p * 16777216));
  const scale = Math.fround(1 / (1 - p));
  return Float32Array.from({ length: n }, (_, i) => (mix64((key + BigInt(i)) & M64) >> 40n >= threshold ? scale : 0));
}

describe('dropout', () => {
  const spec: NetworkSpec = { cell: 'gru', inputSize: 3, hiddenSize: 6, layers: 1, mode: 'forecast', outputSize: 2 };
  const B = 4;
  const T = 5;
  const x = randomArray(B * T * 3, 11);
  const target = randomArray(B * 2, 12);

  it('input dropout trains on the input times the documented mask of step 1', () => {
    const seed = 21;
    const dropped = new AnomalyNetwork({ ...spec, inputDropout: 0.3 }, seed);
    const plain = new AnomalyNetwork(spec, seed);
    plain.setFlatParameters(dropped.getFlatParameters());
    const mask = dropoutMask(seed, 1, 0, 0.3, x.length);
    expect(mask.filter((v) => v === 0).length).toBeGreaterThan(0);
    const masked = x.map((v, i) => v * mask[i]!);
    const a = dropped.gradient(x, target, B, T);
    const b = plain.gradient(masked, target, B, T);
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.grads)).toEqual(Array.from(b.grads));
  });

  it('inference ignores dropout; training is reproducible for a seed and differs between seeds and steps', () => {
    const two = { ...spec, layers: 2, dropout: 0.4, inputDropout: 0.1 };
    const a = new AnomalyNetwork(two, 5);
    const b = new AnomalyNetwork(two, 5);
    const plain = new AnomalyNetwork({ ...spec, layers: 2 }, 5);
    plain.setFlatParameters(a.getFlatParameters());
    expect(Array.from(a.predict(x, B, T))).toEqual(Array.from(plain.predict(x, B, T)));
    expect(a.loss(x, target, B, T)).toBe(plain.loss(x, target, B, T));
    const ga = a.gradient(x, target, B, T).grads;
    expect(Array.from(b.gradient(x, target, B, T).grads)).toEqual(Array.from(ga));
    expect(normwiseError(ga, plain.gradient(x, target, B, T).grads)).toBeGreaterThan(1e-3);
    const otherSeed = new AnomalyNetwork(two, 6);
    otherSeed.setFlatParameters(a.getFlatParameters());
    expect(normwiseError(otherSeed.gradient(x, target, B, T).grads, ga)).toBeGreaterThan(1e-3);
    const opt = { optimizer: 'adam' as const, learningRate: 1e-3 };
    for (let i = 0; i < 3; i++) {
      a.trainStep(x, target, B, T, opt);
      b.trainStep(x, target, B, T, opt);
    }
    expect(Array.from(b.getFlatParameters())).toEqual(Array.from(a.getFlatParameters()));
  });

  it('bad rates and reconstruct mode are refused', () => {
    expect(() => new AnomalyNetwork({ ...spec, dropout: 0.95 })).toThrow(RangeError);
    expect(() => new AnomalyNetwork({ ...spec, inputDropout: -0.1 })).toThrow(RangeError);
    expect(() => new AnomalyNetwork({ ...spec, mode: 'reconstruct', outputSize: 3, dropout: 0.2 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new AnomalyNetwork({ ...spec, mode: 'reconstruct', outputSize: 3, head: 'gaussian' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new AnomalyNetwork({ ...spec, head: 'laplace' as never })).toThrow(InvalidArgumentError);
  });
});
