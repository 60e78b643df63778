/**
 * The binary model file: one self-checking blob that a truncated download, a half-finished copy
 * or a file from another program is recognised as such instead of producing a wrong model.
 *
 * Layout (all integers little-endian):
 *
 * | offset      | bytes | content                                                            |
 * | ----------- | ----- | ------------------------------------------------------------------ |
 * | 0           | 8     | magic `RNNAD\0\r\n` (the CR LF catches text-mode line translation) |
 * | 8           | 4     | uint32 format version                                              |
 * | 12          | 4     | uint32 header length L (multiple of 4, padded with spaces)         |
 * | 16          | L     | UTF-8 JSON header: `{ tensors: [{ name, length }], payload }`     |
 * | 16 + L      | 4 * n | float32 tensors, in header order                                   |
 * | end - 4     | 4     | uint32 CRC-32 of every byte before it                              |
 *
 * Tensors start 4-byte aligned so a reader can view them without copying.
 */
import { ModelFileError } from '../core/errors.js';
import { crc32 } from '../core/crc32.js';

export const MODEL_FILE_MAGIC = Uint8Array.from([0x52, 0x4e, 0x4e, 0x41, 0x44, 0x00, 0x0d, 0x0a]);
export const MODEL_FILE_VERSION = 1;

const PREFIX_BYTES = 16;
const CRC_BYTES = 4;

export interface ModelFileContents {
  /** Free-form JSON written by the owner of the model (the Detector). */
  payload: unknown;
  /** Named float32 arrays, kept in insertion order. */
  tensors: Map<string, Float32Array>;
}

interface TensorEntry {
  name: string;
  length: number;
}

/** Serialises a payload and its tensors into the model file format. */
export function encodeModelFile(contents: ModelFileContents): Uint8Array {
  const entries: TensorEntry[] = [];
  let floats = 0;
  for (const [name, data] of contents.tensors) {
    entries.push({ name, length: data.length });
    floats += data.length;
  }
  let headerText = JSON.stringify({ tensors: entries, payload: contents.payload });
  let headerBytes = new TextEncoder().encode(headerText);
  const padding = (4 - (headerBytes.length % 4)) % 4;
  if (padding > 0) {
    headerText += ' '.repeat(padding);
    headerBytes = new TextEncoder().encode(headerText);
  }

  const total = PREFIX_BYTES + headerBytes.length + floats * 4 + CRC_BYTES;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MODEL_FILE_MAGIC, 0);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  bytes.set(headerBytes, PREFIX_BYTES);
  let offset = PREFIX_BYTES + headerBytes.length;
  for (const data of contents.tensors.values()) {
    for (let i = 0; i < data.length; i++, offset += 4) view.setFloat32(offset, data[i]!, true);
  }
  view.setUint32(offset, crc32(bytes.subarray(0, offset)), true);
  return bytes;
}

/**
 * Parses and checks a model file. Throws ModelFileError with code ERR_MODEL_VERSION for a file
 * from a newer format, ERR_MODEL_FILE for anything foreign, truncated or corrupted.
 * `source` names the file in messages.
 */
export function decodeModelFile(bytes: Uint8Array, source = 'model buffer'): ModelFileContents {
  const minimum = PREFIX_BYTES + CRC_BYTES;
  if (bytes.length < MODEL_FILE_MAGIC.length || !hasMagic(bytes)) {
    throw new ModelFileError(
      `${source} is not an rnn-anomaly model file (it does not start with the magic bytes "RNNAD\\0\\r\\n")`,
    );
  }
  if (bytes.length < minimum) {
    throw new ModelFileError(`${source} is truncated: ${bytes.length} bytes, a model file has at least ${minimum}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > MODEL_FILE_VERSION) {
    throw new ModelFileError(
      `${source} uses model file format version ${version}, newer than the version ${MODEL_FILE_VERSION} this library reads; upgrade rnn-anomaly to load it`,
      'ERR_MODEL_VERSION',
    );
  }
  if (version === 0) throw new ModelFileError(`${source} has an invalid model file format version 0`);

  const stored = view.getUint32(bytes.length - CRC_BYTES, true);
  const actual = crc32(bytes.subarray(0, bytes.length - CRC_BYTES));
  if (stored !== actual) {
    const expected = expectedLength(bytes, view);
    if (expected !== null && expected.bytes !== bytes.length) {
      throw new ModelFileError(
        expected.complete
          ? `${source} is truncated or padded: ${bytes.length} bytes, its header describes ${expected.bytes}`
          : `${source} is truncated: ${bytes.length} bytes, its header alone needs ${expected.bytes}`,
      );
    }
    throw new ModelFileError(
      `${source} is corrupted: CRC-32 mismatch (stored 0x${hex(stored)}, computed 0x${hex(actual)})`,
    );
  }

  const headerLength = view.getUint32(12, true);
  if (headerLength > bytes.length - minimum) {
    throw new ModelFileError(
      `${source} is corrupted: header length ${headerLength} exceeds the file size ${bytes.length}`,
    );
  }
  const header = parseHeader(bytes, headerLength, source);
  let floats = 0;
  for (const entry of header.tensors) floats += entry.length;
  const expected = minimum + headerLength + floats * 4;
  if (expected !== bytes.length) {
    throw new ModelFileError(`${source} is corrupted: ${bytes.length} bytes, its header describes ${expected}`);
  }

  const tensors = new Map<string, Float32Array>();
  let offset = PREFIX_BYTES + headerLength;
  for (const entry of header.tensors) {
    const data = new Float32Array(entry.length);
    for (let i = 0; i < entry.length; i++, offset += 4) data[i] = view.getFloat32(offset, true);
    tensors.set(entry.name, data);
  }
  return { payload: header.payload, tensors };
}

function hasMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < MODEL_FILE_MAGIC.length; i++) if (bytes[i] !== MODEL_FILE_MAGIC[i]) return false;
  return true;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function parseHeader(
  bytes: Uint8Array,
  headerLength: number,
  source: string,
): { tensors: TensorEntry[]; payload: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)),
    );
  } catch (err) {
    throw new ModelFileError(`${source} is corrupted: its header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { tensors?: unknown }).tensors)) {
    throw new ModelFileError(`${source} is corrupted: its header has no tensor table`);
  }
  const tensors = (parsed as { tensors: unknown[] }).tensors;
  const seen = new Set<string>();
  for (const entry of tensors) {
    const e = entry as Partial<TensorEntry> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.name !== 'string' ||
      seen.has(e.name) ||
      !Number.isSafeInteger(e.length) ||
      (e.length as number) < 0
    ) {
      throw new ModelFileError(`${source} is corrupted: invalid tensor table entry ${JSON.stringify(entry)}`);
    }
    seen.add(e.name);
  }
  return { tensors: tensors as TensorEntry[], payload: (parsed as { payload?: unknown }).payload };
}

/**
 * File size the header claims (`complete`), or the least size the header length alone implies,
 * or null when the header cannot be read. Only used to word errors after a CRC mismatch.
 */
function expectedLength(bytes: Uint8Array, view: DataView): { bytes: number; complete: boolean } | null {
  const headerLength = view.getUint32(12, true);
  if (PREFIX_BYTES + headerLength + CRC_BYTES > bytes.length) {
    return { bytes: PREFIX_BYTES + headerLength + CRC_BYTES, complete: false };
  }
  try {
    const header = parseHeader(bytes, headerLength, '');
    let floats = 0;
    for (const entry of header.tensors) floats += entry.length;
    return { bytes: PREFIX_BYTES + headerLength + floats * 4 + CRC_BYTES, complete: true };
  } catch {
    return null;
  }
}
