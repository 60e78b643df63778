// The cases of the native fuzzer: each one calls one export of the addon (a free function, a
// constructor, a method or a getter of any class the addon hands out) with valid arguments that
// one or two mutations have made hostile. Runs inside the fuzzer's child process
// (native-fuzz-child.ts); a case is fully determined by (seed, index).
//
// The exports are discovered by walking the addon object, and the classes that only factories
// return (streams, steppers) by calling every valid template once, so a new export or method is
// fuzzed without touching this file (with generic arguments until it gets a template in
// VALID_ARGUMENTS, which makes the mutations reach past the first argument check).

import { ERROR_CODES, RnnAnomalyError } from '../../src/core/errors.js';
import { Xoshiro128 } from '../../src/core/prng.js';

/** What one case did. `typed`: threw or rejected with an RnnAnomalyError whose code is in ERROR_CODES. */
export type OutcomeKind = 'ok' | 'typed' | 'illegal-invocation' | 'propagated' | 'untyped' | 'hang';

export interface CaseOutcome {
  index: number;
  target: string;
  mutation: string;
  kind: OutcomeKind;
  detail?: string;
}

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Addon = Record<string, Any>;

/** Thrown by the fuzzer's own hostile getters; seeing it come back out is correct propagation. */
class FuzzGetterError extends Error {}

const INPUT = 3;
const HIDDEN = 5;
const BATCH = 2;
const STEPS = 3;
const OUTPUT = 2;
const STREAMS = 2;
const ASYNC_TIMEOUT_MS = 10_000;

