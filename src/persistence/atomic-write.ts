/**
 * Crash-safe file replacement: the bytes go to a temporary file in the target's directory, are
 * fsync'ed, and the temporary file is renamed over the target (atomic on POSIX filesystems and on
 * NTFS). A crash or a full disk leaves either the old file or the new one, never half of one.
 *
 * Temporary files are named `.<target name>.<pid>.<12 hex digits>.tmp`. A process killed
 * mid-write (kill -9, power loss) leaves its temporary behind, so every write first removes the
 * temporaries of the same target whose process is no longer running on this machine. Those of
 * running processes (another save in progress) are kept, as are those of a dead process whose
 * pid has been reused, until that process ends too.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await checkWritableTarget(path);
  const dir = dirname(path);
  const name = basename(path);
  await removeStaleTemporaries(dir, name);
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
 * Refuses, before anything is written, a path that names a directory (or ends with a
 * separator) or something other than a regular file: renaming over those fails or replaces a
 * FIFO or device node, after a temporary file of the full size was written beside it.
 */
async function checkWritableTarget(path: string): Promise<void> {
  if (path.endsWith('/') || path.endsWith(sep)) {
    throw new InvalidArgumentError(
      `path ${JSON.stringify(path)} ends with a path separator; expected the path of a file to write`,
    );
  }
  const existing = await stat(path).catch(() => null);
  if (existing === null || existing.isFile()) return;
  const kind = existing.isDirectory()
    ? 'a directory'
    : existing.isFIFO()
      ? 'a FIFO'
      : existing.isSocket()
        ? 'a socket'
        : 'a device';
  throw new InvalidArgumentError(
    `path ${JSON.stringify(path)} is ${kind}; expected the path of a regular file to write (or of none yet)`,
  );
}

async function removeStaleTemporaries(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(entry.slice(prefix.length));
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isRunning(pid)) await unlink(join(dir, entry)).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
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
