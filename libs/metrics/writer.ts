/** Where points go. Implementations: influx-v1.ts (/write) and influx-v2.ts (v2 API client). */
export interface MetricsWriter {
  readonly target: string;
  /** Creates the database when the backend needs that; safe to call repeatedly. */
  prepare(): Promise<void>;
  /** Writes line-protocol lines with millisecond timestamps; throws MetricsWriteError on failure. */
  write(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

/** `retryable` is false when InfluxDB rejected the points themselves (4xx): resending cannot help. */
export class MetricsWriteError extends Error {
  override readonly name = 'MetricsWriteError';

  constructor(message: string, readonly retryable: boolean, readonly status?: number, readonly retryAfterMs?: number) {
    super(message);
  }
}
