import { withFlagNames } from './detector-flags.js';

/** Library hints that name API options, re-worded as the flags that set them. */
const API_TO_FLAGS: readonly [RegExp, string][] = [
  [/\{ ?nonNumeric: 'ignore' ?\}/g, '--ignore-text'],
  [/options\.nonNumeric/g, '--ignore-text'],
  [/options\.timestamp\b/g, '--timestamp'],
  [/options\.header/g, '--no-header'],
];

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

/** One line naming the problem: no stack, no internal detail beyond the message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const { code, path } = err as NodeJS.ErrnoException;
    if (code && SYSTEM_ERRORS[code] && path) return `cannot open ${path}: ${SYSTEM_ERRORS[code]}`;
    let message = err.message;
    for (const [pattern, replacement] of API_TO_FLAGS) message = message.replace(pattern, replacement);
    return withFlagNames(message).replace(/\s*\n\s*/g, ' ');
  }
  return String(err);
}