export class Rng {
  private readonly prng: Xoshiro128;
  constructor(seed: number) {
    this.prng = new Xoshiro128(seed >>> 0);
  }
  float(): number {
    return this.prng.nextFloat();
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
}

/** A case's seed from the run's seed and the case's index (splitmix-style mixing). */
export function caseSeed(seed: number, index: number): number {
  let z = (seed * 0x9e3779b1 + index * 0x85ebca6b + 0x6d2b79f5) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const f32 = (n: number, rng: Rng): Float32Array => Float32Array.from({ length: n }, () => rng.float() - 0.5);

interface Instances {
  /** Class name -> a fresh valid instance. */
  byClass: Map<string, Any>;
  shape: { cell: number; layers: number; lstm: boolean; mode: number; params: number; modelParams: number };
  all: Any[];
}

// Valid arguments for each method (`Class.method`), given a fresh receiver of a known shape.
// A template may run setup calls first (backward needs a training forward).
type Template = (self: Any, inst: Instances, rng: Rng) => unknown[];

const stateLen = (inst: Instances): number => inst.shape.layers * BATCH * HIDDEN;
const forwardArgs = (inst: Instances, rng: Rng, train: boolean): Record<string, unknown> => ({
  x: f32(BATCH * STEPS * INPUT, rng),
  batch: BATCH,
  steps: STEPS,
  h0: rng.chance(0.5) ? f32(stateLen(inst), rng) : null,
  c0: inst.shape.lstm && rng.chance(0.5) ? f32(stateLen(inst), rng) : null,
  y: new Float32Array(BATCH * STEPS * HIDDEN),
  hN: new Float32Array(stateLen(inst)),
  cN: inst.shape.lstm ? new Float32Array(stateLen(inst)) : null,
  train,
});
const modelOut = (inst: Instances): number => (inst.shape.mode === 0 ? BATCH * OUTPUT : BATCH * STEPS * INPUT);
const modelTarget = (inst: Instances, rng: Rng): Float32Array | null =>
  inst.shape.mode === 0 ? f32(BATCH * OUTPUT, rng) : null;
const trainConfig = (rng: Rng): Record<string, number> => ({
  optimizer: rng.int(2),
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0.9,
  clipNorm: rng.chance(0.5) ? 1 : 0,
});
const batchArgs = (inst: Instances, rng: Rng): unknown[] => [
  f32(BATCH * STEPS * INPUT, rng),
  modelTarget(inst, rng),
  BATCH,
  STEPS,
];

const VALID_ARGUMENTS: Record<string, Template> = {
  'RecurrentStack.paramSlots': () => [],
  'RecurrentStack.getParams': (_s, i) => [new Float32Array(i.shape.params)],
  'RecurrentStack.setParams': (_s, i, r) => [f32(i.shape.params, r)],
  'RecurrentStack.setParam': (_s, i, r) => [r.int(i.shape.params - 2), f32(2, r)],
  'RecurrentStack.tapeBytes': () => [BATCH, STEPS],
  'RecurrentStack.forward': (_s, i, r) => [forwardArgs(i, r, r.chance(0.5))],
  'RecurrentStack.forwardAsync': (_s, i, r) => [forwardArgs(i, r, r.chance(0.5))],
  'RecurrentStack.backward': (s, i, r) => backwardArgs(s, i, r),
  'RecurrentStack.backwardAsync': (s, i, r) => backwardArgs(s, i, r),
  'RecurrentStack.step': (_s, i, r) => [
    f32(BATCH * INPUT, r),
    BATCH,
    1,
    f32(stateLen(i), r),
    i.shape.lstm ? f32(stateLen(i), r) : null,
    r.chance(0.5) ? new Float32Array(BATCH * HIDDEN) : null,
  ],
  'RecurrentStack.makeStepper': () => [BATCH],
  'RecurrentStack.dispose': () => [],
  'AnomalyModel.paramSlots': () => [],
  'AnomalyModel.getParams': (_s, i) => [new Float32Array(i.shape.modelParams)],
  'AnomalyModel.setParams': (_s, i, r) => [f32(i.shape.modelParams, r)],
  'AnomalyModel.predict': (_s, i, r) => [f32(BATCH * STEPS * INPUT, r), BATCH, STEPS, new Float32Array(modelOut(i))],
  'AnomalyModel.predictAsync': (_s, i, r) => [
    f32(BATCH * STEPS * INPUT, r),
    BATCH,
    STEPS,
    new Float32Array(modelOut(i)),
  ],
  'AnomalyModel.loss': (_s, i, r) => batchArgs(i, r),
  'AnomalyModel.lossAsync': (_s, i, r) => batchArgs(i, r),
  'AnomalyModel.gradient': (_s, i, r) => [...batchArgs(i, r), new Float32Array(i.shape.modelParams)],
  'AnomalyModel.trainStep': (_s, i, r) => [...batchArgs(i, r), trainConfig(r)],
  'AnomalyModel.trainStepAsync': (_s, i, r) => [...batchArgs(i, r), trainConfig(r)],
  'AnomalyModel.resetOptimizer': () => [],
  'AnomalyModel.getOptimizerState': (_s, i) => [new Float32Array(2 * i.shape.modelParams)],
  'AnomalyModel.setOptimizerState': (_s, i, r) => [f32(2 * i.shape.modelParams, r).map(Math.abs), r.int(5)],
  'AnomalyModel.makeStream': () => [STREAMS, STEPS],
  'AnomalyModel.dispose': () => [],
  'Stepper.step': (_s, _i, r) => [f32(BATCH * INPUT, r), r.chance(0.5) ? new Float32Array(BATCH * HIDDEN) : null],
  'Stepper.getState': (_s, i) => [new Float32Array(stateLen(i)), i.shape.lstm ? new Float32Array(stateLen(i)) : null],
  'Stepper.setState': (_s, i, r) => [f32(stateLen(i), r), i.shape.lstm ? f32(stateLen(i), r) : null],
  'Stepper.reset': () => [],
  'Stepper.dispose': () => [],
  'AnomalyStream.push': (_s, i, r) => {
    const ids = r.chance(0.5) ? null : Int32Array.from([1]);
    const count = ids ? 1 : STREAMS;
    const outLen = i.shape.mode === 0 ? OUTPUT : STEPS * INPUT;
    return [f32(count * INPUT, r), ids, new Float32Array(count * outLen), new Uint8Array(count)];
  },
  'AnomalyStream.reset': (_s, _i, r) => [r.int(STREAMS)],
  'AnomalyStream.dispose': () => [],
  'fn.setErrorClasses': () => [undefined],
  'fn.setThreads': (_s, _i, r) => [1 + r.int(2)],
  'fn.threads': () => [],
  'fn.activeIsa': () => [],
  'fn.supportedIsas': () => [],
  'fn.isaSelectionNote': () => [],
  'fn.forceIsa': (_s, _i, r) => [r.pick(['scalar', 'avx2'])],
  'fn.gatherWindows': (_s, _i, r) => {
    const rows = 6;
    return [f32(rows * INPUT, r), INPUT, Int32Array.from([0, 2, 3]), STEPS, new Float32Array(3 * STEPS * INPUT)];
  },
};

function backwardArgs(self: Any, inst: Instances, rng: Rng): unknown[] {
  self.forward(forwardArgs(inst, rng, true));
  const s = stateLen(inst);
  return [
    {
      dY: f32(BATCH * STEPS * HIDDEN, rng),
      dHN: rng.chance(0.5) ? f32(s, rng) : null,
      dCN: inst.shape.lstm && rng.chance(0.5) ? f32(s, rng) : null,
      dX: new Float32Array(BATCH * STEPS * INPUT),
      dH0: new Float32Array(s),
      dC0: inst.shape.lstm ? new Float32Array(s) : null,
      dParams: new Float32Array(inst.shape.params),
    },
  ];
}

const CONSTRUCTOR_ARGUMENTS: Record<string, (rng: Rng, cell: number, layers: number, mode: number) => unknown[]> = {
  RecurrentStack: (rng, cell, layers) => [
    { cell, resetAfter: rng.chance(0.5), inputSize: INPUT, hiddenSize: HIDDEN, layers },
  ],
  AnomalyModel: (rng, cell, layers, mode) => [
    {
      cell,
      resetAfter: rng.chance(0.5),
      inputSize: INPUT,
      hiddenSize: HIDDEN,
      layers,
      mode,
      outputSize: mode === 0 ? OUTPUT : INPUT,
    },
  ],
};

/** A function whose prototype carries methods is a class. */
const isClass = (v: unknown): boolean =>
  typeof v === 'function' && !!v.prototype && Object.getOwnPropertyNames(v.prototype).length > 1;
const className = (obj: Any): string => Object.getPrototypeOf(obj).constructor.name as string;

export interface Surface {
  functions: string[];
  /** Class name -> its prototype's methods and getters. */
  classes: Map<string, { methods: string[]; getters: string[] }>;
  /** Class names found on the addon object (constructible). */
  exported: string[];
}

/** The addon's exports, including classes only factories hand out (found by running every valid template). */
export function discoverSurface(addon: Addon): Surface {
  const surface: Surface = { functions: [], classes: new Map(), exported: [] };
  const addClass = (name: string, proto: Any): void => {
    if (surface.classes.has(name)) return;
    const methods: string[] = [];
    const getters: string[] = [];
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (d.get) getters.push(key);
      else if (typeof d.value === 'function') methods.push(key);
    }
    surface.classes.set(name, { methods, getters });
  };
  for (const [name, value] of Object.entries(addon)) {
    if (isClass(value)) {
      surface.exported.push(name);
      addClass(name, value.prototype);
    } else if (typeof value === 'function') surface.functions.push(name);
  }
  const rng = new Rng(1);
  const inst = makeInstances(addon, surface, rng);
  for (const [name, { methods }] of [...surface.classes]) {
    const self = inst.byClass.get(name);
    for (const method of methods) {
      const template = VALID_ARGUMENTS[`${name}.${method}`];
      if (!template || method === 'dispose') continue;
      try {
        const result = self[method](...template(self, inst, rng));
        if (result && typeof result === 'object' && !(result instanceof Promise) && !Array.isArray(result)) {
          const proto = Object.getPrototypeOf(result);
          if (proto !== Object.prototype) addClass(className(result), proto);
          inst.all.push(result);
        }
      } catch {
        // Discovery only looks for returned objects.
      }
    }
  }
  disposeAll(inst);
  return surface;
}

function makeInstances(addon: Addon, surface: Surface, rng: Rng): Instances {
  const cell = rng.int(4);
  const layers = 1 + rng.int(2);
  const mode = rng.chance(0.7) ? 0 : 1;
  const byClass = new Map<string, Any>();
  const all: Any[] = [];
  for (const name of surface.exported) {
    const args = CONSTRUCTOR_ARGUMENTS[name];
    if (!args) throw new Error(`the native fuzzer has no constructor arguments for the addon's class ${name}`);
    const obj = new addon[name](...args(rng, cell, layers, mode));
    byClass.set(name, obj);
    all.push(obj);
  }
  const stack = byClass.get('RecurrentStack');
  const model = byClass.get('AnomalyModel');
  // Factory-made classes: a fresh instance per case, from the same factories discovery uses.
  if (stack) {
    const stepper = stack.makeStepper(BATCH);
    byClass.set(className(stepper), stepper);
    all.push(stepper);
  }
  if (model) {
    const stream = model.makeStream(STREAMS, STEPS);
    byClass.set(className(stream), stream);
    all.push(stream);
  }
  return {
    byClass,
    all,
    shape: {
      cell,
      layers,
      lstm: cell === 3,
      mode,
      params: stack?.paramCount ?? 0,
      modelParams: model?.paramCount ?? 0,
    },
  };
}

function disposeAll(inst: Instances): void {
  for (const obj of inst.all) {
    try {
      obj.dispose?.();
    } catch {
      // Busy objects refuse dispose; they are collected instead.
    }
  }
}

// ---- hostile values -------------------------------------------------------------------------

const WRONG_TYPES: Array<() => unknown> = [
  () => undefined,
  () => null,
  () => true,
  () => 'not a number',
  () => 10n,
  () => Symbol('fuzz'),
  () => ({}),
  () => [1, 2, 3],
  () => () => 1,
  () => new Date(0),
  () => Object.create(null),
  () => new Proxy({}, { get: () => 1 }),
];
const BAD_NUMBERS = [
  NaN,
  Infinity,
  -Infinity,
  -1,
  0,
  -0,
  0.5,
  1.5,
  2 ** 24 + 1,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 32 + 1,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e308,
  (1 << 20) + 1,
  (1 << 14) + 1,
  65,
];

function detached(length: number): Float32Array {
  const a = new Float32Array(length);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

function resizableShrunk(length: number): Float32Array {
  const buffer = new (ArrayBuffer as Any)(length * 4, { maxByteLength: length * 8 + 64 });
  const a = new Float32Array(buffer); // length-tracking
  buffer.resize(Math.max(0, length - 1) * 4);
  return a;
}

function resizableGrown(length: number): Float32Array {
  const buffer = new (ArrayBuffer as Any)(length * 4, { maxByteLength: length * 8 + 64 });
  const a = new Float32Array(buffer);
  buffer.resize((length + 3) * 4);
  return a;
}

function arrayVariant(like: Float32Array | Int32Array | Uint8Array, rng: Rng): [string, unknown] {
  const n = like.length;
  const Ctor = like.constructor as Any;
  const variants: Array<[string, () => unknown]> = [
    ['shorter', () => new Ctor(Math.max(0, n - 1))],
    ['longer', () => new Ctor(n + 1)],
    ['empty', () => new Ctor(0)],
    ['float64', () => new Float64Array(n)],
    ['int32', () => new Int32Array(n)],
    ['uint8', () => new Uint8Array(n)],
    ['float32 for int', () => new Float32Array(n)],
    ['dataview', () => new DataView(new ArrayBuffer(n * 4))],
    ['arraybuffer', () => new ArrayBuffer(n * 4)],
    ['plain array', () => Array.from({ length: n }, () => 0.5)],
    ['detached', () => detached(n)],
    ['resizable shrunk', () => resizableShrunk(n)],
    ['resizable grown', () => resizableGrown(n)],
    [
      'resizable exact',
      () => {
        const bytes = n * like.BYTES_PER_ELEMENT;
        // The maximum must hold the array itself, or the harness throws before the addon is called.
        return new Ctor(new (ArrayBuffer as Any)(bytes, { maxByteLength: Math.max(4096, bytes) }));
      },
    ],
    ['shared', () => new Ctor(new SharedArrayBuffer(n * like.BYTES_PER_ELEMENT))],
    ['offset view', () => new Ctor(new ArrayBuffer((n + 2) * like.BYTES_PER_ELEMENT), like.BYTES_PER_ELEMENT, n)],
    ['NaN filled', () => new Ctor(n).fill(NaN)],
    ['Infinity filled', () => new Ctor(n).fill(Infinity)],
    ['max float filled', () => new Ctor(n).fill(3.4e38)],
    ['fake typed array', () => Object.defineProperty(Object.create(Float32Array.prototype), 'length', { value: n })],
    ['subclass', () => new (class extends Float32Array {})(n)],
  ];
  const [name, make] = rng.pick(variants);
  return [name, make()];
}

function valueMutation(original: unknown, rng: Rng): [string, unknown] {
  if (ArrayBuffer.isView(original) && !(original instanceof DataView) && rng.chance(0.75)) {
    return arrayVariant(original as Float32Array, rng);
  }
  if (typeof original === 'number' && rng.chance(0.7)) {
    const v = rng.pick(BAD_NUMBERS);
    return [`number ${String(v)}`, v];
  }
  if (original && typeof original === 'object' && !ArrayBuffer.isView(original) && rng.chance(0.7)) {
    return objectMutation(original as Record<string, unknown>, rng);
  }
  const make = rng.pick(WRONG_TYPES);
  const v = make();
  return [`wrong type ${typeof v}`, v];
}

// A second mutation of the same argument may read a hostile getter the first one planted.
function safeMutation(original: unknown, rng: Rng): [string, unknown] {
  try {
    return valueMutation(original, rng);
  } catch (e) {
    if (!(e instanceof FuzzGetterError)) throw e;
    return ['wrong type undefined', undefined];
  }
}

function objectMutation(obj: Record<string, unknown>, rng: Rng): [string, unknown] {
  const keys = Object.keys(obj);
  const key = rng.pick(keys);
  const choice = rng.int(5);
  if (choice === 0) {
    const copy = { ...obj };
    delete copy[key];
    return [`missing .${key}`, copy];
  }
  if (choice === 1) {
    const copy: Record<string, unknown> = { ...obj };
    Object.defineProperty(copy, key, {
      get() {
        throw new FuzzGetterError(`getter of .${key}`);
      },
      enumerable: true,
    });
    return [`throwing getter .${key}`, copy];
  }
  if (choice === 2) {
    // A getter that detaches every buffer of the object when read: a binding that takes data
    // pointers before it has read every property would then use freed memory.
    const copy: Record<string, unknown> = { ...obj };
    const value = obj[key];
    Object.defineProperty(copy, key, {
      get() {
        for (const v of Object.values(obj)) {
          if (ArrayBuffer.isView(v) && v.buffer.byteLength > 0 && !(v.buffer instanceof SharedArrayBuffer)) {
            structuredClone(v.buffer, { transfer: [v.buffer] });
          }
        }
        return value;
      },
      enumerable: true,
    });
    return [`detaching getter .${key}`, copy];
  }
  if (choice === 3) {
    return [
      'throwing proxy',
      new Proxy(obj, {
        get() {
          throw new FuzzGetterError('proxy get');
        },
      }),
    ];
  }
  const [name, v] = valueMutation(obj[key], rng);
  return [`.${key}: ${name}`, { ...obj, [key]: v }];
}

// ---- running one case -----------------------------------------------------------------------

function classify(e: unknown): { kind: OutcomeKind; detail?: string } {
  if (e instanceof FuzzGetterError) return { kind: 'propagated' };
  if (e instanceof RnnAnomalyError && (ERROR_CODES as readonly string[]).includes(String((e as Any).code))) {
    return { kind: 'typed' };
  }
  // V8 checks the receiver of a prototype method, and `new` for a class, before the addon runs
  // (the one documented exception).
  if (
    e instanceof TypeError &&
    /^(Illegal invocation|Class constructors cannot be invoked without 'new')$/.test(e.message)
  ) {
    return { kind: 'illegal-invocation' };
  }
  const err = e as Any;
  return {
    kind: 'untyped',
    detail: `${err?.constructor?.name ?? typeof e} ${String(err?.code ?? '')} ${err?.message ?? String(e)}`,
  };
}

async function settle(run: () => unknown): Promise<{ kind: OutcomeKind; detail?: string }> {
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    return classify(e);
  }
  if (!(result instanceof Promise)) return { kind: 'ok' };
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<{ kind: OutcomeKind; detail?: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'hang', detail: `not settled in ${ASYNC_TIMEOUT_MS} ms` }),
      ASYNC_TIMEOUT_MS,
    );
  });
  const settled = result.then(
    () => ({ kind: 'ok' as OutcomeKind }),
    (e: unknown) => classify(e),
  );
  const outcome = await Promise.race([settled, hang]);
  clearTimeout(timer);
  return outcome;
}

