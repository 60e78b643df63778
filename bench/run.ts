/**
 * `npm run bench [-- --quick] [-- --only W1,W4,W6] [-- --peers ours,onednn,...] [-- --out dir]`
 * `npm run bench -- --render bench/results/results.json` rewrites results.md and chart.svg
 * beside that file without measuring anything.
 *
 * Measures every workload of bench/workloads.ts on our library and its peers in one run on
 * this machine, and writes results.json, results.md and chart.svg (bench/results for a full
 * run, bench/results/quick for --quick). Each JavaScript peer runs in a process of its own
 * per workload; the C++ benches are built with CMake and run one case per process.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildNativeBenches,
  measureFmaPeak,
  measurePingPongOnce,
  REPO_ROOT,
  runNativeCase,
  type IdleGate,
  type NativeCase,
} from './native-benches.js';
import type { PeerJob, PeerJobCase, PeerJobOutput } from './peer-process.js';
import type { GruForm } from './peers/peer.js';
import { JS_PEER_IDS, JS_PEER_MATRIX, type JsPeerId } from './peers/registry.js';
import { renderChart } from './report-chart.js';
import { renderMarkdown } from './report-markdown.js';
import type { ResultRow, RunResults, ServerRow, SkippedCase } from './result-types.js';
import { FULL_PLAN, QUICK_PLAN, type TimingPlan } from './timing-plan.js';
import { runW6 } from './w6.js';
import { WORKLOADS, type Mode, type Workload } from './workloads.js';

const NATIVE_PEER_IDS = ['ours-c++', 'onednn'] as const;
const ALL_PEERS: readonly string[] = [...JS_PEER_IDS, ...NATIVE_PEER_IDS];

/** Cases whose single call takes over a second: the quick run leaves them to the full run. */
const QUICK_SKIPS: Array<{ impl: string; workload: Workload['id']; mode?: Mode }> = [
  { impl: 'tfjs-cpu', workload: 'W2' },
  { impl: 'tfjs-cpu', workload: 'W3' },
  { impl: 'tfjs-cpu', workload: 'W4' },
  { impl: 'tfjs-cpu', workload: 'W5', mode: 'fwdbwd' },
  { impl: 'tfjs-wasm', workload: 'W4', mode: 'fwdbwd' },
];

/** Instruction-set comparison (full run only): our kernels from C++, one thread. */
const ISA_CASES: Array<{ workload: Workload['id']; mode: Mode }> = [
  { workload: 'W2', mode: 'infer' },
  { workload: 'W4', mode: 'infer' },
  { workload: 'W5', mode: 'infer' },
];

/** Server-use combinations: kernel threads x libuv pool size x simultaneous requests. */
const SERVER_CONFIGS: Array<Omit<ServerRow, 'seqPerSec'>> = [
  { kernelThreads: 2, uvThreadpoolSize: 4, concurrency: 1 },
  { kernelThreads: 2, uvThreadpoolSize: 4, concurrency: 2 },
  { kernelThreads: 1, uvThreadpoolSize: 2, concurrency: 2 },
  { kernelThreads: 1, uvThreadpoolSize: 1, concurrency: 2 },
];

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function formsOf(w: Workload, forms: GruForm[]): Array<GruForm | null> {
  return w.cell === 'gru' ? forms : [null];
}

/** The modes a native bench runs a workload in: W3 also as stack-only forward + backward. */
function nativeModes(w: Workload, impl: 'ours-c++' | 'onednn'): Mode[] {
  const modes = w.id === 'W3' ? [...w.modes, 'fwdbwd' as Mode] : [...w.modes];
  return impl === 'onednn' ? modes.filter((m) => m !== 'train') : modes;
}

function quickSkip(impl: string, w: Workload, mode: Mode): boolean {
  return QUICK_SKIPS.some((s) => s.impl === impl && s.workload === w.id && (s.mode === undefined || s.mode === mode));
}

