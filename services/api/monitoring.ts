import { MetricsReadError, type MetricsReader } from '../../libs/metrics/index.js';
import type { CheckConfig } from '../../libs/config/index.js';
import type { ApiContext } from './context.js';
import { ApiError, notFound } from './route.js';

export const metricsUnavailable = (message: string): ApiError => new ApiError(503, 'VIGIL_API_METRICS_UNAVAILABLE', message);

/** The reader, or a 503 saying that nothing stores probe results. */
export function metricsReaderOf(ctx: ApiContext, what: string): MetricsReader {
  if (ctx.metrics === undefined) throw metricsUnavailable(`${what} is read from InfluxDB, and none is configured (INFLUX_URL is not set)`);
  return ctx.metrics;
}

/** Runs the reads; InfluxDB failing is a 503 naming it, never a 500. */
export async function readingMetrics<T>(metrics: MetricsReader, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof MetricsReadError) throw metricsUnavailable(`InfluxDB ${metrics.target} did not answer: ${err.message}`);
    throw err;
  }
}

export function configuredCheck(ctx: ApiContext, id: string): CheckConfig {
  const check = ctx.config().checks.find((candidate) => candidate.id === id);
  if (!check) throw notFound(`no check has the id "${id}"`);
  return check;
}
