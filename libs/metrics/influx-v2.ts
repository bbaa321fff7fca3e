import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import { MetricsWriteError, type MetricsWriter } from './writer.js';

export interface InfluxV2Options {
  url: string;
  token: string;
  org: string;
  bucket: string;
  timeoutMs?: number;
}

/**
 * The most lines one write may carry. The client allocates its batch array up front (so
 * this must be a real size, not "unlimited"), and a batch that fills up is sent on its own
 * with its errors swallowed: write() therefore splits larger writes into chunks it awaits.
 */
const MAX_LINES_PER_REQUEST = 10_000;

// The client prints failed writes to the console; every failure reaches the flusher as a
// MetricsWriteError and is logged there, with the service's logger.
setLogger({ error: () => undefined, warn: () => undefined });

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
      batchSize: MAX_LINES_PER_REQUEST + 1,
      maxBatchBytes: Number.POSITIVE_INFINITY,
      maxBufferLines: MAX_LINES_PER_REQUEST,
    });
  }

  async prepare(): Promise<void> {}

  async write(lines: string[]): Promise<void> {
    for (let from = 0; from < lines.length; from += MAX_LINES_PER_REQUEST) {
      await this.writeChunk(lines.slice(from, from + MAX_LINES_PER_REQUEST));
    }
  }

  private async writeChunk(lines: string[]): Promise<void> {
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
