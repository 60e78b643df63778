/**
 * Per-file cache of a runner's expensive outputs, so an interrupted run resumes where it
 * stopped. Entries live under a folder named by a hash of the configuration: changing any
 * setting starts a fresh cache instead of mixing outputs of two configurations. Each entry is
 * a gzip-compressed float32 array plus a small JSON record, both written atomically.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../../src/persistence/atomic-write.js';

export function configHash(config: unknown): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
}

export interface CacheEntry<M> {
  values: Float32Array;
  meta: M;
}

export class FileCache<M> {
  constructor(readonly dir: string) {}

  private paths(key: string): { data: string; meta: string } {
    const base = path.join(this.dir, ...key.split('/'));
    return { data: `${base}.f32.gz`, meta: `${base}.json` };
  }

  async get(key: string): Promise<CacheEntry<M> | null> {
    const p = this.paths(key);
    try {
      // The record is written last, so its presence means the data file is complete.
      const meta = JSON.parse(await readFile(p.meta, 'utf8')) as M;
      const bytes = gunzipSync(await readFile(p.data));
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return { values, meta };
    } catch {
      return null;
    }
  }

  async set(key: string, values: Float32Array, meta: M): Promise<void> {
    const p = this.paths(key);
    await mkdir(path.dirname(p.data), { recursive: true });
    await writeFileAtomic(p.data, gzipSync(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    await writeFileAtomic(p.meta, new TextEncoder().encode(JSON.stringify(meta)));
  }
}
