/**
 * Reads a file that may be gzip-compressed (recognised by its magic bytes, not its name), so
 * `x.csv` and `x.csv.gz` are handled alike.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidDataError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

export async function readMaybeGzip(path: string): Promise<Buffer> {
  const raw = await readFile(path);
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (err) {
    throw new InvalidDataError(`${path} looks gzip-compressed but cannot be decompressed: ${(err as Error).message}`);
  }
}
