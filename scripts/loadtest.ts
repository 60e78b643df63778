/**
 * `npm run loadtest [-- --quick] [-- --soak <seconds>] [-- --out <dir>]`: HTTP load against
 * `rnn-anomaly serve` on loopback (the server in a child process, autocannon in this one, both
 * on this machine), bounded in time. For 1, 1,000 and 100,000 streams with 1 and 100 points
 * per request: the maximum rate (points/s, p50/p99 latency), then p99 at half that rate. Then
 * 10x overload (only 200 and 429 allowed, RSS sampled), recovery, and a short soak with RSS
 * sampled (`--soak 600` for the 10-minute one). Writes loadtest.{json,md} to bench/results.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';

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
    if (ready) return { child, url };
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, soak: { type: 'string' }, out: { type: 'string' } },
  });
  const quick = values.quick ?? false;
  const seconds = quick ? 3 : 6;
  const soakSeconds = Number(values.soak ?? (quick ? 20 : 60));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnad-loadtest-'));
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const loadStart = os.loadavg()[0]!;
  try {
    const files = await Promise.all(MODELS.map((m) => writeModel(dir, m)));
    const server = await startServer(
      MODELS.map((m, k) => `${m.name}=${files[k]}`),
      dir,
    );
    log(`serving at ${server.url} (load average ${loadStart.toFixed(1)})`);
    const rows: MatrixRow[] = [];
    const cases: { model: ModelShape; streams: number; perRequest: number }[] = [];
    for (const streams of [1, 1000, 100_000])
      for (const perRequest of [1, 100]) cases.push({ model: MODELS[0]!, streams, perRequest });
    cases.push(
      { model: MODELS[1]!, streams: 1000, perRequest: 100 },
      { model: MODELS[1]!, streams: 10_000, perRequest: 100 },
    );
    for (const c of cases) {
      const body = bodies(c.streams, c.perRequest, c.model.columns, Math.max(64, Math.ceil(c.streams / c.perRequest)));
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

    // 10x overload: ten times the connections, pipelined, on the small model at 1,000 streams.
    const overloadBody = bodies(1000, 100, MODELS[0]!.columns, 64);
    const best = rows.find((r) => r.model === 'small' && r.streams === 1000 && r.pointsPerRequest === 100)!;
    const overload = await load(server.url, 'small', overloadBody, 100, seconds * 2, {
      connections: 160,
      pipelining: 10,
    });
    log(
      `overload: statuses ${JSON.stringify(overload.statuses)}, errors ${overload.errors}, RSS ${overload.rssMb.toFixed(0)} MB`,
    );
    await sleep(1000);
    const recovery = await load(server.url, 'small', overloadBody, 100, seconds, { connections: 16 });
    log(
      `recovery: ${Math.round(recovery.pointsPerSec)} points/s (before ${Math.round(best.max.pointsPerSec)}), statuses ${JSON.stringify(recovery.statuses)}`,
    );

    // Soak at half the maximum rate, RSS sampled every 5 s.
    const soakRss: number[] = [];
    const sampler = setInterval(
      () => void metric(server.url, 'rnnad_resident_memory_bytes').then((v) => soakRss.push(Math.round(v / 2 ** 20))),
      5000,
    );
    const soak = await load(server.url, 'small', overloadBody, 100, soakSeconds, {
      connections: 16,
      rate: Math.floor(best.max.requestsPerSec / 2),
    });
    clearInterval(sampler);
    log(`soak ${soakSeconds} s: p99 ${soak.p99Ms} ms, RSS ${soakRss.join(' ')} MB`);

    server.child.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
    const results = {
      createdAt: new Date().toISOString(),
      quick,
      seconds,
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
      loadAverage: { start: loadStart, end: os.loadavg()[0] },
      models: MODELS,
      rows,
      overload,
      recovery,
      soak: { seconds: soakSeconds, figures: soak, rssMb: soakRss },
      exitCode,
    };
    const outDir = values.out ? path.resolve(values.out) : path.join(REPO, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'loadtest.json'), `${JSON.stringify(results, null, 1)}\n`);
    writeFileSync(path.join(outDir, 'loadtest.md'), render(results));
    process.stdout.write(render(results));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(r: {
  createdAt: string;
  quick: boolean;
  seconds: number;
  loadAverage: { start: number; end: number | undefined };
  rows: MatrixRow[];
  overload: RunFigures;
  recovery: RunFigures;
  soak: { seconds: number; figures: RunFigures; rssMb: number[] };
  exitCode: number | null;
}): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    `## HTTP load test (${r.quick ? 'quick' : 'full'}, ${r.createdAt}, ${r.seconds} s per run, load average ${r.loadAverage.start.toFixed(1)}-${(r.loadAverage.end ?? 0).toFixed(1)})`,
    '',
    'Server and autocannon on the same 2-core machine, loopback. Models: small = 2 columns, GRU 16, window 16; w6 = 4 columns, GRU 64, window 32.',
    '',
    '| model | streams | points/request | max points/s | p50 ms | p99 ms | event loop max ms | p99 ms at half rate | statuses at max |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...r.rows.map(
      (row) =>
        `| ${row.model} | ${n(row.streams)} | ${row.pointsPerRequest} | ${n(row.max.pointsPerSec)} | ${row.max.p50Ms} | ${row.max.p99Ms} | ${row.max.eventLoopMaxMs.toFixed(1)} | ${row.half.p99Ms} | ${JSON.stringify(row.max.statuses)} |`,
    ),
    '',
    `10x overload (160 connections x 10 pipelined, 100-point requests): statuses ${JSON.stringify(r.overload.statuses)}, socket errors ${r.overload.errors}, RSS ${n(r.overload.rssMb)} MB, event loop max ${r.overload.eventLoopMaxMs.toFixed(1)} ms.`,
    `Recovery right after: ${n(r.recovery.pointsPerSec)} points/s, p99 ${r.recovery.p99Ms} ms, statuses ${JSON.stringify(r.recovery.statuses)}.`,
    `Soak ${r.soak.seconds} s at half the maximum rate: p99 ${r.soak.figures.p99Ms} ms, statuses ${JSON.stringify(r.soak.figures.statuses)}, RSS every 5 s: ${r.soak.rssMb.join(', ')} MB.`,
    `Server exit code after SIGTERM: ${r.exitCode}.`,
    '',
  ].join('\n');
}

await main();
