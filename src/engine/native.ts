import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, NativeError, NotFittedError, OutOfRangeError } from '../core/errors.js';
import type { NativeAddon } from './native-types.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// node-gyp-build's lookup: a local build (build/Release, build/Debug) wins, so that a rebuilt
// addon replaces the shipped one, then prebuilds/<platform>-<arch>/ matching libc and N-API.
const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
// RNN_ANOMALY_ADDON_PATH points at another build of the addon (the sanitizer build, build-asan/).
const addonPathOverride = process.env.RNN_ANOMALY_ADDON_PATH;

let addon: NativeAddon | undefined;

/** What to try when no addon loads, for the platform in hand (shipped binaries: linux-x64, linux-arm64, glibc). */
function possibleSolutions(): string[] {
  const rebuild = 'then run `npm rebuild rnn-anomaly` (it compiles the addon from the shipped sources)';
  const musl = platform === 'linux' && existsSync('/etc/alpine-release');
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64') && !musl) {
    return [
      `a prebuilt binary for linux-${arch} (glibc) ships in the package: reinstall it (\`npm install rnn-anomaly\`) and check that prebuilds/linux-${arch}/ is present in node_modules/rnn-anomaly`,
      'it needs glibc 2.32 or newer and the libstdc++ of GCC 12 or newer (Debian 12, Ubuntu 22.04, Fedora 36 and later; check with `ldd --version`); on older systems the install compiles the addon instead',
      `or build it yourself: install python3, make and g++ 9 or newer (\`apt-get install python3 make g++\`), ${rebuild}`,
    ];
  }
  if (platform === 'linux') {
    const tools = musl
      ? '`apk add python3 make g++`'
      : 'python3, make and g++ 9 or newer (`apt-get install python3 make g++`)';
    return [`no prebuilt binary is shipped for linux-${arch}${musl ? ' (musl)' : ''}: install ${tools}, ${rebuild}`];
  }
  if (platform === 'darwin') {
    return [
      `no prebuilt binary is shipped for macOS: install the Xcode command line tools (\`xcode-select --install\`) and python3, ${rebuild}; the macOS build settings are untested`,
    ];
  }
  if (platform === 'win32') {
    return [
      `no prebuilt binary is shipped for Windows: install Visual Studio Build Tools ("Desktop development with C++") and Python 3, ${rebuild}; the Windows build settings are untested`,
    ];
  }
  return [
    `no prebuilt binary is shipped for ${platform}-${arch}: install python3, make and a C++17 compiler, ${rebuild}`,
  ];
}

function loadError(what: string, cause: unknown): NativeError {
  const solutions = possibleSolutions()
    .map((s) => `\n- ${s}`)
    .join('');
  return new NativeError(
    `rnn-anomaly: ${what} for ${platform}-${arch} (Node.js ${process.versions.node}). ` +
      `Only the native parts (training, scoring with a model) need it; CSV reading, metrics and thresholds work without it.\n` +
      `Possible solutions:${solutions}`,
    'ERR_NATIVE_LOAD',
    { cause },
  );
}

/**
 * The compiled addon, loaded on first use so that the parts of the library that need no native
 * code (metrics, reports, CSV reading) work even where no binary fits and the build failed.
 */
export function native(): NativeAddon {
  if (addon) return addon;
  let path: string;
  try {
    path = addonPathOverride || nodeGypBuild.resolve(packageRoot);
  } catch (cause) {
    throw loadError('no native addon was found (no prebuilt binary fits and none was compiled at install)', cause);
  }
  try {
    addon = require(path) as NativeAddon;
  } catch (cause) {
    throw loadError(`the native addon at ${path} failed to load (${(cause as Error).message})`, cause);
  }
  // Before anything else can call in: every error the addon throws is one of ours from here on.
  addon.setErrorClasses({ InvalidArgumentError, OutOfRangeError, NotFittedError, NativeError });
  return addon;
}
