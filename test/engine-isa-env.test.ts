import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { supportedIsas } from '../src/engine/index.js';

const addonPath = join(import.meta.dirname, '..', 'build', 'Release', 'rnnad.node');

/** activeIsa and the selection note in a fresh process with RNN_ANOMALY_ISA set. */
function probe(value: string): { isa: string; note: string } {
  const script = `const a = require(${JSON.stringify(addonPath)}); process.stdout.write(JSON.stringify({ isa: a.activeIsa(), note: a.isaSelectionNote() }));`;
  const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, RNN_ANOMALY_ISA: value } });
  return JSON.parse(out.toString()) as { isa: string; note: string };
}

describe('RNN_ANOMALY_ISA', () => {
  it.each(supportedIsas())('forces the %s path', (isa) => {
    expect(probe(isa)).toEqual({ isa, note: '' });
  });

  it('falls back to the best path and says why for an unknown name', () => {
    const best = supportedIsas().at(-1);
    const r = probe('sse9');
    expect(r.isa).toBe(best);
    expect(r.note).toMatch(/sse9/);
  });

  it('falls back for a path this CPU cannot run', () => {
    const missing = (['avx2', 'avx512', 'neon'] as const).find((i) => !supportedIsas().includes(i))!;
    const r = probe(missing);
    expect(r.isa).toBe(supportedIsas().at(-1));
    expect(r.note).toMatch(new RegExp(missing));
  });
});
