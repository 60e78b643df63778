/**
 * `npm run loadtest [-- --quick] [-- --only max|overload|soak] [-- --soak <seconds>] [-- --out <dir>]`:
 * HTTP load against `rnn-anomaly serve` on loopback (the server in a child process, autocannon
 * in this one, both on this machine), bounded in time. Phases:
 * - max: for 1, 1,000 and 100,000 streams with 1 and 100 points per request, the maximum rate
 *   (points/s, p50/p99 latency), then p99 at half that rate;
 * - overload: 10x overload (only 200 and 429 allowed, RSS sampled) and the recovery after it;
 * - soak: half the maximum rate with RSS sampled (`--soak 600` for the 10-minute one).
 * `--only` runs one phase (overload and soak first measure the one maximum rate they need).
 * When the overload phase runs, the run ends with SIGTERM sent in the middle of another
 * overload: the server must exit 0 with every stream, and every acknowledged point, in its final
 * checkpoint. Writes loadtest.{json,md} to bench/results (loadtest-<phase>.* with --only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import { StateStore } from '../src/serving/state-store.js';

const PHASES = ['max', 'overload', 'soak'] as const;
type Phase = (typeof PHASES)[number];

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ModelShape {
  name: string;
  columns: number;
  hidden: number;
  window: number;
}

/** A small metrics model (the HTTP path's ceiling) and the W6 model (network-bound). */
const MODELS: readonly ModelShape[] = [
  { name: 'small', columns: 2, hidden: 16, window: 16 },
  { name: 'w6', columns: 4, hidden: 64, window: 32 },
];

function value(stream: number, t: number, c: number): number {
  return Math.round(1000 * Math.sin(t / 5 + stream * 0.37 + c)) / 1000;
}

async function writeModel(dir: string, shape: ModelShape): Promise<string> {
  const rows = Array.from({ length: 1500 }, (_, t) => Array.from({ length: shape.columns }, (_, c) => value(0, t, c)));
  const detector = new Detector({
    hidden: shape.hidden,
    window: shape.window,
    epochs: 1,
    windowsPerEpoch: 256,
    seed: 13,
  });
  await detector.fit(
    TimeSeries.fromArrays({ values: rows, columnNames: Array.from({ length: shape.columns }, (_, c) => `m${c}`) }),
  );
  const file = path.join(dir, `${shape.name}.rnnad`);
  await detector.save(file);
  return file;
}

