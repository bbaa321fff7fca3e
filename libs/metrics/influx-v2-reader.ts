import { HttpError, InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import type { InfluxV2Options } from './influx-v2.js';
import {
  bucketStartOf, emptyCounts, entryOf, MetricsReadError,
  type BucketQuery, type LatencyStats, type MetricsReader, type PerCheckBuckets, type ResultClass, type ResultCounts,
} from './reader.js';

/** A Flux string literal: backslash, quote and the `${` of interpolation escaped. */
export const fluxString = (value: string): string => `"${value.replace(/["\\]/g, (c) => `\\${c}`).replace(/\$\{/g, '\\${')}"`;

const fluxTime = (ms: number): string => `time(v: ${fluxString(new Date(ms).toISOString())})`;

interface Range {
  checkIds?: readonly string[];
  fromMs: number;
  toMs: number;
}

type Row = Record<string, unknown>;

/**
 * Reads the `probe` measurement with Flux (InfluxDB 2.x; 3.x answers Flux too when enabled).
 * Not exercised by the test suite, which runs influxd 1.x only. Every query pivots the
 * fields of a result onto one row first, because the class of a result needs two of them.
 */
export class InfluxV2Reader implements MetricsReader {
  readonly target: string;
  private readonly queryApi: QueryApi;

  constructor(private readonly options: InfluxV2Options) {
    this.target = `${options.url} (InfluxDB 2.x, org ${options.org}, bucket ${options.bucket})`;
    const client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 });
    this.queryApi = client.getQueryApi(options.org);
  }

  async resultCounts(query: BucketQuery): Promise<PerCheckBuckets<ResultCounts>> {
    const counts: PerCheckBuckets<ResultCounts> = new Map();
    if (query.checkIds?.length === 0) return counts;
    const flux = `${this.results(query, ['success', 'state'])}
  |> filter(fn: (r) => exists r.success and exists r.state and r.state != "paused")
  |> map(fn: (r) => ({ r with class: if r.state == "maintenance" then "maintenance" else if r.success then "up" else "down", _value: 1 }))
  |> keep(columns: ["_time", "_start", "_stop", "_value", "check", "class"])
  |> group(columns: ["check", "class"])
  |> aggregateWindow(${windowArgs(query)}, fn: count)`;
    for (const row of await this.rows(flux)) {
      const n = Number(row._value);
      const cls = row.class as ResultClass;
      if (n > 0 && (cls === 'up' || cls === 'down' || cls === 'maintenance')) {
        entryOf(counts, String(row.check), bucketStartOf(Date.parse(String(row._time)), query.bucketMs, query.offsetMs), emptyCounts)[cls] += n;
      }
    }
    return counts;
  }

  async latency(query: BucketQuery): Promise<PerCheckBuckets<LatencyStats>> {
    const latencies: PerCheckBuckets<LatencyStats> = new Map();
    if (query.checkIds?.length === 0) return latencies;
    const quantile = (q: number) => `(column, tables=<-) => tables |> quantile(q: ${q}, column: column, method: "exact_selector")`;
    const flux = `ok = ${this.results(query, ['success', 'state', 'total_ms'])}
  |> filter(fn: (r) => r.success == true and exists r.total_ms and r.state != "paused")
  |> map(fn: (r) => ({ _time: r._time, _start: r._start, _stop: r._stop, check: r.check, _value: float(v: r.total_ms) }))
  |> group(columns: ["check"])
union(tables: [
  ok |> aggregateWindow(${windowArgs(query)}, fn: ${quantile(0.5)}) |> set(key: "stat", value: "p50"),
  ok |> aggregateWindow(${windowArgs(query)}, fn: ${quantile(0.95)}) |> set(key: "stat", value: "p95"),
  ok |> aggregateWindow(${windowArgs(query)}, fn: mean) |> set(key: "stat", value: "mean")
])`;
    const keys = { p50: 'p50Ms', p95: 'p95Ms', mean: 'meanMs' } as const;
    for (const row of await this.rows(flux)) {
      const key = keys[row.stat as keyof typeof keys];
      const value = Number(row._value);
      if (key === undefined || row._value === null || !Number.isFinite(value)) continue;
      entryOf(latencies, String(row.check), bucketStartOf(Date.parse(String(row._time)), query.bucketMs, query.offsetMs), (): LatencyStats => ({ p50Ms: null, p95Ms: null, meanMs: null }))[key] = value;
    }
    return latencies;
  }

  async latestLatency(query: Range): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    if (query.checkIds?.length === 0) return latest;
    const flux = `${this.results(query, ['success', 'state', 'total_ms'])}
  |> filter(fn: (r) => r.success == true and exists r.total_ms and r.state != "paused")
  |> group(columns: ["check"])
  |> last(column: "total_ms")`;
    for (const row of await this.rows(flux)) {
      const ms = Number(row.total_ms);
      if (Number.isFinite(ms)) latest.set(String(row.check), ms);
    }
    return latest;
  }

  async close(): Promise<void> {}

  /** The probe results in the range, one row per result with `fields` as columns. */
  private results(range: Range, fields: readonly string[]): string {
    const checks = range.checkIds === undefined ? '' : range.checkIds.length === 1
      ? ` and r.check == ${fluxString(range.checkIds[0]!)}`
      : ` and contains(value: r.check, set: [${range.checkIds.map(fluxString).join(', ')}])`;
    return `from(bucket: ${fluxString(this.options.bucket)})
  |> range(start: ${fluxTime(range.fromMs)}, stop: ${fluxTime(range.toMs)})
  |> filter(fn: (r) => r._measurement == "probe"${checks})
  |> filter(fn: (r) => ${fields.map((field) => `r._field == ${fluxString(field)}`).join(' or ')})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`;
  }

  private async rows(flux: string): Promise<Row[]> {
    try {
      return await this.queryApi.collectRows<Row>(flux);
    } catch (err) {
      if (err instanceof HttpError) {
        // A bucket that does not exist yet holds no data: nothing written so far.
        if (err.statusCode === 404 && /bucket/i.test(err.body ?? err.message)) return [];
        throw new MetricsReadError(`InfluxDB at ${this.options.url} answered ${err.statusCode}: ${(err.body ?? err.message).slice(0, 300)}`, err.statusCode);
      }
      throw new MetricsReadError(`InfluxDB at ${this.options.url} unreachable: ${(err as Error).message}`);
    }
  }
}

/** Windows on the same grid as InfluxQL's GROUP BY time(bucket, offset); labelled by their start. */
function windowArgs(query: BucketQuery): string {
  const bucketMs = Math.trunc(query.bucketMs);
  const offsetMs = (((query.offsetMs ?? 0) % bucketMs) + bucketMs) % bucketMs;
  return `every: ${bucketMs}ms, offset: ${offsetMs}ms, createEmpty: false, timeSrc: "_start"`;
}
