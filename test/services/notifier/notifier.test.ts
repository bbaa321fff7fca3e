import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertmanagerMessage } from '../../../libs/channels/index.js';
import type { ChannelConfig, Config, RouteConfig } from '../../../libs/config/index.js';
import { createQueue, createRedis, jobIdOf, type AlertEvent, type DeliveryJob } from '../../../libs/queues/index.js';
import { deliveryJobIdOf } from '../../../services/notifier/dispatch.js';
import { startNotifier, type RunningNotifier } from '../../../services/notifier/notifier.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { RecordingReceiver, sleep, type Responder } from '../../support/recording-receiver.js';
import { freePort } from '../../../scripts/local-stack/ports.js';

/** How long to keep listening after the expected notifications arrived, to catch a duplicate. */
const QUIET_MS = 400;
const BACKOFF_BASE_MS = 50;

interface LogLine { level: number; msg: string; [field: string]: unknown }

interface Stack {
  config: Config;
  alerts: Queue<AlertEvent>;
  deliveries: Queue<DeliveryJob>;
  logs: LogLine[];
  /** Puts an alert transition on the alerts queue the way the evaluator does. */
  raise(event: AlertEvent, jobId?: string): Promise<void>;
}

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(responder?: Responder, { listen = true } = {}): Promise<RecordingReceiver> {
  const created = new RecordingReceiver(responder);
  cleanups.push(() => created.stop());
  if (listen) await created.start();
  return created;
}

function webhookChannel(id: string, url: string): ChannelConfig {
  return { id, type: 'webhook', url, headers: {}, contentType: 'application/json', timeoutMs: 2_000 };
}

function route(fields: Partial<RouteConfig> & Pick<RouteConfig, 'channels'>): RouteConfig {
  return { match: {}, groupBy: ['check'], groupWaitMs: 0, groupIntervalMs: 0, repeatIntervalMs: 0, sendResolved: true, continue: false, ...fields };
}

/** A notifier in this process on its own Redis database, with a configuration the test can change. */
async function startStack(channels: ChannelConfig[], routes: RouteConfig[] = []): Promise<Stack> {
  const redisUrl = await isolatedRedisUrl();
  const logs: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const config: Config = { checks: [], watches: [], channels, routes };

  const notifier: RunningNotifier = startNotifier({ redisUrl, log, getConfig: () => config, backoffBaseMs: BACKOFF_BASE_MS, externalUrl: 'https://vigil.example' });
  cleanups.push(() => notifier.close());
  const producer: Redis = createRedis(redisUrl, 'cli');
  cleanups.push(() => producer.quit());
  const alerts = createQueue('alerts', producer);
  const deliveries = createQueue('deliveries', producer);
  cleanups.push(() => alerts.close(), () => deliveries.close());

  return {
    config,
    alerts,
    deliveries,
    logs,
    async raise(event, jobId = jobIdOf(event.fingerprint, event.status, Date.parse(event.startsAt))) {
      await alerts.add('alert', event, { jobId });
    },
  };
}

const STARTS_AT = '2025-03-01T10:00:00.000Z';
const ENDS_AT = '2025-03-01T10:07:30.000Z';

function shopApiDown(labels: Record<string, string> = {}): AlertEvent {
  return {
    fingerprint: 'a1b2c3d4e5f60718',
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop', ...labels },
    annotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
    startsAt: STARTS_AT,
  };
}

function shopApiRecovered(): AlertEvent {
  return { ...shopApiDown(), status: 'resolved', endsAt: ENDS_AT };
}

async function jobState(queue: Queue, jobId: string): Promise<{ state: string; attemptsMade: number; failedReason: string } | undefined> {
  const job = await queue.getJob(jobId);
  if (job === undefined) return undefined;
  return { state: await job.getState(), attemptsMade: job.attemptsMade, failedReason: job.failedReason };
}

async function settled(queue: Queue, jobId: string, state: 'completed' | 'failed'): Promise<{ attemptsMade: number; failedReason: string }> {
  return eventually(`job ${jobId} ${state}`, async () => {
    const found = await jobState(queue, jobId);
    return found?.state === state ? found : undefined;
  });
}