const MUTATIONS = [
  'argument',
  'argument',
  'argument',
  'two arguments',
  'alias',
  'receiver',
  'disposed',
  'in flight',
  'missing arguments',
  'extra arguments',
  'valid',
] as const;

/** Runs case `index` of the run seeded `seed`; never throws. */
export async function runCase(addon: Addon, surface: Surface, seed: number, index: number): Promise<CaseOutcome> {
  const rng = new Rng(caseSeed(seed, index));
  const inst = makeInstances(addon, surface, rng);
  const targets: Array<{ cls: string | null; name: string; getter: boolean }> = [
    ...surface.functions.filter((f) => f !== 'setErrorClasses').map((name) => ({ cls: null, name, getter: false })),
    ...surface.exported.map((cls) => ({ cls, name: 'constructor', getter: false })),
    ...[...surface.classes].flatMap(([cls, { methods, getters }]) => [
      ...methods.map((name) => ({ cls, name, getter: false })),
      ...getters.map((name) => ({ cls, name, getter: true })),
    ]),
  ];
  const target = rng.pick(targets);
  const label = target.cls ? `${target.cls}.${target.name}` : target.name;
  const mutation = rng.pick(MUTATIONS);
  const outcome = (r: { kind: OutcomeKind; detail?: string }, what: string): CaseOutcome => ({
    index,
    target: label,
    mutation: what,
    ...r,
  });
  try {
    if (target.cls && target.name === 'constructor') {
      return outcome(await fuzzConstructor(addon, target.cls, rng, mutation), mutation);
    }
    const self = target.cls ? inst.byClass.get(target.cls) : addon;
    const fn: Any = target.cls ? undefined : addon[target.name];
    if (target.getter) {
      const get = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(self), target.name)!.get!;
      const [what, receiver] = receiverFor(self, inst, rng, mutation);
      return outcome(await settle(() => get.call(receiver)), `getter on ${what}`);
    }
    const template = VALID_ARGUMENTS[target.cls ? label : `fn.${target.name}`];
    let args: unknown[];
    try {
      args = template ? template(self, inst, rng) : [];
    } catch (e) {
      return outcome(classify(e), 'template setup');
    }
    const method: Any = target.cls ? self[target.name] : fn;
    let receiver: Any = target.cls ? self : addon;
    let what: string = mutation;
    if (mutation === 'argument' || mutation === 'two arguments') {
      const count = mutation === 'two arguments' ? 2 : 1;
      const names: string[] = [];
      for (let k = 0; k < count; k++) {
        if (args.length === 0) args = [undefined];
        const at = rng.int(args.length);
        const [name, v] = safeMutation(args[at], rng);
        args[at] = v;
        names.push(`arg ${at}: ${name}`);
      }
      what = names.join(', ');
    } else if (mutation === 'alias') {
      what = aliasArguments(args, rng);
    } else if (mutation === 'receiver') {
      if (!target.cls) return outcome(await settle(() => method.call({}, ...args)), 'free function on {}');
      const r = receiverFor(self, inst, rng, mutation);
      what = `receiver ${r[0]}`;
      receiver = r[1];
    } else if (mutation === 'disposed' && target.cls) {
      self.dispose();
    } else if (mutation === 'in flight') {
      return outcome(await inFlight(inst, rng, target.cls, method, receiver, args), 'in flight');
    } else if (mutation === 'missing arguments') {
      args = args.slice(0, rng.int(Math.max(1, args.length)));
    } else if (mutation === 'extra arguments') {
      args = [...args, ...WRONG_TYPES.slice(0, 3).map((m) => m())];
    }
    return outcome(await settle(() => method.apply(receiver, args)), what);
  } finally {
    disposeAll(inst);
  }
}

