import { request } from 'undici';
import type { InfluxV1Options } from './influx-v1.js';
import {
  bucketStartOf, emptyCounts, entryOf, MetricsReadError,
  type BucketQuery, type LatencyStats, type MetricsReader, type PerCheckBuckets, type ResultClass, type ResultCounts,
} from './reader.js';

/** InfluxQL's quoting: identifiers in double quotes, strings in single quotes, a backslash before either. */
export const influxQlIdentifier = (name: string): string => `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
export const influxQlString = (value: string): string => `'${value.replace(/['\\]/g, (c) => `\\${c}`)}'`;
/** A regex literal matching exactly one of `values`; `/` and every metacharacter escaped. */
export const influxQlAnyOf = (values: readonly string[]): string => `/^(?:${values.map((value) => value.replace(/[.*+?^${}()|[\]\\/]/g, (c) => `\\${c}`)).join('|')})$/`;

const NOT_PAUSED = `"state" != 'paused'`;
/** The WHERE clause of each class, the same rule as resultClassOf. */
const CLASS_FILTERS: Record<ResultClass, string> = {
  up: `"success" = true AND "state" != 'maintenance' AND ${NOT_PAUSED}`,
  down: `"success" = false AND "state" != 'maintenance' AND ${NOT_PAUSED}`,
  maintenance: `"state" = 'maintenance'`,
};
const CLASSES = Object.keys(CLASS_FILTERS) as ResultClass[];

interface Series {
  tags?: Record<string, string>;
  columns: string[];
  values: Array<Array<number | null>>;
}
interface StatementResult {
  series?: Series[];
  error?: string;
}

/** Reads the `probe` measurement with InfluxQL over POST /query (the local stack's influxd 1.x). */
export class InfluxV1Reader implements MetricsReader {
  readonly target: string;

  constructor(private readonly options: InfluxV1Options) {
    this.target = `${options.url} (InfluxDB 1.x, database ${options.database})`;
  }

  async resultCounts(query: BucketQuery): Promise<PerCheckBuckets<ResultCounts>> {
    const counts: PerCheckBuckets<ResultCounts> = new Map();
    if (query.checkIds?.length === 0) return counts;
    const statements = CLASSES.map((cls) => `SELECT count("success") AS n FROM ${this.measurement()} WHERE ${where(query, CLASS_FILTERS[cls])} ${groupBy(query)}`);
    const results = await this.run(statements);
    results.forEach((result, index) => {
      const cls = CLASSES[index]!;
      for (const { check, row } of rowsOf(result)) {
        const n = row.n ?? 0;
        if (n > 0) entryOf(counts, check, bucketStartOf(row.time!, query.bucketMs, query.offsetMs), emptyCounts)[cls] += n;
      }
    });
    return counts;
  }

  async latency(query: BucketQuery): Promise<PerCheckBuckets<LatencyStats>> {
    const latencies: PerCheckBuckets<LatencyStats> = new Map();
    if (query.checkIds?.length === 0) return latencies;
    const [result] = await this.run([
      `SELECT percentile("total_ms", 50) AS p50, percentile("total_ms", 95) AS p95, mean("total_ms") AS mean FROM ${this.measurement()} WHERE ${where(query, `"success" = true AND ${NOT_PAUSED}`)} ${groupBy(query)}`,
    ]);
    for (const { check, row } of rowsOf(result!)) {
      latencies.get(check) ?? latencies.set(check, new Map());
      latencies.get(check)!.set(bucketStartOf(row.time!, query.bucketMs, query.offsetMs), { p50Ms: row.p50 ?? null, p95Ms: row.p95 ?? null, meanMs: row.mean ?? null });
    }
    return latencies;
  }

  async latestLatency(query: { checkIds?: readonly string[]; fromMs: number; toMs: number }): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    if (query.checkIds?.length === 0) return latest;
    const [result] = await this.run([
      `SELECT last("total_ms") AS ms FROM ${this.measurement()} WHERE ${where(query, `"success" = true AND ${NOT_PAUSED}`)} GROUP BY "check"`,
    ]);
    for (const { check, row } of rowsOf(result!)) if (typeof row.ms === 'number') latest.set(check, row.ms);
    return latest;
  }

  async close(): Promise<void> {}

  private measurement(): string {
    const { database, retentionPolicy } = this.options;
    return retentionPolicy ? `${influxQlIdentifier(database)}.${influxQlIdentifier(retentionPolicy)}."probe"` : '"probe"';
  }

  /**
   * Each statement in its own request (in parallel): with several in one, influxd answers a
   * missing database with "not executed" and no way to tell it from other failures. The
   * body, not the URL, carries the statement (a grid's id list is long).
   */
  private run(statements: string[]): Promise<StatementResult[]> {
    return Promise.all(statements.map((statement) => this.runOne(statement)));
  }

  private async runOne(statement: string): Promise<StatementResult> {
    const { url, database, username, password } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const body = new URLSearchParams({ q: statement, db: database, epoch: 'ms', ...(username ? { u: username, p: password ?? '' } : {}) }).toString();
    let response;
    try {
      response = await request(`${url}/query`, {
        method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw new MetricsReadError(`InfluxDB at ${url} unreachable: ${(err as Error).message}`);
    }
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new MetricsReadError(`InfluxDB at ${url} answered ${response.statusCode}: ${text.slice(0, 300)}`, response.statusCode);
    let result: StatementResult;
    try {
      result = (JSON.parse(text) as { results?: StatementResult[] }).results?.[0] ?? {};
    } catch {
      throw new MetricsReadError(`InfluxDB at ${url} answered something that is not JSON: ${text.slice(0, 300)}`);
    }
    if (result.error === undefined) return result;
    // Before the evaluator's first write there is no database: no data yet, not a failure.
    if (/database not found/.test(result.error)) return {};
    throw new MetricsReadError(`InfluxDB at ${url} refused the query: ${result.error}`);
  }
}

function where(query: { checkIds?: readonly string[]; fromMs: number; toMs: number }, extra: string): string {
  const checks = query.checkIds === undefined ? [] : [query.checkIds.length === 1 ? `"check" = ${influxQlString(query.checkIds[0]!)}` : `"check" =~ ${influxQlAnyOf(query.checkIds)}`];
  return [...checks, `time >= ${Math.trunc(query.fromMs)}ms`, `time < ${Math.trunc(query.toMs)}ms`, extra].join(' AND ');
}

function groupBy(query: BucketQuery): string {
  const bucketMs = Math.trunc(query.bucketMs);
  const offsetMs = (((query.offsetMs ?? 0) % bucketMs) + bucketMs) % bucketMs;
  return `GROUP BY time(${bucketMs}ms, ${offsetMs}ms), "check" fill(none)`;
}

/** Each row as { column: value } with the series' check tag. */
function rowsOf(result: StatementResult): Array<{ check: string; row: Record<string, number | null> }> {
  return (result.series ?? []).flatMap((series) => {
    const check = series.tags?.check ?? '';
    return series.values.map((values) => ({ check, row: Object.fromEntries(series.columns.map((column, index) => [column, values[index] ?? null])) }));
  });
}
