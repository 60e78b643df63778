/**
 * The model-file fuzz cases: case `index` of seed `seed` over a list of base files is one byte
 * string, a pure function of (bases, seed, index), so any failure is reproduced from its numbers.
 *
 * The first cases are every truncation of every base file (and the intact files); the rest mix,
 * by a per-case PRNG: bit flips, random bytes with the CRC fixed, header JSON mutations (any
 * value replaced by a hostile one, re-encoded with a valid CRC), crafted tensor tables and body
 * sizes, crafted prefix fields (version, header length), and network shapes declared large
 * with or without the tensors they need.
 */
import type { NetworkSpec } from '../../src/engine/anomaly-network.js';
import { crc32 } from '../../src/core/crc32.js';
import { networkParameterCount } from '../../src/persistence/detector-snapshot.js';
import { MODEL_FILE_MAGIC, decodeModelFile } from '../../src/persistence/model-file.js';
import { Xoshiro128 } from '../../src/core/prng.js';

export interface FuzzCase {
  kind: string;
  bytes: Uint8Array;
}

export function modelFileCase(bases: readonly Uint8Array[], seed: number, index: number): FuzzCase {
  let rest = index;
  for (const base of bases) {
    if (rest <= base.length) return { kind: 'truncation', bytes: base.subarray(0, rest) };
    rest -= base.length + 1;
  }
  const rng = new Xoshiro128(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ index);
  const random = (): number => rng.nextFloat();
  const int = (n: number): number => Math.floor(random() * n);
  const base = bases[int(bases.length)]!;
  const mutations = [bitFlips, bytesWithCrcFixed, headerValue, headerValue, tensorTable, prefixFields, networkShape];
  const mutate = mutations[int(mutations.length)]!;
  return { kind: mutate.name, bytes: mutate(base, random, int) };
}

type Mutation = (base: Uint8Array, random: () => number, int: (n: number) => number) => Uint8Array;

const bitFlips: Mutation = (base, _random, int) => {
  const bytes = base.slice();
  for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.length)]! ^= 1 << int(8);
  return bytes;
};

const bytesWithCrcFixed: Mutation = (base, _random, int) => {
  const bytes = base.slice();
  for (let k = 1 + int(8); k > 0; k--) bytes[8 + int(bytes.length - 12)] = int(256);
  return withCrc(bytes);
};

/** Replaces one value anywhere in the header JSON (payload or tensor table) with a hostile one. */
const headerValue: Mutation = (base, random, int) => {
  const { header, body } = split(base);
  const slots = collectSlots(header);
  const [holder, key] = slots[int(slots.length)]!;
  const replacement = hostileValue(random, int);
  if (replacement === DELETE) delete (holder as Record<string, unknown>)[key];
  else (holder as Record<string, unknown>)[key] = replacement;
  return encodeRaw(header, body);
};

/** Tensor tables that disagree with the body: huge, negative, fractional or missing lengths, extra or renamed tensors, a body cut or padded to match. */
const tensorTable: Mutation = (base, _random, int) => {
  const { header, body } = split(base);
  const tensors = header.tensors as { name: unknown; length: unknown }[];
  const lengths = [0, 1, -1, 0.5, 2 ** 24, 2 ** 31, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER, 1e300, '8', null];
  let newBody = body;
  switch (int(5)) {
    case 0:
      tensors[int(tensors.length)]!.length = lengths[int(lengths.length)];
      break;
    case 1: {
      const entry = tensors[int(tensors.length)]!;
      const delta = int(9) - 4;
      entry.length = (entry.length as number) + delta;
      newBody = resized(body, body.length + 4 * delta);
      break;
    }
    case 2:
      tensors.push({ name: ['parameters', 'context', 'extra'][int(3)], length: int(4) });
      break;
    case 3:
      tensors[int(tensors.length)]!.name = ['context', 'parameters', '', 7, null][int(5)];
      break;
    default:
      tensors.splice(int(tensors.length), 1);
  }
  return encodeRaw(header, newBody);
};

/** Version and header-length fields set to edge values, CRC fixed or not. */
const prefixFields: Mutation = (base, _random, int) => {
  const bytes = base.slice();
  const view = new DataView(bytes.buffer);
  const edges = [
    0,
    1,
    2,
    3,
    4,
    15,
    16,
    bytes.length - 20,
    bytes.length - 19,
    bytes.length,
    0x7fffffff,
    0x80000000,
    0xffffffff,
  ];
  view.setUint32(int(2) === 0 ? 8 : 12, edges[int(edges.length)]! >>> 0, true);
  return int(4) === 0 ? bytes : withCrc(bytes);
};

