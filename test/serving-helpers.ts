/** A small trained model file, the service started on a free loopback port, and JSON requests to it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Xoshiro128 } from '../src/core/prng.js';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import { ScoringService, type ServiceOptions } from '../src/serving/service.js';

export const COLUMNS = ['cpu', 'latency'];

/** Two columns: a sine and a slower cosine; point i of a stream with phase p. */
export function point(i: number, phase = 0): [number, number] {
  return [Math.sin((i + phase) / 4), 2 * Math.cos((i + phase) / 7)];
}

export async function trainModelFile(dir: string, options: { window?: number; seed?: number } = {}): Promise<string> {
  const rows = Array.from({ length: 1200 }, (_, i) => point(i));
  const detector = new Detector({
    hidden: 12,
    window: options.window ?? 12,
    epochs: 2,
    windowsPerEpoch: 256,
    seed: options.seed ?? 1,
  });
  await detector.fit(TimeSeries.fromArrays({ values: rows, columnNames: COLUMNS }));
  const path = join(dir, 'model.rnnad');
  await detector.save(path);
  return path;
}

/**
 * A temporary folder with a model file from trainModelFile, made before the tests of the calling
 * file and removed after them; read its fields inside the tests.
 */
export function modelFileForTests(): { dir: string; modelPath: string } {
  const shared = { dir: '', modelPath: '' };
  let remove: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const temp = await tempDir();
    remove = temp.remove;
    shared.dir = temp.dir;
    shared.modelPath = await trainModelFile(temp.dir);
  });
  afterAll(async () => {
    await remove?.();
  });
  return shared;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rnnad-serving-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function startService(modelPath: string, options: Partial<ServiceOptions> = {}): Promise<ScoringService> {
  return ScoringService.start({ models: [{ name: 'm', path: modelPath }], port: 0, logger: false, ...options });
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseOrUndefined(text), text };
}

function parseOrUndefined(text: string): unknown {
  try {
    return text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Points for the points route: stream `key`, points [from, to) with the stream's phase. */
export function pointsBody(
  key: string,
  from: number,
  to: number,
  phase = 0,
): { points: { stream: string; values: number[]; time: string }[] } {
  const points = [];
  for (let i = from; i < to; i++)
    points.push({
      stream: key,
      values: point(i, phase),
      time: new Date(Date.UTC(2026, 11, 3) + i * 60_000).toISOString(),
    });
  return { points };
}

/** Seeded uniform [0, 1), from the library's generator. */
export function seededRandom(seed: number): () => number {
  const rng = new Xoshiro128(seed);
  return () => rng.nextFloat();
}