describe('the notifier', () => {
  it('tells a webhook once when a check goes down and once when it recovers, in Alertmanager format', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);

    await stack.raise(shopApiDown());
    await eventually('the firing notification', () => hook.requests.length >= 1 || undefined);
    await stack.raise(shopApiRecovered());
    await eventually('the resolved notification', () => hook.requests.length >= 2 || undefined);
    await sleep(QUIET_MS);

    const [firing, resolved] = hook.bodies<AlertmanagerMessage>();
    expect(hook.requests).toHaveLength(2);
    expect(firing).toEqual({
      version: '4',
      groupKey: '{}:{check="shop-api"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops-hook',
      groupLabels: { check: 'shop-api' },
      commonLabels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
      commonAnnotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
      externalURL: 'https://vigil.example',
      alerts: [{
        status: 'firing',
        labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
        annotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
        startsAt: STARTS_AT,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'a1b2c3d4e5f60718',
      }],
    });
    expect(resolved).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', startsAt: STARTS_AT, endsAt: ENDS_AT }] });
    expect(stack.logs.filter((line) => line.msg === 'notification delivered')).toHaveLength(2);
  });

  it('notifies once when the same alert transition is queued again, even after it was handled', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);
    const event = shopApiDown();

    await stack.raise(event, 'first');
    await settled(stack.deliveries, deliveryJobIdOf('ops-hook', event), 'completed');
    await settled(stack.alerts, 'first', 'completed');

    await stack.raise(event, 'first'); // the same job id again: BullMQ ignores it
    await stack.raise(event, 'second'); // a producer that retried with a fresh job id
    await settled(stack.alerts, 'second', 'completed');
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(1);
  });

  it('notifies once when a transition is dispatched again after BullMQ forgot the delivery, by the notification log', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);
    const event = shopApiDown();
    const deliveryId = deliveryJobIdOf('ops-hook', event);

    await stack.raise(event, 'first');
    await settled(stack.deliveries, deliveryId, 'completed');
    await (await stack.deliveries.getJob(deliveryId))!.remove(); // as retention would, a day later
    await stack.raise(event, 'second');
    await settled(stack.deliveries, deliveryId, 'completed');
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(1);
    expect(stack.logs.some((line) => line.msg.startsWith('already notified'))).toBe(true);
  });

  it('notifies again for a new outage of the same alert', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);

    await stack.raise(shopApiDown());
    await eventually('the first outage notified', () => hook.requests.length >= 1 || undefined);
    await stack.raise({ ...shopApiDown(), startsAt: '2025-03-02T08:00:00.000Z' });
    await eventually('the second outage notified', () => hook.requests.length >= 2 || undefined);
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(2);
  });

  it('delivers once to a receiver that fails twice with 500 and then accepts', async () => {
    const hook = await receiver((index) => ({ status: index < 2 ? 500 : 200 }));
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);
    const event = shopApiDown();

    await stack.raise(event);
    const delivered = await settled(stack.deliveries, deliveryJobIdOf('ops-hook', event), 'completed');
    await sleep(QUIET_MS);

    expect(delivered.attemptsMade).toBe(3);
    expect(hook.requests).toHaveLength(3);
    expect(stack.logs.filter((line) => line.msg === 'notification attempt failed; will retry')).toHaveLength(2);
    expect(stack.logs.filter((line) => line.msg === 'notification delivered')).toHaveLength(1);
  });

  it('delivers to a receiver that was down when the alert fired, once it comes up', async () => {
    const port = await freePort();
    const hook = await receiver(undefined, { listen: false });
    const stack = await startStack([webhookChannel('ops-hook', `http://127.0.0.1:${port}/hooks/vigil`)]);
    const event = shopApiDown();
    const deliveryId = deliveryJobIdOf('ops-hook', event);

    await stack.raise(event);
    await eventually('a refused attempt', async () => ((await jobState(stack.deliveries, deliveryId))?.attemptsMade ?? 0) >= 1 || undefined);
    await hook.start(port);
    await settled(stack.deliveries, deliveryId, 'completed');
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(1);
    expect(hook.bodies<AlertmanagerMessage>()[0]?.status).toBe('firing');
  });

  it('sends a retry to the address in the configuration running now', async () => {
    const hook = await receiver();
    const deadUrl = `http://127.0.0.1:${await freePort()}/hooks/vigil`;
    const stack = await startStack([webhookChannel('ops-hook', deadUrl)]);
    const event = shopApiDown();
    const deliveryId = deliveryJobIdOf('ops-hook', event);

    await stack.raise(event);
    await eventually('a refused attempt', async () => ((await jobState(stack.deliveries, deliveryId))?.attemptsMade ?? 0) >= 1 || undefined);
    stack.config.channels = [webhookChannel('ops-hook', hook.url)];
    await settled(stack.deliveries, deliveryId, 'completed');

    expect(hook.requests).toHaveLength(1);
  });

  it('gives up at once on a receiver answering 400, and says which channel refused with which status', async () => {
    const hook = await receiver(() => ({ status: 400, body: '{"error":"unknown field"}' }));
    const stack = await startStack([webhookChannel('ops-hook', hook.url)]);
    const event = shopApiDown();

    await stack.raise(event);
    const failed = await settled(stack.deliveries, deliveryJobIdOf('ops-hook', event), 'failed');
    await sleep(QUIET_MS);

    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('HTTP 400');
    expect(failed.failedReason).toContain('"ops-hook"');
    expect(hook.requests).toHaveLength(1);
    expect(stack.logs.find((line) => line.msg === 'notification abandoned')).toMatchObject({ level: 50, channelId: 'ops-hook', attempts: 1 });
  });

  it('fails a notification for a channel that is no longer configured, saying so', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)], [route({ channels: ['retired-hook'] })]);
    const event = shopApiDown();

    await stack.raise(event);
    const failed = await settled(stack.deliveries, deliveryJobIdOf('retired-hook', event), 'failed');

    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('channel "retired-hook" is not in the current configuration');
    expect(hook.requests).toHaveLength(0);
  });

  it('notifies only the channels of the route an alert matches', async () => {
    const dbHook = await receiver();
    const opsHook = await receiver();
    const stack = await startStack(
      [webhookChannel('db-hook', dbHook.url), webhookChannel('ops-hook', opsHook.url)],
      [route({ match: { team: 'db' }, channels: ['db-hook'], groupBy: ['team'] }), route({ channels: ['ops-hook'] })],
    );

    await stack.raise({ ...shopApiDown({ team: 'db', check: 'orders-db' }), fingerprint: 'orders-db-down' });
    await eventually('the db notification', () => dbHook.requests.length >= 1 || undefined);
    await sleep(QUIET_MS);

    expect(dbHook.bodies<AlertmanagerMessage>()[0]).toMatchObject({ receiver: 'db-hook', groupKey: '{}/{team="db"}:{team="db"}', groupLabels: { team: 'db' } });
    expect(opsHook.requests).toHaveLength(0);
  });

  it('drops an alert no route matches with a warning, without failing the job', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)], [route({ match: { team: 'db' }, channels: ['ops-hook'] })]);

    await stack.raise(shopApiDown(), 'unrouted');
    await settled(stack.alerts, 'unrouted', 'completed');

    expect(await stack.deliveries.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(stack.logs.find((line) => line.msg === 'alert matched no route; nobody is notified')).toMatchObject({ level: 40, labels: { team: 'shop' } });
    expect(hook.requests).toHaveLength(0);
  });

  it('sends no resolved notification through a route with sendResolved false', async () => {
    const hook = await receiver();
    const stack = await startStack([webhookChannel('ops-hook', hook.url)], [route({ channels: ['ops-hook'], sendResolved: false })]);

    await stack.raise(shopApiDown());
    await eventually('the firing notification', () => hook.requests.length >= 1 || undefined);
    await stack.raise(shopApiRecovered(), 'resolved');
    await settled(stack.alerts, 'resolved', 'completed');
    await sleep(QUIET_MS);

    expect(hook.bodies<AlertmanagerMessage>().map((body) => body.status)).toEqual(['firing']);
  });
});