function receiverFor(self: Any, inst: Instances, rng: Rng, mutation: string): [string, Any] {
  if (mutation !== 'receiver' && mutation !== 'disposed') return ['own instance', self];
  if (mutation === 'disposed') {
    self.dispose();
    return ['disposed instance', self];
  }
  const foreign = [...inst.byClass.entries()].filter(([, o]) => o !== self);
  const choices: Array<[string, () => Any]> = [
    ['plain object', () => ({})],
    ['prototype', () => Object.getPrototypeOf(self)],
    ['Object.create(prototype)', () => Object.create(Object.getPrototypeOf(self))],
    ['null', () => null],
    ['number', () => 7],
    ['typed array', () => new Float32Array(16)],
  ];
  for (const [name, o] of foreign) choices.push([`a ${name}`, () => o]);
  const [name, make] = rng.pick(choices);
  return [name, make()];
}

function aliasArguments(args: unknown[], rng: Rng): string {
  // Flatten the typed arrays of the arguments (top level and one object deep), then make one the other.
  const slots: Array<{ get: () => unknown; set: (v: unknown) => void; name: string }> = [];
  args.forEach((a, i) => {
    if (ArrayBuffer.isView(a)) slots.push({ get: () => args[i], set: (v) => (args[i] = v), name: `arg ${i}` });
    else if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (ArrayBuffer.isView(o[k])) slots.push({ get: () => o[k], set: (v) => (o[k] = v), name: `.${k}` });
      }
    }
  });
  if (slots.length < 2) return 'alias (nothing to alias)';
  const a = rng.pick(slots);
  const b = rng.pick(slots.filter((s) => s !== a));
  const src = a.get() as Float32Array;
  if (rng.chance(0.5)) {
    b.set(src);
    return `alias ${b.name} = ${a.name}`;
  }
  // Overlapping but not identical: a view into the other array's memory, shifted by one element.
  const len = (b.get() as Float32Array).length;
  const Ctor = (b.get() as Float32Array).constructor as Any;
  const bytes = Math.min(src.byteLength, len * Ctor.BYTES_PER_ELEMENT);
  const room = new ArrayBuffer(Math.max(bytes, len * Ctor.BYTES_PER_ELEMENT) + 16);
  const big = new Float32Array(room);
  a.set(big.subarray(0, src.length));
  b.set(new Ctor(room, Ctor.BYTES_PER_ELEMENT, len));
  return `overlap ${b.name} ~ ${a.name}`;
}

