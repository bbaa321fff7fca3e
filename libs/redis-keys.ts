/**
 * Every Redis key Vigil owns, outside BullMQ's own (which live under QUEUE_PREFIX).
 * docs/ARCHITECTURE.md lists them with their types and owners.
 */
export const REDIS_KEYS = {
  /** Hash {text, sha, source, loadedAt}: the last configuration the watcher accepted. */
  config: 'vigil:config',
  /** Pub/sub channel: the watcher publishes the sha of a newly accepted configuration. */
  configChanged: 'vigil:config:changed',
  /** Set of every region the scheduler has made probe queues for (so it can empty retired ones). */
  regions: 'vigil:regions',
  /** String (JSON CheckState): the evaluator's state machine per check. */
  checkState: (checkId: string) => `vigil:check-state:${checkId}`,
  /** List of InfluxDB line-protocol strings waiting to be written. */
  metricsBuffer: 'vigil:metrics:buffer',
  /** String with a TTL: held by the one process flushing the metrics buffer. */
  metricsFlushLock: 'vigil:metrics:flush-lock',
} as const;
