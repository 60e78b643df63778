import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import type { ScoringService } from '../src/serving/service.js';
import { ScoringQueue } from '../src/serving/scoring-queue.js';
import type { StreamPool } from '../src/streaming/stream-pool.js';
import { COLUMNS, point, pointsBody, request, startService, tempDir, trainModelFile } from './serving-helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let modelPath: string;
let service: ScoringService;
let base: string;

beforeAll(async () => {
  dir = await tempDir();
  modelPath = await trainModelFile(dir.dir);
  service = await startService(modelPath);
  base = service.address;
});

afterAll(async () => {
  await service?.stop();
  await dir?.remove();
});

async function referencePool(): Promise<StreamPool> {
  return (await Detector.load(modelPath)).streams();
}

describe('serve over loopback HTTP', () => {
  it('binds 127.0.0.1 and answers the probes', async () => {
    expect(new URL(base).hostname).toBe('127.0.0.1');
    expect((await request(base, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(base, 'GET', '/readyz')).status).toBe(200);
  });

  it('lists the model', async () => {
    const { body } = await request(base, 'GET', '/v1/models');
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({
      name: 'm',
      columns: COLUMNS,
      window: 12,
      cell: 'gru',
      mode: 'forecast',
      threshold: { method: 'pot' },
    });
  });

  it('scores points exactly as a StreamPool fed the same points, and reports the stream', async () => {
    const reference = await referencePool();
    for (let from = 0; from < 40; from += 10) {
      const body = pointsBody('web-1/cpu', from, from + 10, 3);
      const got = await request(base, 'POST', '/v1/models/m/points', body);
      expect(got.status).toBe(200);
      const want = reference.push(
        body.points.map((p) => p.stream),
        body.points.map((p) => p.values),
        body.points.map((p) => p.time),
      );
      got.body.results.forEach(
        (r: { score: number; ready: boolean; anomaly: boolean; stream: string; time: string }, i: number) => {
          expect(r.stream).toBe('web-1/cpu');
          expect(r.time).toBe(body.points[i]!.time);
          expect(r.score).toBe(want.scores[i]);
          expect(r.ready).toBe(want.ready[i] === 1);
          expect(r.anomaly).toBe(want.flags[i] === 1);
        },
      );
    }
    const last = await request(base, 'POST', '/v1/models/m/points', {
      points: [{ stream: 'web-1/cpu', values: [9, -9] }],
    });
    expect(last.body.results[0]).toMatchObject({ ready: true, anomaly: true, time: null });
    const features = last.body.results[0].features as { name: string; contribution: number }[];
    expect(features.map((f) => f.name).sort()).toEqual([...COLUMNS].sort());
    expect(features[0]!.contribution).toBeGreaterThanOrEqual(features[1]!.contribution);
    expect(features.reduce((a, f) => a + f.contribution, 0)).toBeCloseTo(1, 5);
    const info = await request(base, 'GET', `/v1/models/m/streams/${encodeURIComponent('web-1/cpu')}`);
    expect(info.body).toMatchObject({
      stream: 'web-1/cpu',
      points: 41,
      lastTime: null,
      anomaly: true,
      openEvent: { points: 1 },
    });
  });

  it('null values are missing and marked imputed', async () => {
    const r = await request(base, 'POST', '/v1/models/m/points', {
      points: [
        { stream: 'gappy', values: [0.1, 1] },
        { stream: 'gappy', values: [null, 1] },
      ],
    });
    expect(r.body.results.map((x: { imputed: boolean }) => x.imputed)).toEqual([false, true]);
  });

  it('deletes a stream, then 404s it', async () => {
    await request(base, 'POST', '/v1/models/m/points', pointsBody('doomed', 0, 3));
    expect((await request(base, 'DELETE', '/v1/models/m/streams/doomed')).status).toBe(204);
    const gone = await request(base, 'GET', '/v1/models/m/streams/doomed');
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ERR_UNKNOWN_STREAM');
    expect((await request(base, 'DELETE', '/v1/models/m/streams/doomed')).status).toBe(404);
  });

  it('detect takes JSON rows or CSV and returns what Detector.detect returns', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => point(i, 5));
    rows[60] = [5, -5];
    const detector = await Detector.load(modelPath);
    const want = JSON.parse(
      JSON.stringify(await detector.detect(TimeSeries.fromArrays({ values: rows, columnNames: COLUMNS }))),
    );
    const json = await request(base, 'POST', '/v1/models/m/detect', { rows });
    expect(json.status).toBe(200);
    expect(json.body).toEqual(want);
    const csv = `${COLUMNS.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    const fromCsv = await request(base, 'POST', '/v1/models/m/detect', csv, { 'content-type': 'text/csv' });
    expect(fromCsv.status).toBe(200);
    expect(fromCsv.body.scores).toEqual(want.scores);
    expect(fromCsv.body.events.length).toBeGreaterThan(0);
  });

  it('merges requests waiting for the same turn into one native step', async () => {
    const queue = new ScoringQueue(await referencePool(), { maxQueuedPoints: 10_000, maxBatchPoints: 8192 });
    const requests = Array.from({ length: 40 }, (_, k) => {
      const body = pointsBody(`q-${k}`, 0, 14).points;
      return queue.push({
        keys: body.map((p) => p.stream),
        rows: body.map((p) => p.values),
        times: body.map((p) => p.time),
      });
    });
    const batches = await Promise.all(requests);
    expect(queue.steps).toBe(1);
    const alone = await referencePool();
    const body = pointsBody('q-7', 0, 14).points;
    const want = alone.push(
      body.map((p) => p.stream),
      body.map((p) => p.values),
    );
    expect(Array.from(batches[7]!.scores)).toEqual(Array.from(want.scores));
  });

  it('exposes Prometheus metrics', async () => {
    const { text, headers } = await request(base, 'GET', '/metrics');
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    for (const name of [
      'rnnad_http_requests_total{method="POST",route="/v1/models/:model/points",status="200"}',
      'rnnad_http_request_duration_seconds_bucket{route="/v1/models/:model/points",status="200",le="+Inf"}',
      'rnnad_points_scored_total{model="m"}',
      'rnnad_anomalies_total{model="m"}',
      'rnnad_streams{model="m"}',
      'rnnad_queue_points{model="m"}',
      'rnnad_event_loop_delay_seconds{quantile="0.99"}',
    ]) {
      expect(text).toContain(name);
    }
    const scored = Number(/rnnad_points_scored_total\{model="m"\} (\d+)/.exec(text)![1]);
    expect(scored).toBeGreaterThanOrEqual(41 + 2 + 3);
  });

  it('refuses with 429 and Retry-After when the queue is full, and recovers', async () => {
    const small = await startService(modelPath, { maxQueuedPoints: 50 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, k) =>
          request(small.address, 'POST', '/v1/models/m/points', pointsBody(`s${k}`, 0, 20)),
        ),
      );
      const statuses = new Set(replies.map((r) => r.status));
      expect([...statuses].sort()).toEqual([200, 429]);
      const refused = replies.find((r) => r.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.error.code).toBe('ERR_OVERLOADED');
      expect((await request(small.address, 'POST', '/v1/models/m/points', pointsBody('after', 0, 5))).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('needs the bearer token when one is set (probes excepted)', async () => {
    const secured = await startService(modelPath, { token: 's3cret-token' });
    try {
      const url = secured.address;
      expect((await request(url, 'GET', '/healthz')).status).toBe(200);
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer wrong' },
        { authorization: 's3cret-token' },
        { authorization: 'Bearer s3cret-token-longer' },
      ]) {
        const r = await request(url, 'GET', '/v1/models', undefined, headers);
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('ERR_UNAUTHORIZED');
      }
      expect(
        (await request(url, 'GET', '/v1/models', undefined, { authorization: 'Bearer s3cret-token' })).status,
      ).toBe(200);
    } finally {
      await secured.stop();
    }
  });

  it('refuses a model file that does not load, naming it', async () => {
    const bad = join(dir.dir, 'bad.rnnad');
    await writeFile(bad, 'not a model');
    await expect(startService(bad)).rejects.toThrow(/bad\.rnnad/);
  });
});