/** config, network and options declaring a shape, with the tensors it needs only when they are small. */
const networkShape: Mutation = (base, random, int) => {
  const { header, body } = split(base);
  const payload = header.payload as Record<string, Record<string, unknown>>;
  const sizes = [0, 1, 2, 3, 64, 1000, 4096, 4097, 16384, 2 ** 20, 2 ** 31];
  const pick = (): number => sizes[int(sizes.length)]!;
  const hidden = pick();
  const layers = [1, 2, 8, 9, 64, 0][int(6)]!;
  for (const section of [payload.config, payload.options]) {
    if (int(4) > 0 && section) {
      section.hidden = hidden;
      section.layers = layers;
    }
  }
  if (payload.network) {
    payload.network.hiddenSize = hidden;
    payload.network.layers = layers;
    if (int(3) === 0) payload.network.inputSize = pick();
    if (int(3) === 0) payload.network.outputSize = pick();
  }
  if (payload.config && int(3) === 0) payload.config.window = [1, 2, 100_000, 100_001, 2 ** 24][int(5)];
  if (payload.config && int(3) === 0) payload.config.mode = ['forecast', 'reconstruct'][int(2)];
  const tensors = header.tensors as { name: string; length: number }[];
  const parameters = tensors.find((t) => t.name === 'parameters');
  const wanted = payload.network ? networkParameterCount(payload.network as unknown as NetworkSpec) : NaN;
  if (parameters && wanted >= 0 && wanted <= 2 ** 16 && int(2) === 0) {
    // Exactly the parameters the declared network needs, as random floats (NaN and infinities among them).
    const before = tensors.slice(0, tensors.indexOf(parameters)).reduce((n, t) => n + t.length, 0) * 4;
    const floats = new Float32Array(wanted).map(() => [NaN, Infinity, -Infinity, 3.4e38][int(40)] ?? random() * 2 - 1);
    const next = new Uint8Array(body.length - parameters.length * 4 + floats.length * 4);
    next.set(body.subarray(0, before));
    next.set(new Uint8Array(floats.buffer), before);
    next.set(body.subarray(before + parameters.length * 4), before + floats.length * 4);
    parameters.length = wanted;
    return encodeRaw(header, next);
  }
  return encodeRaw(header, body);
};

const DELETE = Symbol('delete');

function hostileValue(random: () => number, int: (n: number) => number): unknown {
  const values: unknown[] = [
    DELETE,
    null,
    true,
    false,
    0,
    -0,
    -1,
    1,
    2,
    0.5,
    1e-300,
    2 ** 24,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    1e308,
    -1e308,
    '',
    'auto',
    'gru',
    'reconstruct',
    'loglik',
    'spot',
    'x'.repeat(100_000),
    [],
    [1, 2, 3],
    [null],
    {},
    { method: 'spot' },
    Array.from({ length: 10_000 }, () => random()),
    NESTED_2000,
    NESTED_100000,
  ];
  return values[int(values.length)];
}

/**
 * [[[ ... ]]] nested deeper than JSON.stringify (and any recursive walker) can go: put in the
 * header as text by encodeRaw, in place of its placeholder string.
 */
const NESTED_2000 = '\u0000nested:2000';
const NESTED_100000 = '\u0000nested:100000';

/** Every (object, key) slot of the JSON tree, so a mutation can reach any field. */
function collectSlots(root: Record<string, unknown>): [object, string][] {
  const slots: [object, string][] = [];
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const key of Object.keys(value)) {
      slots.push([value, key]);
      walk((value as Record<string, unknown>)[key]);
    }
  };
  walk(root);
  return slots;
}

function split(bytes: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } {
  decodeModelFile(bytes); // the bases are valid files
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Record<string, unknown>;
  return { header, body: bytes.subarray(16 + headerLength, bytes.length - 4) };
}

/** A file with this header and body and a valid CRC, whatever they say. */
export function encodeRaw(header: unknown, body: Uint8Array): Uint8Array {
  let text = (JSON.stringify(header) ?? 'null').replace(/"\\u0000nested:(\d+)"/g, (_, depth: string) => {
    const n = Number(depth);
    return `${'['.repeat(n)}0${']'.repeat(n)}`;
  });
  text += ' '.repeat((4 - (Buffer.byteLength(text) % 4)) % 4);
  const headerBytes = new TextEncoder().encode(text);
  const bytes = new Uint8Array(16 + headerBytes.length + body.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MODEL_FILE_MAGIC, 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, headerBytes.length, true);
  bytes.set(headerBytes, 16);
  bytes.set(body, 16 + headerBytes.length);
  return withCrc(bytes);
}

function withCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(
    bytes.length - 4,
    crc32(bytes.subarray(0, bytes.length - 4)),
    true,
  );
  return bytes;
}

function resized(body: Uint8Array, length: number): Uint8Array {
  const next = new Uint8Array(Math.max(0, length));
  next.set(body.subarray(0, next.length));
  return next;
}
