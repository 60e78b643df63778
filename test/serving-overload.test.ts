/**
 * Overload is refused before the body is read, over real HTTP on loopback: past
 * maxInFlightRequests, and when the model's scoring queue is full, a request gets 429 with
 * Retry-After while its body has not even been sent.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServedModel } from '../src/serving/served-model.js';
import type { PoolBatch } from '../src/streaming/stream-pool.js';
import { point, request, startService, modelFileForTests } from './serving-helpers.js';

const files = modelFileForTests();

function pointsBody(streams: number, t: number): string {
  return JSON.stringify({
    points: Array.from({ length: streams }, (_, s) => ({ stream: `s${s}`, values: point(t, s) })),
  });
}

interface RawRequest {
  /** Resolves with the status line and headers of the response, once they arrive. */
  head: Promise<{ status: number; headers: Record<string, string>; body: string }>;
  /** Sends the body (after the headers went alone). */
  finish(body: string): void;
  close(): void;
}

/**
 * A POST whose headers are sent at once and whose body only when `finish` is called, over its
 * own connection: a request the server holds in flight while it waits for the body.
 */
function headersOnly(base: string, path: string, contentLength: number): RawRequest {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`,
  );
  let received = '';
  const head = new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (received.length - end - 4 < length) return;
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: received.slice(end + 4, end + 4 + length) });
    });
    socket.on('error', reject);
  });
  return { head, finish: (body) => socket.write(body), close: () => socket.destroy() };
}

async function gauge(base: string, name: string): Promise<number> {
  const text = (await request(base, 'GET', '/metrics')).text;
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The probe's answer, which must come without its body: a server waiting for the body never answers. */
function answerWithoutBody<T>(head: Promise<T>): Promise<T> {
  return Promise.race([
    head,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 10 s: the server waited for the body')), 10_000),
    ),
  ]);
}

function expectEarly429(
  response: { status: number; headers: Record<string, string>; body: string },
  text: RegExp,
): void {
  expect(response.status).toBe(429);
  expect(response.headers['retry-after']).toBe('1');
  const body = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('ERR_OVERLOADED');
  expect(body.error.message).toMatch(text);
}

describe('429 before the body is read', () => {
  it('past maxInFlightRequests; health and metrics still answer, and the held requests complete', async () => {
    const service = await startService(files.modelPath, { maxInFlightRequests: 3 });
    const base = service.address;
    const held: RawRequest[] = [];
    try {
      const bodies = [0, 1, 2].map((t) => pointsBody(2, t));
      for (const body of bodies) held.push(headersOnly(base, '/v1/models/m/points', Buffer.byteLength(body)));
      await until(async () => (await gauge(base, 'rnnad_requests_in_flight')) === 3, 'three requests in flight');

      // Its body is never sent: the answer cannot have waited for it.
      const probe = headersOnly(base, '/v1/models/m/points', 5000);
      expectEarly429(await answerWithoutBody(probe.head), /3 requests are in flight \(--max-in-flight-requests 3\)/);
      probe.close();
      expect((await request(base, 'GET', '/healthz')).status).toBe(200);
      expect((await request(base, 'GET', '/readyz')).status).toBe(200);
      expect((await request(base, 'GET', '/v1/models')).status).toBe(429);

      held.forEach((h, i) => h.finish(bodies[i]!));
      for (const h of held) {
        const response = await h.head;
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body).results).toHaveLength(2);
      }
      await until(async () => (await gauge(base, 'rnnad_requests_in_flight')) === 0, 'no request in flight');
      expect((await request(base, 'POST', '/v1/models/m/points', pointsBody(2, 3))).status).toBe(200);
    } finally {
      for (const h of held) h.close();
      await service.stop();
    }
  });

  it('when the scoring queue is full; once it drains, requests are scored again', async () => {
    const service = await startService(files.modelPath, { maxQueuedPoints: 100 });
    const base = service.address;
    // Holds the native step at a gate, so the queue fills behind it deterministically.
    const served = (service as unknown as { models: Map<string, ServedModel> }).models.get('m')!;
    const pushAsync = served.pool.pushAsync.bind(served.pool);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    served.pool.pushAsync = async (...args: Parameters<typeof pushAsync>): Promise<PoolBatch> => {
      await gate;
      return pushAsync(...args);
    };
    try {
      const first = request(base, 'POST', '/v1/models/m/points', pointsBody(1, 0));
      await until(() => served.queue.steps === 1, 'the first step to start');
      const second = request(base, 'POST', '/v1/models/m/points', pointsBody(100, 0));
      await until(() => served.queue.depth === 100, 'the queue to hold 100 points');

      const probe = headersOnly(base, '/v1/models/m/points', 5000);
      expectEarly429(
        await answerWithoutBody(probe.head),
        /the scoring queue of model "m" is full \(100 points waiting\)/,
      );
      probe.close();
      // Other routes are not refused for a full queue.
      expect((await request(base, 'GET', '/v1/models')).status).toBe(200);

      open();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      await until(() => served.queue.depth === 0, 'the queue to drain');
      const after = await request(base, 'POST', '/v1/models/m/points', pointsBody(100, 1));
      expect(after.status).toBe(200);
      expect(after.body.results).toHaveLength(100);
    } finally {
      open();
      await service.stop();
    }
  });
});
