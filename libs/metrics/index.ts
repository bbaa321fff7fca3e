export { toLine, type Point, type FieldValue } from './line-protocol.js';
export { MetricsWriteError, type MetricsWriter } from './writer.js';
export { InfluxV1Writer, type InfluxV1Options } from './influx-v1.js';
export { InfluxV2Writer, type InfluxV2Options } from './influx-v2.js';
export { metricsWriterFromEnv } from './from-env.js';
export { MetricsFlusher, type FlusherOptions } from './buffer.js';
