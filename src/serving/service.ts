/**
 * The scoring service: a fastify app over the served models, the checkpoint loop and the
 * lifecycle (listen, load, restore, ready; on stop: refuse new requests, drain, final
 * checkpoint). See docs/serving.md.
 */
import { InvalidArgumentError } from '../core/errors.js';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { BearerAuth } from './auth.js';
import { HttpError, sendError } from './http-errors.js';
import { ServiceMetrics } from './metrics.js';
import { registerRoutes } from './routes.js';
import { ServedModel, type ModelSource } from './served-model.js';
import { StateStore, type ModelChanges } from './state-store.js';

export interface ServiceOptions {
  models: readonly ModelSource[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** SQLite file for stream states; none = states live in memory only. */
  statePath?: string;
  /** Checkpoint interval. Default 1000. */
  checkpointMs?: number;
  /** Bearer token required on every route but /healthz and /readyz. */
  token?: string;
  /** Streams per model at most (least recently pushed evicted). Default 1,000,000. */
  maxStreams?: number;
  /** Request body limit. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Streams without a point for this long are evicted; 0 = never (default). */
  idleTtlMs?: number;
  /** Points waiting per model at most before 429. Default 50,000. */
  maxQueuedPoints?: number;
  /** Points per native step at most. Default 8192. */
  maxBatchPoints?: number;
  /** Requests being read, queued or scored at most (health and metrics not counted); more get 429 at once. Default 256. */
  maxInFlightRequests?: number;
  /** Passed to fastify (pino): false, true, or pino options. Default { level: 'info' }. */
  logger?: FastifyServerOptions['logger'];
}

/** Longest wait for in-flight requests when stopping. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Stream records encoded per turn of the event loop during a checkpoint. */
const RECORDS_PER_SLICE = 2000;

export class ScoringService {
  readonly app: FastifyInstance;
  private readonly models = new Map<string, ServedModel>();
  private readonly metrics = new ServiceMetrics();
  private store: StateStore | null = null;
  private ready = false;
  private closing = false;
  private timer: NodeJS.Timeout | null = null;
  private checkpointRunning: Promise<void> | null = null;
  private lastCheckpointMs = 0;
  private checkpointCount = 0;
  private inFlight = 0;
  private url = '';