function runJsPeer(
  id: JsPeerId,
  workloads: Workload[],
  quick: boolean,
  idle: IdleGate,
  skipped: SkippedCase[],
): PeerJobOutput {
  const matrix = JS_PEER_MATRIX[id];
  const cases: PeerJobCase[] = [];
  for (const w of workloads) {
    for (const mode of w.modes) {
      if (quick && quickSkip(id, w, mode)) {
        skipped.push({
          workload: w.id,
          mode,
          impl: id,
          reason: 'one call takes over a second: measured by the full run only',
        });
        continue;
      }
      for (const gruForm of formsOf(w, matrix.gruForms)) {
        for (const threads of matrix.threads) cases.push({ workload: w.id, mode, threads, gruForm });
      }
    }
  }
  if (!cases.length) return { rows: [], skipped: [] };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnn-anomaly-bench-'));
  try {
    const job: PeerJob = { peer: id, cases, quick, idle, out: path.join(dir, 'out.json') };
    const jobPath = path.join(dir, 'job.json');
    writeFileSync(jobPath, JSON.stringify(job));
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'peer-process.ts'), jobPath],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    try {
      return JSON.parse(readFileSync(job.out, 'utf8')) as PeerJobOutput;
    } catch {
      const reason = `measuring process ended with ${child.status ?? child.signal} before writing results`;
      return { rows: [], skipped: cases.map((c) => ({ workload: c.workload, mode: c.mode, impl: id, reason })) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The JavaScript rows measure whatever addon `npm install` last compiled; say so when the
 * kernel or binding sources are newer, since those rows then lag the C++ ones.
 */
function staleAddonWarning(): string | null {
  const addon = path.join(REPO_ROOT, 'build', 'Release', 'rnnad.node');
  if (!existsSync(addon))
    return 'the addon build/Release/rnnad.node is missing (npm run install builds it): no JavaScript rows for ours';
  const built = statSync(addon).mtimeMs;
  const newer = ['native/kernels', 'native/binding'].flatMap((dir) =>
    readdirSync(path.join(REPO_ROOT, dir))
      .filter((f) => /\.(cc|h)$/.test(f) && statSync(path.join(REPO_ROOT, dir, f)).mtimeMs > built)
      .map((f) => `${dir}/${f}`),
  );
  if (!newer.length) return null;
  const listed = newer.length > 3 ? `${newer.slice(0, 3).join(', ')} and ${newer.length - 3} more` : newer.join(', ');
  return `the addon is older than ${listed}: rebuild it (npm run install) for current JavaScript rows`;
}

function runServerScenarios(quick: boolean): ServerRow[] {
  const rows: ServerRow[] = [];
  for (const config of SERVER_CONFIGS) {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'bench', 'server-scenario.ts'),
        String(config.kernelThreads),
        String(config.concurrency),
        quick ? '1' : '0',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, UV_THREADPOOL_SIZE: String(config.uvThreadpoolSize) },
      },
    );
    const tag = `server: setThreads(${config.kernelThreads}), UV_THREADPOOL_SIZE=${config.uvThreadpoolSize}, ${config.concurrency} concurrent`;
    if (child.status !== 0) {
      log(`  ${tag}: failed (${(child.stderr ?? '').trim().split('\n').pop()})`);
      continue;
    }
    const seqPerSec = JSON.parse(child.stdout.trim().split('\n').pop()!) as ServerRow['seqPerSec'];
    rows.push({ ...config, seqPerSec });
    log(`  ${tag}: ${Math.round(seqPerSec.median)} seq/s`);
  }
  return rows;
}

