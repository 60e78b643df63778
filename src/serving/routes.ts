/** The HTTP routes. Bodies are validated by their JSON schemas before a handler runs. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCsv } from '../data/read-csv.js';
import { TimeSeries } from '../data/time-series.js';
import type { PoolBatch } from '../streaming/stream-pool.js';
import { errorBodySchema, HttpError } from './http-errors.js';
import {
  detectJsonBody,
  modelParams,
  pointsBody,
  pointsResponse,
  streamParams,
  type DetectJsonBody,
  type PointsBody,
} from './schemas.js';
import type { ServedModel } from './served-model.js';

export interface RouteContext {
  models: Map<string, ServedModel>;
  isReady(): boolean;
  metricsText(): string;
}

/** Features named per result at most (the largest contributions). */
const TOP_FEATURES = 5;

function modelOf(context: RouteContext, name: string): ServedModel {
  const model = context.models.get(name);
  if (!model) {
    throw new HttpError(
      404,
      'ERR_UNKNOWN_MODEL',
      `no model named "${name}"; this service has ${[...context.models.keys()].map((n) => `"${n}"`).join(', ')}`,
    );
  }
  return model;
}

export function registerRoutes(app: FastifyInstance, context: RouteContext): void {
  const errors = { 400: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema, 503: errorBodySchema };

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (!context.isReady())
      throw new HttpError(
        503,
        'ERR_NOT_READY',
        'models are loading or state is being restored, or the service is stopping',
        1,
      );
    return reply.send({ status: 'ready' });
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(context.metricsText()),
  );

  app.get('/v1/models', async () => [...context.models.values()].map((m) => m.describe()));

  app.post<{ Params: { model: string }; Body: PointsBody }>(
    '/v1/models/:model/points',
    { schema: { params: modelParams, body: pointsBody, response: { 200: pointsResponse, ...errors } } },
    async (request) => {
      const model = modelOf(context, request.params.model);
      const points = request.body.points;
      const keys = points.map((p) => p.stream);
      const rows = points.map((p) => p.values);
      const times = points.map((p) => p.time ?? null);
      const batch = await model.queue.push({ keys, rows, times });
      return { results: results(batch, keys, times, model.pool.featureNames) };
    },
  );

  app.get<{ Params: { model: string; id: string } }>(
    '/v1/models/:model/streams/:id',
    { schema: { params: streamParams } },
    async (request) => {
      const model = modelOf(context, request.params.model);
      const info = model.pool.get(request.params.id);
      if (!info)
        throw new HttpError(404, 'ERR_UNKNOWN_STREAM', `model "${model.name}" has no stream "${request.params.id}"`);
      return {
        stream: info.key,
        points: info.points,
        lastTime: info.lastTime,
        lastScore: info.lastScore,
        anomaly: info.anomaly,
        openEvent: info.openEvent,
      };
    },
  );

  app.delete<{ Params: { model: string; id: string } }>(
    '/v1/models/:model/streams/:id',
    { schema: { params: streamParams } },
    async (request, reply) => {
      const model = modelOf(context, request.params.model);
      const existed = await model.queue.run(() => model.pool.delete(request.params.id));
      if (!existed)
        throw new HttpError(404, 'ERR_UNKNOWN_STREAM', `model "${model.name}" has no stream "${request.params.id}"`);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { model: string }; Body: DetectJsonBody | string }>(
    '/v1/models/:model/detect',
    {
      schema: {
        params: modelParams,
        body: {
          content: {
            'application/json': { schema: detectJsonBody },
            'text/csv': { schema: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    async (
      request: FastifyRequest<{ Params: { model: string }; Body: DetectJsonBody | string }>,
      reply: FastifyReply,
    ) => {
      const model = modelOf(context, request.params.model);
      const columnNames = model.detector.columnNames;
      const body = request.body;
      const series =
        typeof body === 'string'
          ? parseCsv(body, { columns: [...columnNames] })
          : TimeSeries.fromArrays({
              values: body.rows,
              columnNames,
              ...(body.timestamps ? { timestamps: body.timestamps } : {}),
            });
      const result = await model.detect((detector) => detector.detect(series));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(result));
    },
  );
}

function results(
  batch: PoolBatch,
  keys: readonly string[],
  times: readonly (string | null)[],
  featureNames: readonly string[],
): unknown[] {
  const f = featureNames.length;
  const out = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const ready = batch.ready[i] === 1;
    const threshold = batch.thresholds[i]!;
    out[i] = {
      stream: keys[i],
      time: times[i],
      score: batch.scores[i],
      threshold: Number.isFinite(threshold) ? threshold : null,
      anomaly: batch.flags[i] === 1,
      ready,
      imputed: batch.imputed[i] === 1,
      features: ready ? topFeatures(batch.contributions, i * f, featureNames) : [],
    };
  }
  return out;
}

/**
 * Each feature's share of the point's error, largest first. A negative part (a Gaussian head's
 * NLL, or a loglik share, can be below 0) counts as 0, as in detect's events: a feature that
 * lowered the score did not cause it.
 */
function topFeatures(
  contributions: Float32Array,
  at: number,
  names: readonly string[],
): { name: string; contribution: number }[] {
  let total = 0;
  for (let j = 0; j < names.length; j++) total += Math.max(0, contributions[at + j]!);
  if (!(total > 0)) return [];
  const ranked = names.map((name, j) => ({ name, contribution: Math.max(0, contributions[at + j]!) / total }));
  ranked.sort((a, b) => b.contribution - a.contribution);
  return ranked.slice(0, TOP_FEATURES);
}
