/**
 * What `npm pack` puts in the tarball: every file a user needs (the build, the sources that
 * `npm install` compiles when no prebuilt binary fits, the files the README links), and nothing
 * else (no tests, TypeScript sources, source maps or build trees). Prebuilt binaries are
 * allowed but not required here: they are built into the tarball by `npm pack` (prepack) and
 * .ci/run checks the packed tarball for both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');

function packedFiles(): string[] {
  // --ignore-scripts: prepack would compile both prebuilt binaries, which this test does not need.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path).sort();
}

const allowed: RegExp[] = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|binding\.gyp|scripts\/install\.cjs)$/,
  /^dist\/.+\.(js|d\.ts)$/,
  /^native\/(kernels|binding)\/[\w-]+\.(cc|h)$/,
  /^prebuilds\/linux-(x64|arm64)\/rnn-anomaly\.napi\.glibc\.node$/,
  /^docs\/[\w-]+\.(md|png)$/,
  /^examples\/data\/.+\.(csv|json|npy\.gz|txt|md)$/,
];

/** Every file package.json points at: main, types, bin and each "exports" target. */
function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
  const targets = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : value !== null && typeof value === 'object'
        ? Object.values(value).flatMap(targets)
        : [];
  return [...new Set(targets([pkg.main, pkg.types, pkg.bin, pkg.exports]).map((t) => t.replace(/^\.\//, '')))];
}

/** The files binding.gyp compiles, which must ship for an install that builds from source. */
function bindingSources(): string[] {
  const gyp = readFileSync(join(repo, 'binding.gyp'), 'utf8');
  return [...gyp.matchAll(/"(native\/[^"]+\.cc)"/g)].map((m) => m[1]!);
}

/** README links to files of the repository (not URLs or anchors): npm shows the README, so they must ship. */
function readmeLinkedFiles(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  return [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target));
}

describe('npm package contents', () => {
  it('needs the TypeScript build in dist/ (npm ci runs `npm run build` through prepare)', () => {
    expect(existsSync(join(repo, 'dist', 'index.js')), 'dist/index.js: run `npm run build` first').toBe(true);
  });

  const files = existsSync(join(repo, 'dist', 'index.js')) ? packedFiles() : [];

  it('holds only files a user needs', () => {
    expect(files.filter((f) => !allowed.some((pattern) => pattern.test(f)))).toEqual([]);
  });

  it('holds the entry points, the CLI, the licence, the install script and the sources it compiles', () => {
    const required = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'binding.gyp',
      'scripts/install.cjs',
      ...entryPoints(),
      ...bindingSources(),
    ];
    expect(required.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('holds every file the README links to', () => {
    const linked = readmeLinkedFiles();
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('ships the native headers the shipped sources include', () => {
    const sources = files.filter((f) => /^native\/.+\.(cc|h)$/.test(f));
    const missing = sources.flatMap((f) =>
      [...readFileSync(join(repo, f), 'utf8').matchAll(/#include "([^"]+)"/g)]
        .map((m) => m[1]!)
        .filter((header) => !files.includes(`native/kernels/${header}`) && !files.includes(join(f, '..', header)))
        .map((header) => `${f}: ${header}`),
    );
    expect(missing).toEqual([]);
  });
});
