/**
 * Crash-safe file replacement: the bytes go to a temporary file in the target's directory, are
 * fsync'ed, and the temporary file is renamed over the target (atomic on POSIX filesystems and on
 * NTFS). A crash or a full disk leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let committed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    committed = true;
    await syncDirectory(dir);
  } finally {
    if (!committed) await unlink(temp).catch(() => undefined);
  }
}

/**
 * Persists the rename itself. Some platforms (Windows) and filesystems refuse to open or fsync a
 * directory; the file's own data is already durable then, so that failure is not an error.
 */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}
