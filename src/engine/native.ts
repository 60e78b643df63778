import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, NativeError, NotFittedError, OutOfRangeError } from '../core/errors.js';
import type { NativeAddon } from './native-types.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const candidates = [
  join(packageRoot, 'build', 'Release', 'rnnad.node'),
  join(packageRoot, 'build', 'Debug', 'rnnad.node'),
];

let addon: NativeAddon | undefined;

/**
 * The compiled addon, loaded on first use so that the parts of the library that need no native
 * code (metrics, reports, CSV reading) work even where the build failed.
 */
export function native(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new NativeError(
      `rnn-anomaly: the native addon was not found (looked for ${candidates.join(', ')}). ` +
        'It is compiled when the package is installed; run `npm rebuild rnn-anomaly` ' +
        '(needs python3, make and a C++17 compiler such as g++ 9 or newer).',
      'ERR_NATIVE_LOAD',
    );
  }
  try {
    addon = require(path) as NativeAddon;
  } catch (cause) {
    throw new NativeError(
      `rnn-anomaly: the native addon at ${path} failed to load (${(cause as Error).message}). ` +
        'It may have been built for another Node.js version or CPU; run `npm rebuild rnn-anomaly`.',
      'ERR_NATIVE_LOAD',
      { cause },
    );
  }
  // Before anything else can call in: every error the addon throws is one of ours from here on.
  addon.setErrorClasses({ InvalidArgumentError, OutOfRangeError, NotFittedError, NativeError });
  return addon;
}
