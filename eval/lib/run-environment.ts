/** What a benchmark result must carry to be reproducible: versions, machine, commit, threads. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunEnvironment {
  date: string;
  library: string;
  commit: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  threads: number;
}

export function runEnvironment(repoRoot: string, threads: number): RunEnvironment {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    if (dirty !== '') commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout: the commit stays unknown
  }
  return {
    date: new Date().toISOString(),
    library: `${pkg.name} ${pkg.version}`,
    commit,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    threads,
  };
}