async function inFlight(
  inst: Instances,
  rng: Rng,
  cls: string | null,
  method: Any,
  receiver: Any,
  args: unknown[],
): Promise<{ kind: OutcomeKind; detail?: string }> {
  // Start async work on the model or stack, then (while it runs) make the target call, or
  // dispose, or detach / resize the arrays the async call was given.
  const model = inst.byClass.get('AnomalyModel');
  const stack = inst.byClass.get('RecurrentStack');
  const useModel = rng.chance(0.5) || !stack;
  const owner = useModel ? model : stack;
  const ownerName = useModel ? 'AnomalyModel' : 'RecurrentStack';
  const asyncName = rng.pick(
    useModel ? ['predictAsync', 'lossAsync', 'trainStepAsync'] : ['forwardAsync', 'backwardAsync'],
  );
  let asyncArgs: unknown[];
  try {
    asyncArgs = VALID_ARGUMENTS[`${ownerName}.${asyncName}`]!(owner, inst, rng);
  } catch (e) {
    return classify(e);
  }
  const pending = settle(() => owner[asyncName](...asyncArgs));
  const during = rng.int(4);
  let first: { kind: OutcomeKind; detail?: string };
  if (during === 0) first = await settle(() => owner.dispose());
  else if (during === 1) {
    first = { kind: 'ok' };
    for (const buf of buffersOf(asyncArgs)) {
      if (buf.buffer instanceof SharedArrayBuffer || buf.buffer.byteLength === 0) continue;
      structuredClone(buf.buffer, { transfer: [buf.buffer] });
    }
  } else first = await settle(() => method.apply(receiver, args));
  if (during === 3 && cls) first = await settle(() => receiver?.dispose?.());
  const second = await pending;
  if (first.kind === 'untyped' || first.kind === 'hang') return first;
  return second;
}

