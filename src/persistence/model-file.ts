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
 *
 * A model file may come from an untrusted source. Reading one costs at most its own size in
 * memory (plus the network it describes, whose weights it must contain): `readModelFile` only
 * reads regular files of at most MODEL_FILE_MAX_BYTES, exactly as many bytes as the file has,
 * and `decodeModelFile` checks every size the header declares against the bytes present before
 * allocating anything.
 */
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ModelFileError } from '../core/errors.js';
import { crc32 } from '../core/crc32.js';

export const MODEL_FILE_MAGIC = Uint8Array.from([0x52, 0x4e, 0x4e, 0x41, 0x44, 0x00, 0x0d, 0x0a]);
export const MODEL_FILE_VERSION = 1;

const PREFIX_BYTES = 16;
const CRC_BYTES = 4;

/**
 * The largest model file `save` writes and `load` reads: 2 GiB - 1 bytes, the most Node's file
 * system reads into one buffer (fs.readFile's own limit). Every detector up to hidden 1024 x 8
 * layers fits (the largest, LSTM reconstruct, is about 520 MB); the largest networks the
 * Detector options allow (hidden 4096 x 8 layers: 3 GB of GRU weights) do not, and `save`
 * refuses them instead of writing a file that could not be loaded.
 */
export const MODEL_FILE_MAX_BYTES = 2 ** 31 - 1;

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
  if (total > MODEL_FILE_MAX_BYTES) {
    throw new ModelFileError(
      `the model file would be ${total} bytes, more than the ${MODEL_FILE_MAX_BYTES} a model file may have`,
    );
  }
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

/**
 * Deepest nesting of arrays and objects a header may have (a detector's is 5 levels). Deeper
 * JSON parses, but every recursive walk of it afterwards (JSON.stringify in toBuffer, a
 * comparison) overflows the stack.
 */
const MAX_HEADER_DEPTH = 32;

function parseHeader(
  bytes: Uint8Array,
  headerLength: number,
  source: string,
): { tensors: TensorEntry[]; payload: unknown } {
  const depth = nestingDepth(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
  if (depth > MAX_HEADER_DEPTH) {
    throw new ModelFileError(
      `${source} is corrupted: its header nests ${depth} levels deep, at most ${MAX_HEADER_DEPTH} are allowed`,
    );
  }
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

/** Deepest nesting of [ and { outside strings in JSON text. */
function nestingDepth(json: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      deepest = Math.max(deepest, ++depth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
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

/**
 * The bytes of the model file at `path`. Refuses anything but a regular file (a directory, FIFO,
 * socket or device such as /dev/zero) before reading, and files larger than
 * MODEL_FILE_MAX_BYTES; reads exactly the size the file had when opened. The file is opened
 * non-blocking so that a FIFO is recognised instead of waiting forever for a writer. Every
 * failure is a ModelFileError naming the path, with the system error as its `cause`.
 */
export async function readModelFile(path: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw openFailure(path, cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = stats.isDirectory()
        ? 'a directory'
        : stats.isFIFO()
          ? 'a FIFO'
          : stats.isSocket()
            ? 'a socket'
            : 'a device';
      throw new ModelFileError(`cannot load ${path}: it is ${kind}; a model file must be a regular file`);
    }
    if (stats.size > MODEL_FILE_MAX_BYTES) {
      throw new ModelFileError(
        `cannot load ${path}: ${stats.size} bytes is more than the ${MODEL_FILE_MAX_BYTES} a model file may have`,
      );
    }
    const bytes = new Uint8Array(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      // A file that shrank while being read is decoded as it is and reported as truncated.
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (cause) {
    if (cause instanceof ModelFileError) throw cause;
    throw new ModelFileError(`cannot load ${path}: ${(cause as Error).message}`, 'ERR_MODEL_FILE', { cause });
  } finally {
    await handle.close();
  }
}

const OPEN_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory; a model file must be a regular file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

function openFailure(path: string, cause: unknown): ModelFileError {
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  const reason = OPEN_FAILURES[code] ?? (cause as Error).message;
  return new ModelFileError(`cannot load ${path}: ${reason}${code ? ` (${code})` : ''}`, 'ERR_MODEL_FILE', { cause });
}