function nativeCases(impl: 'ours-c++' | 'onednn', workloads: Workload[]): NativeCase[] {
  const binary = impl === 'ours-c++' ? 'bench_kernels' : 'bench_onednn';
  const cases: NativeCase[] = [];
  for (const w of workloads) {
    for (const mode of nativeModes(w, impl)) {
      for (const gruForm of formsOf(w, ['reset-after', 'reset-before'])) {
        for (const threads of [1, 2]) {
          const scopeNote =
            w.id === 'W3' && mode === 'fwdbwd' ? { note: 'recurrent stack only (no head, loss or optimizer)' } : {};
          cases.push({ binary, impl, workload: w, mode, threads, gruForm, ...scopeNote });
        }
      }
    }
  }
  return cases;
}

function isaCases(workloads: Workload[]): NativeCase[] {
  const cases: NativeCase[] = [];
  for (const { workload, mode } of ISA_CASES) {
    const w = workloads.find((x) => x.id === workload);
    if (!w) continue;
    for (const isa of ['scalar', 'avx2', 'avx512']) {
      cases.push({
        binary: 'bench_kernels',
        impl: 'ours-c++',
        workload: w,
        mode,
        threads: 1,
        gruForm: w.cell === 'gru' ? 'reset-after' : null,
        isa,
      });
    }
  }
  return cases;
}

