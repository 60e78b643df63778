/** A model file loaded for serving: a Detector for whole-series detection and a StreamPool for points. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { Detector } from '../detector/detector.js';
import type { StreamPool } from '../streaming/stream-pool.js';
import { HttpError } from './http-errors.js';
import { ScoringQueue, type ScoringQueueOptions } from './scoring-queue.js';

export interface ModelSource {
  name: string;
  path: string;
}

/** `path` or `name=path`; the name defaults to the file name without its extension. */
export function parseModelSource(text: string): ModelSource {
  const eq = text.indexOf('=');
  if (eq > 0) return { name: text.slice(0, eq), path: text.slice(eq + 1) };
  return { name: basename(text, extname(text)), path: text };
}

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Detections waiting per model at most; more gets 429 (each one scores a whole series). */
const MAX_WAITING_DETECTIONS = 4;

export class ServedModel {
  readonly queue: ScoringQueue;
  private detections: Promise<unknown> = Promise.resolve();
  private waitingDetections = 0;

  private constructor(
    readonly name: string,
    readonly path: string,
    readonly detector: Detector,
    readonly pool: StreamPool,
    queueOptions: ScoringQueueOptions,
  ) {
    this.queue = new ScoringQueue(pool, queueOptions);
  }

  static async load(
    source: ModelSource,
    pool: { maxStreams: number; idleTtlMs: number },
    queue: ScoringQueueOptions,
  ): Promise<ServedModel> {
    if (!MODEL_NAME.test(source.name)) {
      throw new InvalidArgumentError(
        `model name "${source.name}" must be 1 to 128 letters, digits, '.', '_' or '-' (give one with --model name=${source.path})`,
      );
    }
    const bytes = await readFile(source.path);
    // Two copies of the network: detection and the pool then never wait for each other's native calls.
    const detector = Detector.fromBuffer(bytes, source.path);
    const streams = Detector.fromBuffer(bytes, source.path).streams({
      maxStreams: pool.maxStreams,
      idleTtlMs: pool.idleTtlMs,
    });
    return new ServedModel(source.name, source.path, detector, streams, queue);
  }

  /** Runs whole-series detections one at a time; a full line is refused with 429. */
  detect<T>(run: (detector: Detector) => Promise<T>): Promise<T> {
    if (this.waitingDetections >= MAX_WAITING_DETECTIONS) {
      return Promise.reject(
        new HttpError(
          429,
          'ERR_OVERLOADED',
          `${this.waitingDetections} detections are waiting for model "${this.name}"; retry shortly`,
          1,
        ),
      );
    }
    this.waitingDetections++;
    const result = this.detections.then(() => run(this.detector));
    this.detections = result.catch(() => undefined).finally(() => this.waitingDetections--);
    return result;
  }

  describe(): Record<string, unknown> {
    const { config } = this.detector;
    return {
      name: this.name,
      columns: [...this.detector.columnNames],
      features: [...this.pool.featureNames],
      window: config.window,
      mode: config.mode,
      cell: config.cell,
      hidden: config.hidden,
      layers: config.layers,
      score: config.score,
      threshold: { ...config.threshold, value: this.detector.summary.threshold },
      streams: this.pool.size,
      bytesPerStream: this.pool.bytesPerStream,
    };
  }
}