function buffersOf(args: unknown[]): ArrayBufferView[] {
  const out: ArrayBufferView[] = [];
  for (const a of args) {
    if (ArrayBuffer.isView(a)) out.push(a);
    else if (a && typeof a === 'object') for (const v of Object.values(a)) if (ArrayBuffer.isView(v)) out.push(v);
  }
  return out;
}

async function fuzzConstructor(
  addon: Addon,
  cls: string,
  rng: Rng,
  mutation: string,
): Promise<{ kind: OutcomeKind; detail?: string }> {
  const Ctor = addon[cls];
  const args = CONSTRUCTOR_ARGUMENTS[cls]!(rng, rng.int(4), 1 + rng.int(2), rng.int(2));
  if (mutation === 'valid') {
    return settle(() => {
      new Ctor(...args).dispose();
    });
  }
  if (mutation === 'receiver') return settle(() => Ctor(...args)); // called without new
  const config = args[0] as Record<string, unknown>;
  if (rng.chance(0.3)) {
    // Sizes within each limit whose product the machine cannot hold: refused or ERR_OUT_OF_MEMORY, never a crash.
    const huge = { ...config, hiddenSize: 1 << 14, layers: 64, inputSize: rng.pick([3, 1 << 20]) };
    return settle(() => {
      new Ctor(huge).dispose();
    });
  }
  const [, v] = valueMutation(config, rng);
  return settle(() => {
    new Ctor(v).dispose();
  });
}