function writeReports(results: RunResults, dir: string): void {
  writeFileSync(path.join(dir, 'results.md'), renderMarkdown(results));
  writeFileSync(path.join(dir, 'chart.svg'), renderChart(results));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      peers: { type: 'string' },
      out: { type: 'string' },
      render: { type: 'string' },
    },
  });
  if (values.render) {
    const file = path.resolve(values.render);
    writeReports(JSON.parse(readFileSync(file, 'utf8')) as RunResults, path.dirname(file));
    return;
  }
  const quick = values.quick ?? false;
  const plan = quick ? QUICK_PLAN : FULL_PLAN;
  const only = values.only?.split(',').map((s) => s.trim().toUpperCase());
  const unknownWorkloads = only?.filter((id) => id !== 'W6' && !WORKLOADS.some((w) => w.id === id)) ?? [];
  const peers = values.peers?.split(',').map((s) => s.trim()) ?? [...ALL_PEERS];
  const unknownPeers = peers.filter((p) => !ALL_PEERS.includes(p));
  if (unknownWorkloads.length || unknownPeers.length) {
    log(
      `unknown ${unknownWorkloads.length ? `workloads ${unknownWorkloads.join(', ')} (expected W1..W6)` : ''}` +
        `${unknownPeers.length ? `peers ${unknownPeers.join(', ')} (expected ${ALL_PEERS.join(', ')})` : ''}`,
    );
    process.exit(2);
  }
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.id));
  const outDir = values.out
    ? path.resolve(values.out)
    : path.join(REPO_ROOT, 'bench', 'results', ...(quick ? ['quick'] : []));

  const started = Date.now();
  const loadStart = os.loadavg()[0]!;
  log(`rnn-anomaly bench (${quick ? 'quick' : 'full'}), load average ${loadStart.toFixed(2)}`);
  if (loadStart > 0.5) log('  warning: the machine is busy; figures will be lower and noisier than on an idle machine');

  log('building the C++ benches (cmake)...');
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'rnn-anomaly-bench-bin-'));
  try {
    measureAndWrite({
      quick,
      plan,
      peers,
      workloads,
      outDir,
      started,
      loadStart,
      runDir,
      w6: !only || only.includes('W6'),
    });
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

interface RunSettings {
  quick: boolean;
  plan: TimingPlan;
  peers: string[];
  workloads: Workload[];
  outDir: string;
  started: number;
  loadStart: number;
  runDir: string;
  /** Run W6 (bench/w6.ts: many streams through one pool) after the other workloads. */
  w6: boolean;
}

function measureAndWrite({ quick, plan, peers, workloads, outDir, started, loadStart, runDir, w6 }: RunSettings): void {
  const build = buildNativeBenches(runDir);
  const stale = peers.includes('ours') ? staleAddonWarning() : null;
  if (stale) build.problems.push(stale);
  for (const p of build.problems) log(`  ${p}`);
  const fmaPeak = measureFmaPeak(build.binaries.fma_peak, 5);
  for (const p of fmaPeak) log(`  FMA peak ${p.isa} ${p.threads}t: ${p.gflops.median.toFixed(1)} GFLOP/s`);
  const pingPongNs = measurePingPongOnce(build.binaries.pingpong);
  if (pingPongNs) log(`  core-to-core round trip: ${pingPongNs.median.toFixed(0)} ns`);
  // The fastest round trip seen is this machine's idle figure; twice it (at least 200 ns)
  // means the other core is taken.
  const idle: IdleGate = {
    binary: build.binaries.pingpong,
    idleNs: Math.max(200, 2 * (pingPongNs?.min ?? 100)),
    maxWaitMs: quick ? 500 : 20_000,
  };

  const rows: ResultRow[] = [];
  const skipped: SkippedCase[] = [];
  let server: ServerRow[] = [];
  // Workload by workload, every implementation in turn: the rows of one table are measured
  // minutes apart, not a whole run apart, so a change in the machine's load between them
  // shows less in their ratios.
  for (const w of workloads) {
    log(`${w.id}: ${w.description}`);
    for (const id of JS_PEER_IDS) {
      if (!peers.includes(id)) continue;
      const out = runJsPeer(id, [w], quick, idle, skipped);
      rows.push(...out.rows);
      skipped.push(...out.skipped);
    }
    if (w.id === 'W2' && peers.includes('ours')) server = runServerScenarios(quick);
    const native: NativeCase[] = [];
    if (peers.includes('ours-c++')) native.push(...nativeCases('ours-c++', [w]), ...(quick ? [] : isaCases([w])));
    if (peers.includes('onednn')) {
      native.push(...nativeCases('onednn', [w]));
      if (w.modes.includes('train')) {
        skipped.push({
          workload: w.id,
          mode: 'train',
          impl: 'onednn',
          reason: 'oneDNN has no dense head, loss or optimizer: its W3 rows are the recurrent stack forward + backward',
        });
      }
    }
    for (const c of native) {
      const tag = `${c.workload.id} ${c.mode} ${c.impl}${c.isa ? ` [${c.isa}]` : ''} t=${c.threads}${c.gruForm ? ` ${c.gruForm}` : ''}`;
      const result = runNativeCase(build, c, plan, idle);
      if (typeof result === 'string') {
        skipped.push({ workload: c.workload.id, mode: c.mode, impl: c.impl, reason: result });
        log(`  ${tag}: not measured (${result.split('\n')[0]})`);
      } else {
        rows.push(result);
        const shown =
          result.unit === 'us/step'
            ? `${result.value.median.toFixed(2)} us/step`
            : `${Math.round(result.value.median)} seq/s`;
        log(`  ${tag}: ${shown} (${result.gflops.toFixed(1)} GFLOP/s)`);
      }
    }
  }

  const results: RunResults = {
    createdAt: new Date().toISOString(),
    quick,
    minutes: (Date.now() - started) / 60_000,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    loadAverage: { start: loadStart, end: os.loadavg()[0]! },
    problems: build.problems,
    fmaPeak,
    pingPongNs,
    rows,
    server,
    skipped,
  };
  mkdirSync(outDir, { recursive: true });
  // `--only W6` measures W6 alone and leaves the W1-W5 results as they are.
  if (workloads.length > 0) {
    writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    writeReports(results, outDir);
    log(
      `wrote ${path.relative(process.cwd(), outDir) || '.'}/results.{json,md} and chart.svg (${results.minutes.toFixed(1)} min)`,
    );
  }
  if (w6) {
    log('W6: many streams through one pool');
    const peak2t = Math.max(0, ...fmaPeak.filter((p) => p.threads === 2).map((p) => p.gflops.median));
    runW6({ quick, fmaPeak2t: peak2t > 0 ? peak2t : null, outDir });
    log(`wrote ${path.relative(process.cwd(), outDir) || '.'}/w6.{json,md}`);
  }
}

main();