interface Server {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

async function startServer(models: string[], dir: string): Promise<Server> {
  const args = [
    '--import',
    'tsx',
    path.join(REPO, 'src', 'cli', 'main.ts'),
    'serve',
    ...models.flatMap((m) => ['--model', m]),
    '--port',
    '0',
    '--log-level',
    'warn',
    '--state',
    path.join(dir, 'state.db'),
    '--checkpoint-ms',
    '1000',
    '--max-body-bytes',
    String(8 << 20),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      process.stderr.write(chunk);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${seen}`)));
  });
  for (;;) {
    const ready = await fetch(`${url}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) return { child, url, exited };
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Request bodies cycling through `streams` streams, `perRequest` distinct streams per body. */
function bodies(streams: number, perRequest: number, columns: number, count: number): string[] {
  const out: string[] = [];
  let next = 0;
  for (let b = 0; b < count; b++) {
    const points = [];
    for (let i = 0; i < perRequest; i++) {
      const s = next++ % streams;
      const t = Math.floor(next / streams);
      points.push({ stream: `host-${s}/metric`, values: Array.from({ length: columns }, (_, c) => value(s, t, c)) });
    }
    out.push(JSON.stringify({ points }));
  }
  return out;
}

interface RunFigures {
  requestsPerSec: number;
  pointsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  errors: number;
  eventLoopMaxMs: number;
  rssMb: number;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name.replace(/[{}"=.]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function load(
  url: string,
  model: string,
  body: string[],
  perRequest: number,
  seconds: number,
  options: { connections: number; rate?: number; pipelining?: number },
): Promise<RunFigures> {
  await metric(url, 'rnnad_event_loop_delay_seconds{quantile="1"}'); // resets the delay histogram
  let i = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    pipelining: options.pipelining ?? 1,
    duration: seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        method: 'POST',
        path: `/v1/models/${model}/points`,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: Record<string, unknown>) => {
          request.body = body[i++ % body.length];
          return request;
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (stat as { count: number }).count;
  const ok = statuses['200'] ?? 0;
  return {
    requestsPerSec: result.requests.average,
    pointsPerSec: (ok * perRequest) / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
    eventLoopMaxMs: 1000 * (await metric(url, 'rnnad_event_loop_delay_seconds{quantile="1"}')),
    rssMb: (await metric(url, 'rnnad_resident_memory_bytes')) / 2 ** 20,
  };
}

/** Creates every stream and fills its window (1,000-point requests, 8 at a time), so measured points are scored. */
async function warm(url: string, model: ModelShape, streams: number): Promise<void> {
  const perRequest = Math.min(streams, 1000);
  const body = bodies(streams, perRequest, model.columns, Math.ceil(streams / perRequest) * (model.window + 1));
  for (let k = 0; k < body.length; k += 8) {
    await Promise.all(
      body.slice(k, k + 8).map(async (b) => {
        const r = await fetch(`${url}/v1/models/${model.name}/points`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: b,
        });
        if (r.status !== 200) throw new Error(`warm-up request failed with ${r.status}: ${await r.text()}`);
      }),
    );
  }
}

interface MatrixRow {
  model: string;
  streams: number;
  pointsPerRequest: number;
  max: RunFigures;
  half: RunFigures;
}

interface SigtermCheck {
  /** Seconds into the overload at which SIGTERM was sent. */
  atSeconds: number;
  exitCode: number | null;
  secondsToExit: number;
  statuses: Record<string, number>;
  /** Streams per model the server held before the run, and the final checkpoint holds. */
  streams: Record<string, { served: number; checkpointed: number }>;
  /** Points of the overloaded streams in 200 answers during the run. */
  pointsAcknowledged: number;
  /** Points those streams gained between the server's view before the run and the final checkpoint. */
  pointsCheckpointed: number;
  passed: boolean;
}

/** Points held per stream of `keys`, summed, as the server reports them. */
async function servedPoints(url: string, model: string, keys: readonly string[]): Promise<number> {
  let total = 0;
  for (let k = 0; k < keys.length; k += 50) {
    const counts = await Promise.all(
      keys.slice(k, k + 50).map(async (key) => {
        const r = await fetch(`${url}/v1/models/${model}/streams/${encodeURIComponent(key)}`);
        if (r.status !== 200) throw new Error(`GET stream ${key} failed with ${r.status}`);
        return ((await r.json()) as { points: number }).points;
      }),
    );
    for (const c of counts) total += c;
  }
  return total;
}

/**
 * SIGTERM in the middle of a 10x overload: the server must drain, write its final checkpoint and
 * exit 0; the checkpoint must hold every stream it served, and every point it acknowledged.
 */
async function sigtermDuringOverload(
  server: Server,
  files: Record<string, string>,
  statePath: string,
  body: string[],
  keys: readonly string[],
  seconds: number,
): Promise<SigtermCheck> {
  const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { name: string; streams: number }[];
  const exitedAt = server.exited.then(() => performance.now());
  const before = await servedPoints(server.url, 'small', keys);
  let killedAt = 0;
  let sent = 0;
  const timer = setTimeout(() => {
    killedAt = performance.now();
    server.child.kill('SIGTERM');
  }, seconds * 500);
  const run = await autocannon({
    url: server.url,
    connections: 160,
    pipelining: 10,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/models/small/points',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: Record<string, unknown>) => {
          request.body = body[sent++ % body.length];
          return request;
        },
      },
    ],
  });
  clearTimeout(timer);
  const exitCode = await server.exited;
  const secondsToExit = ((await exitedAt) - killedAt) / 1000;
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(run.statusCodeStats ?? {}))
    statuses[code] = (stat as { count: number }).count;
  const store = await StateStore.open(statePath);
  const streams: SigtermCheck['streams'] = {};
  let after = 0;
  try {
    for (const m of models) {
      const pool = Detector.fromBuffer(readFileSync(files[m.name]!), files[m.name]!).streams();
      for (const records of store.records(m.name)) pool.load(records);
      streams[m.name] = { served: m.streams, checkpointed: pool.size };
      if (m.name === 'small') for (const key of keys) after += pool.get(key)?.points ?? 0;
    }
  } finally {
    store.close();
  }
  const pointsAcknowledged = (statuses['200'] ?? 0) * 100;
  const pointsCheckpointed = after - before;
  return {
    atSeconds: seconds / 2,
    exitCode,
    secondsToExit,
    statuses,
    streams,
    pointsAcknowledged,
    pointsCheckpointed,
    passed:
      exitCode === 0 &&
      Object.values(streams).every((s) => s.checkpointed === s.served) &&
      pointsCheckpointed >= pointsAcknowledged,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      soak: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const only = values.only as Phase | undefined;
  if (only !== undefined && !PHASES.includes(only))
    throw new Error(`--only takes ${PHASES.join(', ')}; got "${values.only}"`);
  const runs = (phase: Phase): boolean => only === undefined || only === phase;
  const quick = values.quick ?? false;
  const seconds = quick ? 3 : 6;
  const soakSeconds = Number(values.soak ?? (quick ? 20 : 60));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnad-loadtest-'));
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const loadStart = os.loadavg()[0]!;
  try {
    const files = await Promise.all(MODELS.map((m) => writeModel(dir, m)));
    const statePath = path.join(dir, 'state.db');
    const server = await startServer(
      MODELS.map((m, k) => `${m.name}=${files[k]}`),
      dir,
    );
    log(`serving at ${server.url} (load average ${loadStart.toFixed(1)})`);
    const rows: MatrixRow[] = [];
    if (runs('max')) {
      const cases: { model: ModelShape; streams: number; perRequest: number }[] = [];
      for (const streams of [1, 1000, 100_000])
        for (const perRequest of [1, 100]) cases.push({ model: MODELS[0]!, streams, perRequest });
      cases.push(
        { model: MODELS[1]!, streams: 1000, perRequest: 100 },
        { model: MODELS[1]!, streams: 10_000, perRequest: 100 },
      );
      for (const c of cases) {
        const body = bodies(
          c.streams,
          c.perRequest,
          c.model.columns,
          Math.max(64, Math.ceil(c.streams / c.perRequest)),
        );
        await warm(server.url, c.model, c.streams);
        const connections = c.perRequest === 1 ? 64 : 16;
        const max = await load(server.url, c.model.name, body, c.perRequest, seconds, { connections });
        const half = await load(server.url, c.model.name, body, c.perRequest, seconds, {
          connections,
          rate: Math.max(1, Math.floor(max.requestsPerSec / 2)),
        });
        rows.push({ model: c.model.name, streams: c.streams, pointsPerRequest: c.perRequest, max, half });
        log(
          `${c.model.name} ${c.streams} streams x ${c.perRequest}/req: max ${Math.round(max.pointsPerSec)} points/s p50 ${max.p50Ms} p99 ${max.p99Ms} ms; half rate p99 ${half.p99Ms} ms; loop max ${max.eventLoopMaxMs.toFixed(1)} ms`,
        );
      }
    }

    // Overload, recovery and soak run on the small model at 1,000 streams, 100 points per
    // request; their reference is that case's maximum rate (measured here when max did not run).
    const overloadBody = bodies(1000, 100, MODELS[0]!.columns, 64);
    const overloadKeys = Array.from({ length: 1000 }, (_, s) => `host-${s}/metric`);
    let baseline = rows.find((r) => r.model === 'small' && r.streams === 1000 && r.pointsPerRequest === 100)?.max;
    if (baseline === undefined) {
      await warm(server.url, MODELS[0]!, 1000);
      baseline = await load(server.url, 'small', overloadBody, 100, seconds, { connections: 16 });
      log(
        `baseline small 1000 streams x 100/req: ${Math.round(baseline.pointsPerSec)} points/s, p99 ${baseline.p99Ms} ms`,
      );
    }

    let overload: RunFigures | null = null;
    let recovery: RunFigures | null = null;
    if (runs('overload')) {
      // 10x overload: ten times the connections, pipelined.
      overload = await load(server.url, 'small', overloadBody, 100, seconds * 2, { connections: 160, pipelining: 10 });
      log(
        `overload: statuses ${JSON.stringify(overload.statuses)}, errors ${overload.errors}, RSS ${overload.rssMb.toFixed(0)} MB, loop max ${overload.eventLoopMaxMs.toFixed(0)} ms`,
      );
      await sleep(1000);
      recovery = await load(server.url, 'small', overloadBody, 100, seconds, { connections: 16 });
      log(
        `recovery: ${Math.round(recovery.pointsPerSec)} points/s (before ${Math.round(baseline.pointsPerSec)}), statuses ${JSON.stringify(recovery.statuses)}`,
      );
    }

    let soak: { seconds: number; figures: RunFigures; rssMb: number[] } | null = null;
    if (runs('soak')) {
      // Half the maximum rate, RSS sampled every 5 s.
      const soakRss: number[] = [];
      const sampler = setInterval(
        () => void metric(server.url, 'rnnad_resident_memory_bytes').then((v) => soakRss.push(Math.round(v / 2 ** 20))),
        5000,
      );
      const figures = await load(server.url, 'small', overloadBody, 100, soakSeconds, {
        connections: 16,
        rate: Math.max(1, Math.floor(baseline.requestsPerSec / 2)),
      });
      clearInterval(sampler);
      soak = { seconds: soakSeconds, figures, rssMb: soakRss };
      log(
        `soak ${soakSeconds} s: p99 ${figures.p99Ms} ms, statuses ${JSON.stringify(figures.statuses)}, RSS ${soakRss.join(' ')} MB`,
      );
    }

    let sigterm: SigtermCheck | null = null;
    let exitCode: number | null;
    if (runs('overload')) {
      sigterm = await sigtermDuringOverload(
        server,
        Object.fromEntries(MODELS.map((m, k) => [m.name, files[k]!])),
        statePath,
        overloadBody,
        overloadKeys,
        seconds * 2,
      );
      exitCode = sigterm.exitCode;
      log(
        `SIGTERM ${sigterm.atSeconds} s into an overload: exit ${sigterm.exitCode} after ${sigterm.secondsToExit.toFixed(1)} s; ` +
          `streams ${JSON.stringify(sigterm.streams)}; points acknowledged ${sigterm.pointsAcknowledged}, checkpointed ${sigterm.pointsCheckpointed}; ${sigterm.passed ? 'passed' : 'FAILED'}`,
      );
    } else {
      server.child.kill('SIGTERM');
      exitCode = await server.exited;
    }
    const results = {
      createdAt: new Date().toISOString(),
      quick,
      only: only ?? null,
      seconds,
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
      loadAverage: { start: loadStart, end: os.loadavg()[0]! },
      models: MODELS,
      rows,
      baseline,
      overload,
      recovery,
      soak,
      sigterm,
      exitCode,
    };
    const outDir = values.out ? path.resolve(values.out) : path.join(REPO, 'bench', 'results');
    const name = only ? `loadtest-${only}` : 'loadtest';
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(results, null, 1)}\n`);
    writeFileSync(path.join(outDir, `${name}.md`), render(results));
    process.stdout.write(render(results));
    if (sigterm && !sigterm.passed) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(r: {
  createdAt: string;
  quick: boolean;
  only: Phase | null;
  seconds: number;
  loadAverage: { start: number; end: number };
  rows: MatrixRow[];
  baseline: RunFigures;
  overload: RunFigures | null;
  recovery: RunFigures | null;
  soak: { seconds: number; figures: RunFigures; rssMb: number[] } | null;
  sigterm: SigtermCheck | null;
  exitCode: number | null;
}): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `## HTTP load test (${r.quick ? 'quick' : 'full'}${r.only ? `, ${r.only} only` : ''}, ${r.createdAt}, ${r.seconds} s per run, load average ${r.loadAverage.start.toFixed(1)}-${r.loadAverage.end.toFixed(1)})`,
    '',
    'Server and autocannon on the same 2-core machine, loopback. Models: small = 2 columns, GRU 16, window 16; w6 = 4 columns, GRU 64, window 32.',
    '',
  ];
  if (r.rows.length > 0) {
    lines.push(
      '| model | streams | points/request | max points/s | p50 ms | p99 ms | event loop max ms | p99 ms at half rate | statuses at max |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...r.rows.map(
        (row) =>
          `| ${row.model} | ${n(row.streams)} | ${row.pointsPerRequest} | ${n(row.max.pointsPerSec)} | ${row.max.p50Ms} | ${row.max.p99Ms} | ${row.max.eventLoopMaxMs.toFixed(1)} | ${row.half.p99Ms} | ${JSON.stringify(row.max.statuses)} |`,
      ),
      '',
    );
  } else {
    lines.push(
      `Reference (small, 1,000 streams, 100 points/request, 16 connections): ${n(r.baseline.pointsPerSec)} points/s, p50 ${r.baseline.p50Ms} ms, p99 ${r.baseline.p99Ms} ms.`,
    );
  }
  if (r.overload && r.recovery) {
    lines.push(
      `10x overload (160 connections x 10 pipelined, 100-point requests): statuses ${JSON.stringify(r.overload.statuses)}, ${n(r.overload.pointsPerSec)} points/s answered 200, socket errors ${r.overload.errors}, RSS ${n(r.overload.rssMb)} MB, event loop max ${r.overload.eventLoopMaxMs.toFixed(1)} ms.`,
      `Recovery right after: ${n(r.recovery.pointsPerSec)} points/s, p99 ${r.recovery.p99Ms} ms, statuses ${JSON.stringify(r.recovery.statuses)}.`,
    );
  }
  if (r.soak) {
    lines.push(
      `Soak ${r.soak.seconds} s at half the maximum rate: p99 ${r.soak.figures.p99Ms} ms, statuses ${JSON.stringify(r.soak.figures.statuses)}, RSS every 5 s: ${r.soak.rssMb.join(', ')} MB.`,
    );
  }
  if (r.sigterm) {
    const t = r.sigterm;
    lines.push(
      `SIGTERM ${t.atSeconds} s into a second overload: exit code ${t.exitCode}, ${t.secondsToExit.toFixed(1)} s after the signal; statuses ${JSON.stringify(t.statuses)}; ` +
        `streams served / in the final checkpoint: ${Object.entries(t.streams)
          .map(([m, s]) => `${m} ${n(s.served)} / ${n(s.checkpointed)}`)
          .join(
            ', ',
          )}; points acknowledged ${n(t.pointsAcknowledged)}, gained in the checkpoint ${n(t.pointsCheckpointed)}: ${t.passed ? 'passed' : 'FAILED'}.`,
    );
  } else {
    lines.push(`Server exit code after SIGTERM: ${r.exitCode}.`);
  }
  lines.push('');
  return lines.join('\n');
}

await main();