  private constructor(
    private readonly options: Required<Omit<ServiceOptions, 'statePath' | 'token' | 'logger'>> &
      Pick<ServiceOptions, 'statePath' | 'token' | 'logger'>,
  ) {
    const auth = options.token === undefined ? null : new BearerAuth(options.token);
    this.app = Fastify({
      logger: options.logger ?? { level: 'info' },
      bodyLimit: options.maxBodyBytes,
      // A log line per request costs more than scoring its points; errors are still logged.
      logController: new LogController({ disableRequestLogging: true }),
      return503OnClosing: false,
      forceCloseConnections: 'idle',
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
    });
    const app = this.app;
    // Bodies are JSON, or CSV for detect; anything else is a 415, not a string to validate.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.decorateRequest('startedAt', 0);
    app.addHook('onRequest', async (request, reply) => {
      (request as unknown as { startedAt: number }).startedAt = performance.now();
      if (this.closing) {
        void reply.header('connection', 'close');
        throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'the service is stopping', 1);
      }
      const path = request.url;
      if (auth && path !== '/healthz' && path !== '/readyz') auth.check(request.headers.authorization);
      if (!path.startsWith('/v1/')) return;
      if (!this.ready) throw new HttpError(503, 'ERR_NOT_READY', 'models are loading or state is being restored', 1);
      // Refused here, in onRequest, the body is never parsed: under overload that parsing is
      // what would saturate the event loop.
      this.refuseWhenOverloaded(request);
      this.inFlight++;
      reply.raw.once('close', () => this.inFlight--);
    });
    app.addHook('onResponse', async (request, reply) => {
      const seconds = (performance.now() - (request as unknown as { startedAt: number }).startedAt) / 1000;
      this.metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, seconds);
    });
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
    app.setNotFoundHandler((request, reply) =>
      sendError(
        request,
        reply,
        new HttpError(404, 'ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      ),
    );
    registerRoutes(app, {
      models: this.models,
      isReady: () => this.ready && !this.closing,
      metricsText: () => this.metrics.text(),
    });
    this.metrics.addGauges(() => ({
      rnnad_streams: ['Streams held by model.', [...this.models.values()].map((m) => [{ model: m.name }, m.pool.size])],
      rnnad_queue_points: [
        'Points waiting for a scoring step, by model.',
        [...this.models.values()].map((m) => [{ model: m.name }, m.queue.depth]),
      ],
      rnnad_requests_in_flight: ['Requests being read, queued or scored (under /v1/).', [[{}, this.inFlight]]],
      rnnad_scoring_steps_total: [
        'Native scoring steps by model (each merges the points of every request waiting).',
        [...this.models.values()].map((m) => [{ model: m.name }, m.queue.steps]),
        'counter',
      ],
      rnnad_checkpoint_age_seconds: [
        'Seconds since the last committed checkpoint (+Inf before the first; absent without --state).',
        this.store ? [[{}, this.lastCheckpointMs === 0 ? Infinity : (Date.now() - this.lastCheckpointMs) / 1000]] : [],
      ],
      rnnad_checkpoints_total: [
        'Checkpoints committed since start.',
        this.store ? [[{}, this.checkpointCount]] : [],
        'counter',
      ],
    }));
  }

  /** Listens first (so /healthz answers), then loads the models and restores their streams. */
  static async start(options: ServiceOptions): Promise<ScoringService> {
    if (options.models.length === 0) throw new InvalidArgumentError('options.models must name at least one model file');
    const service = new ScoringService({
      host: '127.0.0.1',
      port: 8080,
      checkpointMs: 1000,
      maxStreams: 1_000_000,
      maxBodyBytes: 1 << 20,
      idleTtlMs: 0,
      maxQueuedPoints: 50_000,
      maxBatchPoints: 8192,
      maxInFlightRequests: 256,
      ...options,
    });
    try {
      service.url = await service.app.listen({ host: service.options.host, port: service.options.port });
      await service.load();
    } catch (error) {
      await service.app.close().catch(() => undefined);
      service.store?.close();
      service.metrics.close();
      throw error;
    }
    return service;
  }

  private refuseWhenOverloaded(request: FastifyRequest): void {
    if (this.inFlight >= this.options.maxInFlightRequests) {
      throw new HttpError(
        429,
        'ERR_OVERLOADED',
        `${this.inFlight} requests are in flight (--max-in-flight-requests ${this.options.maxInFlightRequests}); retry shortly`,
        1,
      );
    }
    if (request.routeOptions.url !== '/v1/models/:model/points') return;
    const model = this.models.get((request.params as { model?: string }).model ?? '');
    if (model?.queue.full) {
      throw new HttpError(
        429,
        'ERR_OVERLOADED',
        `the scoring queue of model "${model.name}" is full (${model.queue.depth} points waiting); retry shortly`,
        1,
      );
    }
  }

  /** Base URL, e.g. http://127.0.0.1:8080. */
  get address(): string {
    return this.url;
  }

  private async load(): Promise<void> {
    const names = new Set<string>();
    for (const source of this.options.models) {
      if (names.has(source.name))
        throw new InvalidArgumentError(`two models are named "${source.name}"; name them with --model name=path`);
      names.add(source.name);
    }
    if (this.options.statePath !== undefined) this.store = await StateStore.open(this.options.statePath);
    for (const source of this.options.models) {
      const model = await ServedModel.load(
        source,
        { maxStreams: this.options.maxStreams, idleTtlMs: this.options.idleTtlMs },
        {
          maxQueuedPoints: this.options.maxQueuedPoints,
          maxBatchPoints: this.options.maxBatchPoints,
          onScored: (points, anomalies) => this.metrics.countPoints(source.name, points, anomalies),
        },
      );
      if (this.store) {
        this.store.claim(model.name, model.pool.fingerprint, model.pool.legacyFingerprint);
        for (const records of this.store.records(model.name)) {
          model.pool.load(records);
          await new Promise((resolve) => setImmediate(resolve));
        }
        // Restored streams are on disk already.
        model.pool.takeChanges();
      }
      this.models.set(model.name, model);
      this.app.log.info({ model: model.name, path: source.path, streams: model.pool.size }, 'model loaded');
    }
    if (this.store) {
      const last = this.store.lastCheckpoint();
      this.lastCheckpointMs = last.atMs;
    }
    this.ready = true;
    this.schedule();
  }

  private schedule(): void {
    const interval = this.store ? this.options.checkpointMs : Math.max(1000, this.options.checkpointMs);
    this.timer = setTimeout(() => {
      this.checkpointRunning = this.tick().finally(() => {
        this.checkpointRunning = null;
        if (!this.closing) this.schedule();
      });
    }, interval);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (this.options.idleTtlMs > 0) for (const m of this.models.values()) await m.queue.run(() => m.pool.evictIdle());
      if (this.store) await this.checkpoint();
    } catch (error) {
      this.app.log.error({ err: error }, 'checkpoint failed; its changes will be written by the next one');
    }
  }