/**
 * Every method's valid arguments, called as they are: the exports with no template or whose
 * template the addon refuses (templates that no longer match the addon fuzz only its first
 * argument checks).
 */
export async function templateProblems(addon: Addon, surface: Surface): Promise<string[]> {
  const problems: string[] = [];
  const rng = new Rng(3);
  const labels = [
    ...surface.functions.map((name) => ({ label: `fn.${name}`, cls: null as string | null, name })),
    ...[...surface.classes].flatMap(([cls, { methods }]) =>
      methods.map((name) => ({ label: `${cls}.${name}`, cls, name })),
    ),
  ];
  for (const { label, cls, name } of labels) {
    const template = VALID_ARGUMENTS[label];
    if (!template) {
      problems.push(`${label}: no valid arguments in VALID_ARGUMENTS`);
      continue;
    }
    if (label === 'fn.setErrorClasses') continue; // resetting the error classes is not a valid call
    const inst = makeInstances(addon, surface, rng);
    try {
      const self = cls ? inst.byClass.get(cls) : addon;
      const r = await settle(() => self[name](...template(self, inst, rng)));
      if (r.kind !== 'ok') problems.push(`${label}: ${r.kind} ${r.detail ?? ''}`);
    } finally {
      disposeAll(inst);
    }
  }
  return problems;
}
