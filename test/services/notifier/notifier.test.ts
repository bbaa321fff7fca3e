import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeliveryLog } from '../../../libs/alerts/index.js';
import type { AlertmanagerMessage } from '../../../libs/channels/index.js';
import { deliveryProcessor } from '../../../services/notifier/delivery.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { eventually } from '../../support/infra.js';
import { checkDown, configOf, ENDS_AT, recovered, STARTS_AT, startNotifierStack, type NotifierStack } from '../../support/notifier-stack.js';
import { RecordingReceiver, sleep, type Responder } from '../../support/recording-receiver.js';

/** How long to keep listening after the expected notifications arrived, to catch a duplicate. */
const QUIET_MS = 400;

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

/** One webhook channel `ops-hook` at `url`, groups flushed at once and every 200 ms. */
function opsConfig(url: string, extra = '') {
  return configOf(`channels:\n  - { id: ops-hook, type: webhook, url: "${url}", timeout: 2s }\ndefaultRoute: { groupWait: 0s, groupInterval: 200ms, repeatInterval: 1h }\n${extra}`);
}

async function stackFor(url: string, extra = ''): Promise<NotifierStack> {
  const stack = await startNotifierStack(opsConfig(url, extra));
  cleanups.push(() => stack.close());
  return stack;
}

const shopApiDown = () => checkDown('shop-api');

