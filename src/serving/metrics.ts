/**
 * Prometheus text exposition, hand-written (the service needs counters, gauges and one
 * histogram; a client library would be a dependency for a hundred lines). Label values are
 * escaped per the exposition format.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling period of the event-loop delay monitor; its samples include this period, which is subtracted. */
const LOOP_RESOLUTION_MS = 10;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface GaugeSource {
  /** name -> [help, samples as [labels, value], type] read at scrape time. */
  (): Record<string, [string, [Record<string, string>, number][], ('gauge' | 'counter')?]>;
}

export class ServiceMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly points = new Map<string, number>();
  private readonly anomalies = new Map<string, number>();
  private readonly loopDelay: IntervalHistogram;
  private readonly gauges: GaugeSource[] = [];

  constructor() {
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loopDelay.enable();
  }

  /** Read at every scrape (streams, queue depth, checkpoint age...). */
  addGauges(source: GaugeSource): void {
    this.gauges.push(source);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = labels({ method, route, status: String(status) });
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hKey = labels({ route, status: String(status) });
    let h = this.latency.get(hKey);
    if (!h) {
      h = { counts: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.latency.set(hKey, h);
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  countPoints(model: string, points: number, anomalies: number): void {
    const key = labels({ model });
    this.points.set(key, (this.points.get(key) ?? 0) + points);
    this.anomalies.set(key, (this.anomalies.get(key) ?? 0) + anomalies);
  }

  text(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, values: Map<string, number>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [l, v] of values) out.push(`${name}${l} ${v}`);
    };
    counter('rnnad_http_requests_total', 'HTTP requests by method, route and status.', this.requests);
    out.push(
      '# HELP rnnad_http_request_duration_seconds HTTP request latency by route and status.',
      '# TYPE rnnad_http_request_duration_seconds histogram',
    );
    for (const [l, h] of this.latency) {
      const inner = l.slice(1, -1);
      LATENCY_BUCKETS.forEach((b, i) =>
        out.push(`rnnad_http_request_duration_seconds_bucket{${inner},le="${b}"} ${h.counts[i]}`),
      );
      out.push(`rnnad_http_request_duration_seconds_bucket{${inner},le="+Inf"} ${h.count}`);
      out.push(
        `rnnad_http_request_duration_seconds_sum${l} ${h.sum}`,
        `rnnad_http_request_duration_seconds_count${l} ${h.count}`,
      );
    }
    counter('rnnad_points_scored_total', 'Points scored by model.', this.points);
    counter('rnnad_anomalies_total', 'Points flagged as anomalies by model.', this.anomalies);
    const d = this.loopDelay;
    const delay = (ns: number): number => (d.count > 0 ? Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000) : 0);
    out.push(
      '# HELP rnnad_event_loop_delay_seconds Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay).',
      '# TYPE rnnad_event_loop_delay_seconds gauge',
      `rnnad_event_loop_delay_seconds{quantile="0.5"} ${delay(d.percentile(50))}`,
      `rnnad_event_loop_delay_seconds{quantile="0.99"} ${delay(d.percentile(99))}`,
      `rnnad_event_loop_delay_seconds{quantile="1"} ${delay(d.max)}`,
    );
    d.reset();
    out.push(
      '# HELP rnnad_resident_memory_bytes Resident set size.',
      '# TYPE rnnad_resident_memory_bytes gauge',
      `rnnad_resident_memory_bytes ${process.memoryUsage.rss()}`,
    );
    for (const source of this.gauges) {
      for (const [name, [help, samples, type]] of Object.entries(source())) {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type ?? 'gauge'}`);
        for (const [l, v] of samples)
          out.push(`${name}${labels(l)} ${Number.isFinite(v) ? v : v > 0 ? '+Inf' : 'NaN'}`);
      }
    }
    return `${out.join('\n')}\n`;
  }

  close(): void {
    this.loopDelay.disable();
  }
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
