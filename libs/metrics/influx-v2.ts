import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { MetricsWriteError, type MetricsWriter } from './writer.js';

export interface InfluxV2Options {
  url: string;
  token: string;
  org: string;
  bucket: string;
  timeoutMs?: number;
}

/**
 * InfluxDB 2.x / 3.x through the official client. The client's own batching and retries
 * are switched off: the Redis-backed buffer (buffer.ts) owns both, so nothing waits in
 * process memory where a crash would lose it.
 */
export class InfluxV2Writer implements MetricsWriter {
  readonly target: string;
  private readonly writeApi: WriteApi;

  constructor(options: InfluxV2Options) {
    this.target = `${options.url} (InfluxDB 2.x, org ${options.org}, bucket ${options.bucket})`;
    const client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 });
    this.writeApi = client.getWriteApi(options.org, options.bucket, 'ms', {
      maxRetries: 0,
      flushInterval: 0,
      batchSize: Number.MAX_SAFE_INTEGER,
      maxBufferLines: Number.MAX_SAFE_INTEGER,
    });
  }

  async prepare(): Promise<void> {}

  async write(lines: string[]): Promise<void> {
    this.writeApi.writeRecords(lines);
    try {
      await this.writeApi.flush(true);
    } catch (err) {
      if (err instanceof HttpError) {
        const retryable = err.statusCode >= 500 || err.statusCode === 429;
        const retryAfterMs = err.retryAfter() > 0 ? err.retryAfter() : undefined;
        throw new MetricsWriteError(`InfluxDB answered ${err.statusCode}: ${err.body ?? err.message}`, retryable, err.statusCode, retryAfterMs);
      }
      throw new MetricsWriteError(`InfluxDB unreachable: ${(err as Error).message}`, true);
    }
  }

  async close(): Promise<void> {
    await this.writeApi.close().catch(() => undefined);
  }
}
