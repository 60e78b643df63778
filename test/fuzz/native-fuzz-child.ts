// Child process of the native fuzzer: `node --import tsx native-fuzz-child.ts <seed> <from> <to>`
// runs cases [from, to) and prints one JSON line: the outcomes that are not acceptable, counts
// per outcome kind, and its peak RSS. Before each case it writes `case <i>` to stderr so that a
// parent that sees it die knows where it was.
import { writeSync } from 'node:fs';

import { native } from '../../src/engine/native.js';
import { type CaseOutcome, type OutcomeKind, discoverSurface, runCase } from './native-fuzz-cases.js';

const [seed, from, to] = process.argv.slice(2).map(Number) as [number, number, number];
const addon = native() as unknown as Record<string, unknown>;
const surface = discoverSurface(addon);
const counts: Partial<Record<OutcomeKind, number>> = {};
const failures: CaseOutcome[] = [];
const targets: Record<string, number> = {};
// The runner's own test makes one case die the way a native crash would.
const crashAt = process.env.RNN_ANOMALY_FUZZ_CRASH_AT;
for (let i = from; i < to; i++) {
  writeAll(2, `case ${i}\n`);
  if (String(i) === crashAt) process.kill(process.pid, 'SIGSEGV');
  const r = await runCase(addon, surface, seed, i);
  counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  targets[r.target] = (targets[r.target] ?? 0) + 1;
  if (r.kind === 'untyped' || r.kind === 'hang') failures.push(r);
}
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
writeAll(1, JSON.stringify({ counts, failures, targets, peakRssMb, surface: summarize() }) + '\n');

function summarize(): Record<string, string[]> {
  const out: Record<string, string[]> = { functions: surface.functions };
  for (const [name, { methods, getters }] of surface.classes) out[name] = [...methods, ...getters];
  return out;
}

// The pipes to the parent are non-blocking: a full pipe is EAGAIN, not an error of the case.
function writeAll(fd: number, text: string): void {
  for (;;) {
    try {
      writeSync(fd, text);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}