describe('the notifier', () => {
  it('tells a webhook once when a check goes down and once when it recovers, in Alertmanager format', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url);

    await stack.raise(shopApiDown());
    await eventually('the firing notification', () => hook.requests.length >= 1 || undefined);
    await stack.raise(recovered(shopApiDown()));
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
        fingerprint: 'fp-shop-api',
      }],
    });
    expect(resolved).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', startsAt: STARTS_AT, endsAt: ENDS_AT }] });
    const ids = hook.requests.map((request) => request.headers['webhook-id']);
    expect(ids[0]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('notifies once when the same alert transition is queued again, under the same or a new job id', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url);

    await stack.raise(shopApiDown(), 'first');
    await eventually('the notification', () => hook.requests.length >= 1 || undefined);
    await stack.raise(shopApiDown(), 'first');
    await stack.raise(shopApiDown(), 'second');
    await eventually('the second job handled', async () => (await stack.alerts.getJobState('second')) === 'completed' || undefined);
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(1);
  });

  it('does not send a notification a receiver accepted again when its delivery runs again, by the notification log', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url);
    await stack.raise(shopApiDown());
    await eventually('the notification', () => hook.requests.length >= 1 || undefined);
    const [delivered] = await stack.deliveries.getCompleted();

    // As after a crash between the send and the job's completion: the same delivery once more,
    // with BullMQ no longer holding the first job.
    await delivered!.remove();
    const process = deliveryProcessor({ redis: stack.redis, getConfig: () => stack.config, externalUrl: 'https://vigil.example', log: pino({ level: 'silent' }) });
    await process(delivered!.data, delivered!);

    expect(hook.requests).toHaveLength(1);
  });

  it('notifies nobody of a firing event that arrives after its own resolved event', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url);

    await stack.raise(recovered(shopApiDown()), 'resolved');
    await eventually('the resolved job handled', async () => (await stack.alerts.getJobState('resolved')) === 'completed' || undefined);
    await stack.raise(shopApiDown(), 'late-firing');
    await eventually('the late firing job handled', async () => (await stack.alerts.getJobState('late-firing')) === 'completed' || undefined);
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(0);
    expect(stack.logs.some((line) => line.msg.startsWith('an older event of this alert arrived after a newer one'))).toBe(true);
  });

  it('notifies again for a new outage of the same alert', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url);

    await stack.raise(shopApiDown());
    await eventually('the first outage notified', () => hook.requests.length >= 1 || undefined);
    await stack.raise(recovered(shopApiDown()));
    await eventually('the recovery notified', () => hook.requests.length >= 2 || undefined);
    await stack.raise(checkDown('shop-api', {}, '2025-03-02T08:00:00.000Z'));
    await eventually('the second outage notified', () => hook.requests.length >= 3 || undefined);
    await sleep(QUIET_MS);

    expect(hook.bodies<AlertmanagerMessage>().map((body) => `${body.status} ${body.alerts[0]?.startsAt}`)).toEqual([
      `firing ${STARTS_AT}`, `resolved ${STARTS_AT}`, 'firing 2025-03-02T08:00:00.000Z',
    ]);
  });

  it('delivers once to a receiver that fails twice with 500 and then accepts, and logs each attempt', async () => {
    const hook = await receiver((index) => ({ status: index < 2 ? 500 : 200, body: index < 2 ? 'busy' : 'ok' }));
    const stack = await stackFor(hook.url);

    await stack.raise(shopApiDown());
    const log = await eventually('the delivered entry', async () => {
      const entries = await readDeliveryLog(stack.redis, { channelId: 'ops-hook' });
      return entries.some((entry) => entry.outcome === 'delivered') ? entries : undefined;
    });
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(3);
    expect(log.map((entry) => [entry.outcome, entry.attempts, entry.answer?.status])).toEqual([['delivered', 3, 200], ['retrying', 2, 500], ['retrying', 1, 500]]);
    expect(new Set(hook.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('waits as long as a 429 answer asks before trying again', async () => {
    const hook = await receiver((index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const stack = await stackFor(hook.url);
    const times: number[] = [];
    const original = hook.requests.push.bind(hook.requests);
    hook.requests.push = (...items) => {
      times.push(Date.now());
      return original(...items);
    };

    await stack.raise(shopApiDown());
    await eventually('the accepted retry', () => hook.requests.length >= 2 || undefined, 10_000);

    // The test backoff is 50 ms; only Retry-After explains a wait of about a second.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('delivers to a receiver that was down when the alert fired, once it comes up', async () => {
    const port = await freePort();
    const hook = await receiver(undefined, { listen: false });
    const stack = await stackFor(`http://127.0.0.1:${port}/hooks/vigil`);

    await stack.raise(shopApiDown());
    await eventually('a refused attempt', async () => (await readDeliveryLog(stack.redis)).some((entry) => entry.outcome === 'retrying') || undefined);
    await hook.start(port);
    await eventually('the delivery', () => hook.requests.length >= 1 || undefined);
    await sleep(QUIET_MS);

    expect(hook.requests).toHaveLength(1);
  });

  it('sends a retry to the address in the configuration running now', async () => {
    const hook = await receiver();
    const stack = await stackFor(`http://127.0.0.1:${await freePort()}/hooks/vigil`);

    await stack.raise(shopApiDown());
    await eventually('a refused attempt', async () => (await readDeliveryLog(stack.redis)).some((entry) => entry.outcome === 'retrying') || undefined);
    stack.config = opsConfig(hook.url);
    await eventually('the delivery', () => hook.requests.length >= 1 || undefined);

    expect(hook.requests).toHaveLength(1);
  });

  it('gives up at once on a receiver answering 400, shows its answer in the delivery log, and does not send it again', async () => {
    const hook = await receiver(() => ({ status: 400, body: '{"error":"unknown field"}' }));
    const stack = await stackFor(hook.url);

    await stack.raise(shopApiDown());
    const [entry] = await eventually('the failed entry', async () => {
      const entries = await readDeliveryLog(stack.redis, { channelId: 'ops-hook' });
      return entries.some((candidate) => candidate.outcome === 'failed') ? entries : undefined;
    });
    await sleep(QUIET_MS); // two more flushes of the group at 200 ms

    expect(entry).toMatchObject({ outcome: 'failed', attempts: 1, answer: { status: 400, body: '{"error":"unknown field"}' } });
    expect(entry?.reason).toContain('"ops-hook"');
    expect(hook.requests).toHaveLength(1);
    expect(stack.logs.find((line) => line.msg === 'notification abandoned')).toMatchObject({ level: 50, channelId: 'ops-hook' });
  });

  it('fails a notification for a channel that is no longer configured, saying so', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url, 'routes:\n  - { channels: [ops-hook] }\n');
    stack.config = { ...stack.config, routes: [{ ...stack.config.routes[0]!, channels: ['retired-hook'] }] };

    await stack.raise(shopApiDown());
    const [entry] = await eventually('the failed entry', async () => {
      const entries = await readDeliveryLog(stack.redis, { channelId: 'retired-hook' });
      return entries.length > 0 ? entries : undefined;
    });

    expect(entry).toMatchObject({ outcome: 'failed', channelId: 'retired-hook' });
    expect(entry?.reason).toContain('channel "retired-hook" is not in the current configuration');
    expect(hook.requests).toHaveLength(0);
  });

  it('notifies only the channels of the route an alert matches', async () => {
    const dbHook = await receiver();
    const opsHook = await receiver();
    const stack = await startNotifierStack(configOf(`channels:\n  - { id: db-hook, type: webhook, url: "${dbHook.url}" }\n  - { id: ops-hook, type: webhook, url: "${opsHook.url}" }\ndefaultRoute: { groupWait: 0s }\nroutes:\n  - { match: { team: db }, channels: [db-hook], groupBy: [team] }\n  - { channels: [ops-hook] }\n`));
    cleanups.push(() => stack.close());

    await stack.raise(checkDown('orders-db', { team: 'db' }));
    await eventually('the db notification', () => dbHook.requests.length >= 1 || undefined);
    await sleep(QUIET_MS);

    expect(dbHook.bodies<AlertmanagerMessage>()[0]).toMatchObject({ receiver: 'db-hook', groupKey: '{}/{team="db"}:{team="db"}', groupLabels: { team: 'db' } });
    expect(opsHook.requests).toHaveLength(0);
  });

  it('drops an alert no route matches with a warning, without failing the job', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url, 'routes:\n  - { match: { team: db }, channels: [ops-hook] }\n');

    await stack.raise(shopApiDown(), 'unrouted');
    await eventually('the job handled', async () => (await stack.alerts.getJobState('unrouted')) === 'completed' || undefined);

    expect(stack.logs.find((line) => line.msg === 'alert matched no route; nobody is notified')).toMatchObject({ level: 40, labels: { team: 'shop' } });
    expect(hook.requests).toHaveLength(0);
  });

  it('sends no resolved notification through a route with sendResolved false', async () => {
    const hook = await receiver();
    const stack = await stackFor(hook.url, 'routes:\n  - { channels: [ops-hook], sendResolved: false }\n');

    await stack.raise(shopApiDown());
    await eventually('the firing notification', () => hook.requests.length >= 1 || undefined);
    await stack.raise(recovered(shopApiDown()), 'resolved');
    await eventually('the resolved job handled', async () => (await stack.alerts.getJobState('resolved')) === 'completed' || undefined);
    await sleep(QUIET_MS);

    expect(hook.bodies<AlertmanagerMessage>().map((body) => body.status)).toEqual(['firing']);
  });
});
