/**
 * results.md: the run's figures as markdown tables, one per workload and mode, each peer row
 * with the ratio of our throughput to its own (ours ÷ peer > 1: we are faster).
 */
import type { Stat } from './measure.js';
import type { ResultRow, RunResults } from './result-types.js';
import { TARGETS, targetMet } from './targets.js';
import { WORKLOADS, flopsPerSequence, type Mode } from './workloads.js';

const IMPL_ORDER = ['ours', 'ours-c++', 'onednn', 'onnxruntime', 'tfjs-wasm', 'tfjs-cpu'];
const MODE_ORDER: Mode[] = ['step', 'infer', 'fwdbwd', 'train'];
const MODE_TITLE: Record<Mode, string> = {
  step: 'streaming step',
  infer: 'inference',
  fwdbwd: 'forward + backward',
  train: 'training step',
};

function sig(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function statCell(s: Stat): string {
  return `${sig(s.median)} (${sig(s.min)}–${sig(s.max)})`;
}

function ratio(ours: ResultRow | undefined, peer: ResultRow): string {
  if (!ours || ours === peer) return '–';
  return `${(ours.seqPerSec.median / peer.seqPerSec.median).toFixed(2)}×`;
}

function sortRows(rows: ResultRow[]): ResultRow[] {
  return [...rows].sort(
    (a, b) =>
      IMPL_ORDER.indexOf(a.impl) - IMPL_ORDER.indexOf(b.impl) ||
      (a.gruForm ?? '').localeCompare(b.gruForm ?? '') ||
      a.threads - b.threads,
  );
}

/** Our row of the same workload, mode, thread count and GRU form, called from `impl`. */
function oursMatching(rows: ResultRow[], row: ResultRow, impl: 'ours' | 'ours-c++'): ResultRow | undefined {
  return rows.find(
    (r) =>
      r.impl === impl &&
      !r.forcedIsa &&
      r.workload === row.workload &&
      r.mode === row.mode &&
      r.threads === row.threads &&
      r.gruForm === row.gruForm,
  );
}

function peakFor(results: RunResults, threads: number): number | undefined {
  const peaks = results.fmaPeak.filter((p) => p.threads === threads);
  return peaks.length ? Math.max(...peaks.map((p) => p.gflops.median)) : undefined;
}

function sectionTable(results: RunResults, rows: ResultRow[]): string[] {
  const unit = rows[0].unit;
  const lines = [
    `| implementation | called from | GRU form | threads | ${unit} median (min–max) | seq/s | GFLOP/s | % of FMA peak | ours (JS) ÷ peer | ours (C++) ÷ peer | ping-pong ns | load | agreement | note |`,
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of sortRows(rows)) {
    const peak = peakFor(results, r.threads);
    lines.push(
      `| ${r.label} | ${r.caller} | ${r.gruForm ?? '–'} | ${r.threads} | ${statCell(r.value)} | ${sig(r.seqPerSec.median)} | ${sig(r.gflops)} | ` +
        `${peak ? `${((100 * r.gflops) / peak).toFixed(1)}%` : '–'} | ${ratio(oursMatching(results.rows, r, 'ours'), r)} | ` +
        `${ratio(oursMatching(results.rows, r, 'ours-c++'), r)} | ${r.pingPongNs ? sig(r.pingPongNs.median) : '–'} | ${r.loadAverage?.toFixed(1) ?? '–'} | ` +
        `${r.agreement === null ? '–' : r.agreement.toExponential(1)} | ${r.note ?? ''} |`,
    );
  }
  return lines;
}

function targetsTable(results: RunResults): string[] {
  const lines = [
    '| workload | mode | target | ours, best JS row | met | ours, best C++ row | fastest peer |',
    '| --- | --- | ---: | ---: | :---: | ---: | --- |',
  ];
  for (const t of TARGETS) {
    const rows = results.rows.filter((r) => r.workload === t.workload && r.mode === t.mode && !r.forcedIsa);
    const best = (impl: string) =>
      rows.filter((r) => r.impl === impl).sort((a, b) => b.seqPerSec.median - a.seqPerSec.median)[0];
    const ours = best('ours');
    const oursCpp = best('ours-c++');
    const peers = rows
      .filter((r) => !r.impl.startsWith('ours'))
      .sort((a, b) => b.seqPerSec.median - a.seqPerSec.median);
    const describeRow = (r: ResultRow | undefined) =>
      r ? `${sig(r.value.median)} (${r.threads}t${r.gruForm ? `, ${r.gruForm}` : ''})` : '–';
    const unit = t.mode === 'step' ? 'us/step' : 'seq/s';
    const met = ours ? (targetMet(t, ours.value.median) ? 'yes' : '**no**') : '–';
    const fastest = peers[0] ? `${peers[0].label}, ${describeRow(peers[0])}` : '–';
    lines.push(
      `| ${t.workload} | ${t.mode} | ${t.mode === 'step' ? '≤' : '≥'} ${sig(t.value)} ${unit} | ${describeRow(ours)} | ${met} | ${describeRow(oursCpp)} | ${fastest} |`,
    );
  }
  return lines;
}

export function renderMarkdown(results: RunResults): string {
  const out: string[] = [
    `# Benchmark results${results.quick ? ' (quick run)' : ''}`,
    '',
    `Run ${results.createdAt} (${results.minutes.toFixed(1)} min), ${results.machine.cpu}, ${results.machine.cores} cores, ` +
      `Node ${results.machine.node}, ${results.machine.platform}. 1-minute load average ${results.loadAverage.start.toFixed(2)} at the start, ` +
      `${results.loadAverage.end.toFixed(2)} at the end; the load column gives it for each row. Above about 1 on this 2-core machine ` +
      'another process shares the cores: every row slows, and 2-thread rows (which need both cores at once) collapse.',
    '',
    'Every figure is the median of at least 5 repetitions after warm-up, with min and max. Method, FLOP counts and ' +
      'peers: [docs/benchmarks.md](../../docs/benchmarks.md). "ours ÷ peer" compares throughput with our row of the ' +
      'same thread count and GRU form (> 1: we are faster); for streaming rows that is the ratio of latencies.',
    '',
  ];
  if (results.problems.length) {
    out.push('Problems in this run:', '', ...results.problems.map((p) => `- ${p.split('\n')[0]}`), '');
  }
  out.push('## Targets (issue 5)', '', ...targetsTable(results), '');

  out.push(
    '## Limits of this machine',
    '',
    '| ISA | threads | peak FMA GFLOP/s median (min–max) |',
    '| --- | ---: | ---: |',
  );
  for (const p of results.fmaPeak) out.push(`| ${p.isa} | ${p.threads} | ${statCell(p.gflops)} |`);
  out.push(
    '',
    `Cache-line round trip between the two cores: ${results.pingPongNs ? `${statCell(results.pingPongNs)} ns` : 'not measured'}.`,
    '',
  );

  const main = results.rows.filter((r) => !r.forcedIsa);
  for (const w of WORKLOADS) {
    for (const mode of MODE_ORDER) {
      const rows = main.filter((r) => r.workload === w.id && r.mode === mode);
      if (!rows.length) continue;
      out.push(
        `## ${w.id} ${MODE_TITLE[mode]}: ${w.cell.toUpperCase()} D=${w.inputSize} H=${w.hiddenSize} layers=${w.layers} T=${w.steps} B=${w.batch}`,
        '',
        `${sig(flopsPerSequence(w, mode) / 1e6)} MFLOP per sequence (matrix products).` +
          (w.id === 'W3' && mode === 'fwdbwd'
            ? ' The recurrent stack alone, for a like-for-like comparison with oneDNN, which has no head or optimizer.'
            : ''),
        '',
        ...sectionTable(results, rows),
        '',
      );
    }
  }

  if (results.server.length) {
    out.push(
      '## Server use: simultaneous forwardAsync calls (W2 shapes, one stack per request)',
      '',
      '| setThreads | UV_THREADPOOL_SIZE | simultaneous calls | seq/s median (min–max), all calls together |',
      '| ---: | ---: | ---: | ---: |',
      ...results.server.map(
        (s) => `| ${s.kernelThreads} | ${s.uvThreadpoolSize} | ${s.concurrency} | ${statCell(s.seqPerSec)} |`,
      ),
      '',
    );
  }

  const isaRows = results.rows.filter((r) => r.forcedIsa);
  if (isaRows.length) {
    out.push(
      '## Instruction sets (our kernels from C++, code path forced)',
      '',
      '| workload | mode | ISA | threads | median (min–max) | GFLOP/s |',
      '| --- | --- | --- | ---: | ---: | ---: |',
    );
    for (const r of isaRows) {
      out.push(
        `| ${r.workload} | ${r.mode} | ${r.forcedIsa} | ${r.threads} | ${statCell(r.value)} ${r.unit} | ${sig(r.gflops)} |`,
      );
    }
    out.push('');
  }
  if (results.skipped.length) {
    out.push('## Not measured', '', '| workload | mode | implementation | reason |', '| --- | --- | --- | --- |');
    // One line per reason, not one per thread count or GRU form.
    const lines = results.skipped.map((s) => `| ${s.workload} | ${s.mode} | ${s.impl} | ${s.reason.split('\n')[0]} |`);
    out.push(...new Set(lines));
    out.push('');
  }
  return out.join('\n');
}
