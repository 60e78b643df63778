import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import type { ScoringService } from '../src/serving/service.js';
import {
  point,
  pointsBody,
  request,
  seededRandom,
  startService,
  tempDir,
  trainModelFile,
  type JsonResponse,
} from './serving-helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let modelPath: string;
let service: ScoringService;
let base: string;
const MAX_BODY = 400 * 1024;
const CONTROL = ['control-0', 'control-1', 'control-2'];
const CONTROL_POINTS = 20;

beforeAll(async () => {
  dir = await tempDir();
  modelPath = await trainModelFile(dir.dir);
  service = await startService(modelPath, { maxBodyBytes: MAX_BODY });
  base = service.address;
  for (const [k, key] of CONTROL.entries()) {
    expect((await request(base, 'POST', '/v1/models/m/points', pointsBody(key, 0, CONTROL_POINTS, k))).status).toBe(
      200,
    );
  }
});

afterAll(async () => {
  await service?.stop();
  await dir?.remove();
});

function post(body: string, contentType = 'application/json', path = '/v1/models/m/points'): Promise<JsonResponse> {
  return request(base, 'POST', path, body, { 'content-type': contentType });
}

function expectError(r: JsonResponse, status: number, codes: readonly string[], what: string): void {
  if (r.status !== status || !codes.includes(r.body?.error?.code)) {
    expect.fail(`${what}: expected ${status} with one of ${codes.join(', ')}, got ${r.status} ${r.text.slice(0, 300)}`);
  }
  expect(typeof r.body.error.message).toBe('string');
  expect(r.body.error.message.length).toBeGreaterThan(0);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
}

/** A valid point for each control stream around one bad point: a rejected request must apply none of them. */
function withControls(bad: unknown): string {
  const good = CONTROL.map((key, k) => ({ stream: key, values: point(CONTROL_POINTS, k) }));
  return JSON.stringify({ points: [good[0], good[1], bad, good[2]] });
}