  /**
   * Writes every stream changed since the previous checkpoint, in one transaction. Records are
   * encoded in slices between scoring steps, so a checkpoint of many streams never holds the
   * event loop for long; a stream pushed meanwhile is written in its newer state (and again
   * next time).
   */
  private async checkpoint(): Promise<void> {
    const store = this.store!;
    const taken: { model: ServedModel; changed: string[]; deletes: string[] }[] = [];
    const changes: ModelChanges[] = [];
    for (const m of this.models.values()) {
      const keys = await m.queue.run(() => m.pool.takeChangedKeys());
      taken.push({ model: m, ...keys });
      const upserts: ModelChanges['upserts'] = [];
      const deletes = [...keys.deletes];
      for (let at = 0; at < keys.changed.length; at += RECORDS_PER_SLICE) {
        const slice = keys.changed.slice(at, at + RECORDS_PER_SLICE);
        await m.queue.run(() => {
          for (const key of slice) {
            const record = m.pool.record(key);
            if (record) upserts.push({ key, record });
            else deletes.push(key);
          }
        });
      }
      changes.push({ model: m.name, upserts, deletes });
    }
    const at = Date.now();
    try {
      await store.checkpoint(changes, at);
    } catch (error) {
      for (const t of taken) await t.model.queue.run(() => t.model.pool.restoreChanges(t));
      throw error;
    }
    this.lastCheckpointMs = at;
    this.checkpointCount++;
  }

  /**
   * Stops accepting requests, lets in-flight ones finish, writes the final checkpoint and
   * closes the database.
   */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    // Keep-alive connections that never go idle (a client that keeps pipelining, or sockets
    // left half-open by an overload) would hold close() forever: after the drain timeout they
    // are closed, so the final checkpoint is always written.
    const closing = this.app.close();
    const drainTimer = setTimeout(() => {
      this.app.log.warn(`connections still open ${DRAIN_TIMEOUT_MS} ms after SIGTERM: closing them`);
      this.app.server.closeAllConnections();
    }, DRAIN_TIMEOUT_MS);
    await closing;
    clearTimeout(drainTimer);
    for (const m of this.models.values()) await m.queue.idle();
    if (this.checkpointRunning) await this.checkpointRunning;
    if (this.store) {
      await this.checkpoint();
      this.store.close();
      this.store = null;
    }
    this.metrics.close();
    this.app.log.info('stopped');
  }
}
