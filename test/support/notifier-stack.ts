import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig, type Config } from '../../libs/config/index.js';
import { createQueue, createRedis, jobIdOf, type AlertEvent, type DeliveryJob } from '../../libs/queues/index.js';
import type { NotifierMetrics } from '../../services/notifier/metrics.js';
import { startNotifier, type RunningNotifier } from '../../services/notifier/notifier.js';
import { isolatedRedisUrl } from './infra.js';

export interface LogLine { level: number; msg: string; [field: string]: unknown }

export interface NotifierStack {
  redisUrl: string;
  /** The configuration the notifiers run; replace it to reload. */
  config: Config;
  /** A connection for the test's own reads and writes. */
  redis: Redis;
  alerts: Queue<AlertEvent>;
  deliveries: Queue<DeliveryJob>;
  logs: LogLine[];
  notifiers: RunningNotifier[];
  /** Puts an alert transition on the alerts queue the way the evaluator does. */
  raise(event: AlertEvent, jobId?: string): Promise<void>;
  /** Starts one more notifier replica on the same Redis and configuration. */
  startReplica(): RunningNotifier;
  close(): Promise<void>;
}

export const TEST_BACKOFF_BASE_MS = 50;

/** A configuration from YAML, every `${NAME}` taken from `env`. */
export function configOf(yaml: string, env: Record<string, string> = {}): Config {
  return parseConfig(yaml, env);
}

/** Notifiers in this process on their own Redis database, with a configuration the test can change. */
export async function startNotifierStack(config: Config, options: { replicas?: number; sweepEveryMs?: number; metrics?: NotifierMetrics } = {}): Promise<NotifierStack> {
  const redisUrl = await isolatedRedisUrl();
  const logs: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const redis = createRedis(redisUrl, 'cli');
  await redis.flushdb();
  const alerts = createQueue('alerts', redis);
  const deliveries = createQueue('deliveries', redis);
  const stack: NotifierStack = {
    redisUrl,
    config,
    redis,
    alerts,
    deliveries,
    logs,
    notifiers: [],
    async raise(event, jobId = jobIdOf(event.fingerprint, event.status, Date.parse(event.startsAt))) {
      await alerts.add('alert', event, { jobId });
    },
    startReplica() {
      const notifier = startNotifier({
        redisUrl, log, getConfig: () => stack.config, backoffBaseMs: TEST_BACKOFF_BASE_MS, externalUrl: 'https://vigil.example',
        ...(options.sweepEveryMs === undefined ? {} : { sweepEveryMs: options.sweepEveryMs }),
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      });
      stack.notifiers.push(notifier);
      return notifier;
    },
    async close() {
      await Promise.all(stack.notifiers.splice(0).map((notifier) => notifier.close()));
      await Promise.all([alerts.close(), deliveries.close()]);
      await redis.quit();
    },
  };
  for (let replica = 0; replica < (options.replicas ?? 1); replica++) stack.startReplica();
  return stack;
}

export const STARTS_AT = '2025-03-01T10:00:00.000Z';
export const ENDS_AT = '2025-03-01T10:07:30.000Z';

/** A CheckDown alert of `check`, firing since STARTS_AT. */
export function checkDown(check: string, labels: Record<string, string> = {}, startsAt = STARTS_AT): AlertEvent {
  return {
    fingerprint: `fp-${check}`,
    status: 'firing',
    labels: { alertname: 'CheckDown', check, team: 'shop', ...labels },
    annotations: { summary: `${check} is down`, description: 'expected status 2xx, got 503' },
    startsAt,
  };
}

export function recovered(alert: AlertEvent, endsAt = ENDS_AT): AlertEvent {
  return { ...alert, status: 'resolved', endsAt };
}