describe('bad requests get the right 4xx JSON error', () => {
  it('malformed JSON', async () => {
    for (const body of [
      '{"points":[',
      'nope',
      '{"points":[{"stream":"a","values":[1,2]}]}x',
      '{"points":[1,]}',
      "{'points':[]}",
    ]) {
      expectError(await post(body), 400, ['ERR_MALFORMED_JSON'], body);
    }
    expectError(await post(''), 400, ['ERR_MALFORMED_JSON'], 'empty body');
  });

  it('wrong types, NaN as strings, non-finite numbers, wrong widths', async () => {
    const cases: [unknown, string[]][] = [
      [{ stream: 'x', values: ['NaN', 1] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: ['Infinity', 1] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: ['0.4', 1] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: [true, 1] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: [{}, 1] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: 0.4 }, ['ERR_INVALID_BODY']],
      [{ stream: 7, values: [1, 2] }, ['ERR_INVALID_BODY']],
      [{ stream: '', values: [1, 2] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x'.repeat(300), values: [1, 2] }, ['ERR_INVALID_BODY']],
      [{ values: [1, 2] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: [1, 2], extra: 1 }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', time: 5, values: [1, 2] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: [] }, ['ERR_INVALID_BODY']],
      [{ stream: 'x', values: [1] }, ['ERR_SHAPE_MISMATCH']],
      [{ stream: 'x', values: [1, 2, 3] }, ['ERR_SHAPE_MISMATCH']],
    ];
    for (const [bad, codes] of cases)
      expectError(await post(withControls(bad)), 400, codes, JSON.stringify(bad).slice(0, 80));
    // JSON has no NaN or Infinity; 1e999 parses to Infinity, which the schema's "number" refuses.
    const infinite = withControls({ stream: 'x', values: [1, 2] }).replace('[1,2]', '[1e999,2]');
    const r = await post(infinite);
    expectError(r, 400, ['ERR_INVALID_BODY'], '1e999');
    for (const body of [
      '{"points":[]}',
      '{"points":{}}',
      '{}',
      '[]',
      '1',
      '"points"',
      'null',
      '{"points":[],"more":1}',
    ]) {
      expectError(await post(body), 400, ['ERR_INVALID_BODY'], body);
    }
    const tooMany = JSON.stringify({ points: Array.from({ length: 10_001 }, () => ({ stream: 'x', values: [1, 2] })) });
    expectError(await post(tooMany), 400, ['ERR_INVALID_BODY'], '10,001 points');
  });

  it('huge bodies and deep nesting', async () => {
    const huge = JSON.stringify({
      points: Array.from({ length: 15_000 }, (_, i) => ({ stream: `huge-${i}`, values: [1, 2] })),
    });
    expect(huge.length).toBeGreaterThan(MAX_BODY);
    expectError(await post(huge), 413, ['ERR_BODY_TOO_LARGE'], 'huge body');
    const depth = 100_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expectError(await post(deep), 400, ['ERR_INVALID_BODY'], 'deep array');
    const deepValue = withControls({ stream: 'x', values: [1, 2] }).replace(
      '[1,2]',
      `[${'['.repeat(depth)}${']'.repeat(depth)},1]`,
    );
    expectError(await post(deepValue), 400, ['ERR_INVALID_BODY'], 'deep value');
    expectError(await post(`{"points":${'['.repeat(depth)}`), 400, ['ERR_MALFORMED_JSON'], 'deep and unterminated');
  });

  it('unknown routes, models and streams; wrong content types; detect bodies', async () => {
    expectError(await request(base, 'GET', '/nope'), 404, ['ERR_NOT_FOUND'], '/nope');
    expectError(await request(base, 'PUT', '/v1/models'), 404, ['ERR_NOT_FOUND'], 'PUT /v1/models');
    expectError(
      await post(withControls({ stream: 'x', values: [1, 2] }), 'application/json', '/v1/models/other/points'),
      404,
      ['ERR_UNKNOWN_MODEL'],
      'unknown model',
    );
    expectError(
      await request(base, 'GET', '/v1/models/m/streams/never'),
      404,
      ['ERR_UNKNOWN_STREAM'],
      'unknown stream',
    );
    expectError(await post('a,b\n1,2', 'text/plain'), 415, ['ERR_UNSUPPORTED_MEDIA_TYPE'], 'text/plain');
    expectError(
      await post('{"rows":[["a",1]]}', 'application/json', '/v1/models/m/detect'),
      400,
      ['ERR_INVALID_BODY'],
      'detect strings',
    );
    expectError(
      await post('{"rows":[[1,2]]}', 'application/json', '/v1/models/m/detect'),
      400,
      ['ERR_INVALID_DATA'],
      'detect too short',
    );
    expectError(
      await post('cpu,other\n1,2\n', 'text/csv', '/v1/models/m/detect'),
      400,
      ['ERR_INVALID_ARGUMENT', 'ERR_INVALID_DATA', 'ERR_COLUMNS_MISMATCH', 'ERR_CSV_PARSE'],
      'detect csv columns',
    );
  });

  it('1,000 seeded random bad bodies each get a 4xx JSON error and change nothing', async () => {
    const random = seededRandom(20261204);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const garbage = (n: number): string =>
      Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
    const junkValue = (): unknown =>
      pick([
        () => garbage(1 + Math.floor(random() * 8)),
        () => ({ [garbage(3)]: random() }),
        () => [random()],
        () => true,
        () => 'NaN',
        () => '-Infinity',
      ])();
    const before = await Promise.all(CONTROL.map((key) => request(base, 'GET', `/v1/models/m/streams/${key}`)));
    const streamsBefore = (await request(base, 'GET', '/v1/models')).body[0].streams;
    const kinds: { name: string; make: () => string; status: number; codes: string[] }[] = [
      {
        name: 'truncated',
        status: 400,
        codes: ['ERR_MALFORMED_JSON'],
        make: () => {
          const t = withControls({ stream: 'f', values: [1, 2] });
          return t.slice(0, 1 + Math.floor(random() * (t.length - 1)));
        },
      },
      {
        name: 'trailing garbage',
        status: 400,
        codes: ['ERR_MALFORMED_JSON'],
        make: () => withControls({ stream: 'f', values: [1, 2] }) + garbage(1 + Math.floor(random() * 20)),
      },
      {
        name: 'junk value',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () => {
          const v: unknown[] = [random(), random()];
          v[Math.floor(random() * 2)] = junkValue();
          return withControls({ stream: 'f', values: v });
        },
      },
      {
        name: 'wrong width',
        status: 400,
        codes: ['ERR_SHAPE_MISMATCH'],
        make: () =>
          withControls({ stream: 'f', values: Array.from({ length: pick([1, 3, 4, 7, 50]) }, () => random()) }),
      },
      {
        name: 'non-finite',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () =>
          withControls({ stream: 'f', values: [1, 2] }).replace(
            '[1,2]',
            pick(['[1e999,2]', '[1,-1e400]', '[-2e308,null]']),
          ),
      },
      {
        name: 'bad stream key',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () =>
          withControls({
            stream: pick([random(), '', 'k'.repeat(257 + Math.floor(random() * 100)), null, [garbage(2)]]),
            values: [1, 2],
          }),
      },
      {
        name: 'bad time',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () =>
          withControls({ stream: 'f', time: pick([random(), '', 't'.repeat(65), {}, false]), values: [1, 2] }),
      },
      {
        name: 'unknown property',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () => withControls({ stream: 'f', values: [1, 2], [`x${garbage(4)}`]: junkValue() }),
      },
      {
        name: 'random JSON',
        status: 400,
        codes: ['ERR_INVALID_BODY'],
        make: () =>
          JSON.stringify(
            pick([
              () => random(),
              () => garbage(5),
              () => [junkValue()],
              () => ({ points: junkValue() }),
              () => ({ [garbage(5)]: [] }),
            ])(),
          ),
      },
      {
        name: 'random bytes',
        status: 400,
        codes: ['ERR_MALFORMED_JSON', 'ERR_INVALID_BODY'],
        make: () => garbage(1 + Math.floor(random() * 200)),
      },
      {
        name: 'deep nesting',
        status: 400,
        codes: ['ERR_INVALID_BODY', 'ERR_MALFORMED_JSON'],
        make: () => {
          const d = 100 + Math.floor(random() * 20000);
          return withControls({ stream: 'f', values: [1, 2] }).replace('[1,2]', `${'['.repeat(d)}1${']'.repeat(d)}`);
        },
      },
      {
        name: 'over the limit',
        status: 413,
        codes: ['ERR_BODY_TOO_LARGE'],
        make: () => withControls({ stream: 'f', values: [1, 2] }) + ' '.repeat(MAX_BODY),
      },
    ];
    const seen = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const kind = pick(kinds);
      const body = kind.make();
      const r = await post(body);
      expectError(r, kind.status, kind.codes, `body ${i} (${kind.name}): ${body.slice(0, 120)}`);
      seen.set(kind.name, (seen.get(kind.name) ?? 0) + 1);
    }
    expect(seen.size).toBe(kinds.length);
    // Nothing was applied: the control streams, the stream count, and the next score are as before.
    const after = await Promise.all(CONTROL.map((key) => request(base, 'GET', `/v1/models/m/streams/${key}`)));
    expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
    expect((await request(base, 'GET', '/v1/models')).body[0].streams).toBe(streamsBefore);
    const reference = (await Detector.load(modelPath)).streams();
    for (const [k, key] of CONTROL.entries()) {
      const body = pointsBody(key, 0, CONTROL_POINTS, k).points;
      reference.push(
        body.map((p) => p.stream),
        body.map((p) => p.values),
        body.map((p) => p.time),
      );
    }
    const next = CONTROL.map((key, k) => ({ stream: key, values: point(CONTROL_POINTS, k) }));
    const got = await request(base, 'POST', '/v1/models/m/points', { points: next });
    const want = reference.push(
      next.map((p) => p.stream),
      next.map((p) => p.values),
    );
    expect(got.body.results.map((r: { score: number }) => r.score)).toEqual(Array.from(want.scores));
  }, 120_000);
});
