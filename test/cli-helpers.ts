/**
 * Spawning the CLI from source (`node --import tsx src/cli/main.ts`, no build needed) and small
 * CSV files with anomalies at known rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(REPO, 'src', 'cli', 'main.ts');
// By URL, so the loader is found whatever the child's working directory.
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, MAIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], cwd: string): Promise<CliRun> {
  return collect(startCli(args, cwd));
}

/** Flags that keep training to a fraction of a second. */
export const FAST = ['--epochs', '5', '--hidden', '8', '--window', '16', '--seed', '1'];

export const SERIES_START = Date.UTC(2020, 0, 1);
export const STEP_MS = 300_000;
/** Rows where the synthetic series jumps by +8 (about 5.7 standard deviations of the sine). */
export const SPIKE = { start: 900, end: 910 };

function timestampText(row: number): string {
  return new Date(SERIES_START + row * STEP_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** A 4-hour sine sampled every 5 minutes, with a level jump at SPIKE. */
export async function writeSeriesCsv(path: string, rows = 1200, column = 'value'): Promise<void> {
  const lines = [`timestamp,${column}`];
  for (let i = 0; i < rows; i++) {
    let v = 2 * Math.sin((2 * Math.PI * i) / 48) + 0.1 * Math.sin(i * 0.37);
    if (i >= SPIKE.start && i <= SPIKE.end) v += 8;
    lines.push(`${timestampText(i)},${v.toFixed(4)}`);
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

export function rowTime(row: number): string {
  return timestampText(row);
}
