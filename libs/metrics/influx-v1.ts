import { request } from 'undici';
import { MetricsWriteError, type MetricsWriter } from './writer.js';

export interface InfluxV1Options {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** InfluxDB 1.x HTTP API: POST /write and /query (the local stack runs Debian's influxd 1.6). */
export class InfluxV1Writer implements MetricsWriter {
  readonly target: string;

  constructor(private readonly options: InfluxV1Options) {
    this.target = `${options.url} (InfluxDB 1.x, database ${options.database})`;
  }

  async prepare(): Promise<void> {
    await this.query(`CREATE DATABASE "${this.options.database.replace(/"/g, '\\"')}"`, 'POST');
  }

  async write(lines: string[]): Promise<void> {
    const params = this.params({ db: this.options.database, precision: 'ms', ...(this.options.retentionPolicy ? { rp: this.options.retentionPolicy } : {}) });
    await this.send(`/write?${params}`, 'POST', lines.join('\n'));
  }

  /** Runs an InfluxQL query and returns the parsed JSON (used by tests and tools). */
  async query(q: string, method: 'GET' | 'POST' = 'GET'): Promise<unknown> {
    const params = this.params({ q, db: this.options.database, epoch: 'ms' });
    return JSON.parse(await this.send(`/query?${params}`, method));
  }

  async close(): Promise<void> {}

  private params(values: Record<string, string>): string {
    const { username, password } = this.options;
    return new URLSearchParams({ ...values, ...(username ? { u: username, p: password ?? '' } : {}) }).toString();
  }

  private async send(path: string, method: 'GET' | 'POST', body?: string): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let response;
    try {
      response = await request(`${this.options.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw new MetricsWriteError(`InfluxDB at ${this.options.url} unreachable: ${(err as Error).message}`, true);
    }
    const text = await response.body.text();
    if (response.statusCode < 300) return text;
    const retryAfter = Number(response.headers['retry-after']);
    throw new MetricsWriteError(
      `InfluxDB answered ${response.statusCode}: ${text.slice(0, 300)}`,
      response.statusCode >= 500 || response.statusCode === 429,
      response.statusCode,
      Number.isFinite(retryAfter) ? retryAfter * 1_000 : undefined,
    );
  }
}
