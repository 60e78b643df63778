/**
 * One queue per model: every pool operation goes through it, so the pool sees one call at a
 * time. Points of requests that arrive while a step runs wait here and are merged into the next
 * step (micro-batching): under load one native step serves many requests. The queue is bounded
 * in points; past the bound a request is refused with 429 at once instead of waiting, and `full`
 * lets the service refuse one before its body is even parsed.
 */
import type { PoolBatch, StreamPool } from '../streaming/stream-pool.js';
import { HttpError } from './http-errors.js';

export interface QueuedPoints {
  keys: string[];
  rows: (number | null)[][];
  times: (string | null)[];
}

interface PointsItem extends QueuedPoints {
  kind: 'points';
  resolve: (batch: PoolBatch) => void;
  reject: (error: unknown) => void;
}

interface TaskItem {
  kind: 'task';
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface ScoringQueueOptions {
  /** Points waiting at most; more gets 429. */
  maxQueuedPoints: number;
  /** Points merged into one native step at most (bounds the JavaScript work per turn of the event loop). */
  maxBatchPoints: number;
  /** Called after each step with its points and flags. */
  onScored?: (points: number, anomalies: number) => void;
}

export class ScoringQueue {
  private readonly items: (PointsItem | TaskItem)[] = [];
  private queuedPoints = 0;
  // Running mean of the points per request (1/16 per request): what the next one likely brings.
  private typicalRequestPoints = 1;
  private stepCount = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly pool: StreamPool,
    private readonly options: ScoringQueueOptions,
  ) {}

  /** Points waiting for a step. */
  get depth(): number {
    return this.queuedPoints;
  }

  /**
   * Whether a request of the usual size would be refused now: the service answers 429 before
   * reading the body, since parsing bodies only to refuse them is what saturates an overloaded
   * event loop.
   */
  get full(): boolean {
    return this.queuedPoints > 0 && this.queuedPoints + this.typicalRequestPoints > this.options.maxQueuedPoints;
  }

  /**
   * Scores one request's points in order. Checked against the pool first, so a bad request is
   * rejected alone (400) and never fails the step it would have joined.
   */
  push(points: QueuedPoints): Promise<PoolBatch> {
    const n = points.keys.length;
    this.typicalRequestPoints += (n - this.typicalRequestPoints) / 16;
    if (this.queuedPoints > 0 && this.queuedPoints + n > this.options.maxQueuedPoints) {
      return Promise.reject(
        new HttpError(
          429,
          'ERR_OVERLOADED',
          `the scoring queue is full (${this.queuedPoints} points waiting); retry shortly`,
          1,
        ),
      );
    }
    try {
      this.pool.check(points.keys, points.rows, points.times);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<PoolBatch>((resolve, reject) => {
      this.items.push({ kind: 'points', ...points, resolve, reject });
      this.queuedPoints += n;
      this.kick();
    });
  }

  /** Runs `fn` on the pool between steps (delete, export of changes...). */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.items.push({ kind: 'task', run: fn, resolve: resolve as (value: unknown) => void, reject });
      this.kick();
    });
  }

  /** Native steps run so far (points scored / steps = the micro-batching factor). */
  get steps(): number {
    return this.stepCount;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // Wait one turn so requests parsed in the same turn join the same step.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.items.length > 0) {
      const head = this.items[0]!;
      if (head.kind === 'task') {
        this.items.shift();
        try {
          head.resolve(head.run());
        } catch (error) {
          head.reject(error);
        }
        continue;
      }
      const group: PointsItem[] = [];
      let points = 0;
      while (this.items.length > 0 && this.items[0]!.kind === 'points') {
        const next = this.items[0] as PointsItem;
        if (group.length > 0 && points + next.keys.length > this.options.maxBatchPoints) break;
        group.push(next);
        points += next.keys.length;
        this.items.shift();
      }
      this.queuedPoints -= points;
      await this.step(group);
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async step(group: PointsItem[]): Promise<void> {
    const keys: string[] = [],
      rows: (number | null)[][] = [],
      times: (string | null)[] = [];
    for (const item of group) {
      for (let i = 0; i < item.keys.length; i++) {
        keys.push(item.keys[i]!);
        rows.push(item.rows[i]!);
        times.push(item.times[i]!);
      }
    }
    let batch: PoolBatch;
    try {
      this.stepCount++;
      batch = await this.pool.pushAsync(keys, rows, times);
    } catch (error) {
      // Each request was checked alone; together they can still fail (e.g. more distinct
      // streams than the cap). Then each goes alone, so one cannot fail the others.
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      for (const item of group) await this.step([item]);
      return;
    }
    let at = 0,
      anomalies = 0;
    for (const item of group) {
      const n = item.keys.length;
      item.resolve(sliceBatch(batch, at, n, this.pool.featureNames.length));
      at += n;
    }
    for (let i = 0; i < batch.flags.length; i++) anomalies += batch.flags[i]!;
    this.options.onScored?.(keys.length, anomalies);
  }
}

function sliceBatch(b: PoolBatch, at: number, n: number, features: number): PoolBatch {
  return {
    scores: b.scores.subarray(at, at + n),
    thresholds: b.thresholds.subarray(at, at + n),
    flags: b.flags.subarray(at, at + n),
    ready: b.ready.subarray(at, at + n),
    imputed: b.imputed.subarray(at, at + n),
    contributions: b.contributions.subarray(at * features, (at + n) * features),
  };
}
