/**
 * Timelines in the spirit of Alertmanager's acceptance tests: real notifiers on a real Redis, a
 * real receiver, events at given times, and windows in which exactly the expected
 * notifications must arrive. A duplicate or a missing notification fails the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledge, createMaintenanceWindow, createSilence, expireSilence, parseMatchers, type ActiveAlert } from '../../../libs/alerts/index.js';
import type { AlertmanagerMessage } from '../../../libs/channels/index.js';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { eventually } from '../../support/infra.js';
import { checkDown, configOf, recovered, startNotifierStack, type NotifierStack } from '../../support/notifier-stack.js';
import { RecordingReceiver, sleep } from '../../support/recording-receiver.js';
import { startSmtpServer } from '../../support/smtp-server.js';

const QUIET_MS = 500;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<RecordingReceiver> {
  const created = new RecordingReceiver();
  cleanups.push(() => created.stop());
  await created.start();
  return created;
}

async function stackWith(yaml: string, options: Parameters<typeof startNotifierStack>[1] = {}): Promise<NotifierStack> {
  const stack = await startNotifierStack(configOf(yaml), options);
  cleanups.push(() => stack.close());
  return stack;
}

function hookChannels(hooks: Record<string, RecordingReceiver>): string {
  return `channels:\n${Object.entries(hooks).map(([id, hook]) => `  - { id: ${id}, type: webhook, url: "${hook.url}" }`).join('\n')}\n`;
}

/** What each message said: its status and the checks of its alerts with their status. */
function summaries(hook: RecordingReceiver): string[] {
  return hook.bodies<AlertmanagerMessage>().map((body) => `${body.status}: ${body.alerts.map((alert) => `${alert.labels.check}=${alert.status}`).join(' ')}`);
}

async function messages(hook: RecordingReceiver, count: number, what = `${count} messages`): Promise<void> {
  await eventually(what, () => hook.requests.length >= count || undefined, 10_000, 20);
}

/** Writes the alert as the evaluator's alert store holds it (inhibition reads the store). */
async function markActive(stack: NotifierStack, alert: AlertEvent): Promise<void> {
  const active: ActiveAlert = { fingerprint: alert.fingerprint, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, rule: 'down', subject: `${alert.labels.check}@default` };
  await stack.redis.hset(REDIS_KEYS.activeAlerts, alert.fingerprint, JSON.stringify(active));
}

const sinceNow = (agoMs = 0) => new Date(Date.now() - agoMs).toISOString();

describe('grouping', () => {
  it('sends the alerts that arrive within groupWait as one message', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupBy: [alertname], groupWait: 600ms, groupInterval: 1h }\n`);

    for (const check of ['a', 'b', 'c']) await stack.raise(checkDown(check));
    await messages(hook, 1);
    await sleep(QUIET_MS);

    expect(summaries(hook)).toEqual(['firing: a=firing b=firing c=firing']);
  });

  it('holds a change to a group that was sent until groupInterval has passed, then sends the whole group', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupBy: [alertname], groupWait: 0s, groupInterval: 1500ms }\n`);

    await stack.raise(checkDown('a'));
    await messages(hook, 1);
    const firstAt = Date.now();
    await stack.raise(checkDown('b'));
    await messages(hook, 2);

    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(1_200);
    expect(summaries(hook)).toEqual(['firing: a=firing', 'firing: a=firing b=firing']);
  });

  it('repeats an unchanged firing group after repeatInterval, and not before', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms, repeatInterval: 1s }\n`);

    await stack.raise(checkDown('a'));
    await messages(hook, 1);
    await sleep(700);
    expect(hook.requests).toHaveLength(1);
    await messages(hook, 2, 'the repeat');

    expect(summaries(hook)).toEqual(['firing: a=firing', 'firing: a=firing']);
    expect(hook.requests[1]?.headers['webhook-id']).not.toBe(hook.requests[0]?.headers['webhook-id']);
  });

  it('sends one message per group when many checks go down at once', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupBy: [team], groupWait: 500ms, groupInterval: 1h }\n`);

    await stack.alerts.addBulk(Array.from({ length: 300 }, (_, index) => {
      const alert = checkDown(`svc-${index}`, { team: index % 3 === 0 ? 'db' : 'shop' });
      return { name: 'alert', data: alert, opts: { jobId: `storm-${index}` } };
    }));
    await messages(hook, 2);
    await sleep(QUIET_MS);

    const sizes = hook.bodies<AlertmanagerMessage>().map((body) => `${body.groupLabels.team}:${body.alerts.length}`).sort();
    expect(sizes).toEqual(['db:100', 'shop:200']);
  });
});

describe('silences', () => {
  it('sends nothing for a silenced alert, and sends it once the silence is expired', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 300ms }\n`);
    const silence = await createSilence(stack.redis, { matchers: parseMatchers('check=a'), durationMs: 3_600_000, createdBy: 'ana', comment: 'deploying' });

    await stack.raise(checkDown('a'));
    await stack.raise(checkDown('b'));
    await messages(hook, 1);
    await sleep(QUIET_MS);
    expect(summaries(hook)).toEqual(['firing: b=firing']);

    await expireSilence(stack.redis, silence.id);
    await messages(hook, 2, 'the alert after the silence');
    expect(summaries(hook)[1]).toBe('firing: a=firing');
  });

  it('sends the resolved notice of an alert silenced after it fired when the silence says notifyResolved', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms }\n`);

    await stack.raise(checkDown('a'));
    await messages(hook, 1);
    await createSilence(stack.redis, { matchers: parseMatchers('check=a'), durationMs: 3_600_000, createdBy: 'ana', comment: 'known', notifyResolved: true });
    await sleep(1_100); // the notifier reads silences at most a second old
    await stack.raise(recovered(checkDown('a')));
    await messages(hook, 2);

    expect(summaries(hook)).toEqual(['firing: a=firing', 'resolved: a=resolved']);
  });

  it('sends no resolved notice for an alert silenced without notifyResolved', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms }\n`);

    await stack.raise(checkDown('a'));
    await messages(hook, 1);
    await createSilence(stack.redis, { matchers: parseMatchers('check=a'), durationMs: 3_600_000, createdBy: 'ana', comment: 'known' });
    await sleep(1_100);
    await stack.raise(recovered(checkDown('a')), 'resolved');
    await eventually('the resolved event handled', async () => (await stack.alerts.getJobState('resolved')) === 'completed' || undefined);
    await sleep(QUIET_MS);

    expect(summaries(hook)).toEqual(['firing: a=firing']);
  });
});

describe('acknowledgements', () => {
  it('stop an acknowledged alert from repeating, but not a new outage of the same check', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms, repeatInterval: 600ms }\n`);
    const outage = checkDown('a', {}, sinceNow());
    await markActive(stack, outage);

    await stack.raise(outage);
    await messages(hook, 1);
    await acknowledge(stack.redis, { target: 'a', by: 'ana', comment: 'on it' });
    await sleep(1_500);
    expect(hook.requests).toHaveLength(1);

    await stack.raise(recovered(outage));
    await messages(hook, 2);
    const next = checkDown('a', {}, sinceNow());
    await markActive(stack, next);
    await stack.raise(next);
    await messages(hook, 3);
    await messages(hook, 4, 'the new outage repeating');
    expect(summaries(hook)).toEqual(['firing: a=firing', 'resolved: a=resolved', 'firing: a=firing', 'firing: a=firing']);
  });
});

describe('inhibition', () => {
  it('holds the alerts of a check whose dependency is down, and sends them when the dependency recovers', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms }\nchecks:\n  - { id: gateway, type: tcp, host: 127.0.0.1, port: 9 }\n  - { id: shop, type: tcp, host: 127.0.0.1, port: 9, dependsOn: [gateway] }\n`);
    const gatewayDown = checkDown('gateway');
    await markActive(stack, gatewayDown);

    await stack.raise(gatewayDown);
    await stack.raise(checkDown('shop'));
    await messages(hook, 1);
    await sleep(QUIET_MS);
    expect(summaries(hook)).toEqual(['firing: gateway=firing']);

    await stack.redis.hdel(REDIS_KEYS.activeAlerts, gatewayDown.fingerprint);
    await stack.raise(recovered(gatewayDown));
    await messages(hook, 3);
    expect(summaries(hook).slice(1).sort()).toEqual(['firing: shop=firing', 'resolved: gateway=resolved']);
  });

  it('holds targets matching an inhibit rule only while a source with equal labels fires', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms }\ninhibitRules:\n  - { source: ['alertname="SiteDown"'], target: ['alertname="CheckDown"'], equal: [site] }\n`);
    const siteDown: AlertEvent = { ...checkDown('edge', { site: 'fra' }), fingerprint: 'site-fra', labels: { alertname: 'SiteDown', check: 'edge', site: 'fra' } };
    await markActive(stack, siteDown);

    await stack.raise(checkDown('fra-api', { site: 'fra' }));
    await stack.raise(checkDown('ams-api', { site: 'ams' }));
    await messages(hook, 1);
    await sleep(QUIET_MS);

    expect(summaries(hook)).toEqual(['firing: ams-api=firing']);
  });
});

describe('maintenance windows', () => {
  it('hold the alerts of a check in maintenance and mark it for the evaluator', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 0s, groupInterval: 200ms }\nchecks:\n  - { id: db, type: tcp, host: 127.0.0.1, port: 9 }\n  - { id: web, type: tcp, host: 127.0.0.1, port: 9 }\n`);
    await createMaintenanceWindow(stack.redis, { name: 'db upgrade', createdBy: 'ana', checks: ['db'], matchers: [], schedule: { kind: 'once', startsAt: sinceNow(60_000), endsAt: new Date(Date.now() + 3_600_000).toISOString() } }, new Date());
    await stack.notifiers[0]!.sweep();

    await stack.raise(checkDown('db'));
    await stack.raise(checkDown('web'));
    await messages(hook, 1);
    await sleep(QUIET_MS);

    expect(summaries(hook)).toEqual(['firing: web=firing']);
    expect(await stack.redis.smembers(REDIS_KEYS.maintenance)).toEqual(['db']);
  });
});

describe('escalation', () => {
  it('tells the escalation channel about an alert unacknowledged for its delay, once', async () => {
    const oncall = await receiver();
    const manager = await receiver();
    const stack = await stackWith(`${hookChannels({ oncall, manager })}defaultRoute: { groupWait: 0s, groupInterval: 1h }\nroutes:\n  - { channels: [oncall], escalate: [{ after: 1s, channels: [manager] }] }\n`);

    await stack.raise(checkDown('a', {}, sinceNow()));
    await messages(oncall, 1);
    expect(manager.requests).toHaveLength(0);
    await messages(manager, 1, 'the escalation');
    await sleep(QUIET_MS);

    expect(oncall.requests).toHaveLength(1);
    expect(summaries(manager)).toEqual(['firing: a=firing']);
  });

  it('does not escalate an acknowledged alert', async () => {
    const oncall = await receiver();
    const manager = await receiver();
    const stack = await stackWith(`${hookChannels({ oncall, manager })}defaultRoute: { groupWait: 0s, groupInterval: 1h }\nroutes:\n  - { channels: [oncall], escalate: [{ after: 1s, channels: [manager] }] }\n`);
    const outage = checkDown('a', {}, sinceNow());
    await markActive(stack, outage);

    await stack.raise(outage);
    await messages(oncall, 1);
    await acknowledge(stack.redis, { target: outage.fingerprint, by: 'ana' });
    await sleep(1_800);

    expect(manager.requests).toHaveLength(0);
  });
});

describe('exactly once toward people', () => {
  it('sends each notification once with two notifier replicas on the same events', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupWait: 300ms, groupInterval: 300ms }\n`, { replicas: 2 });

    for (const check of ['a', 'b', 'c', 'd']) await stack.raise(checkDown(check));
    await messages(hook, 4);
    for (const check of ['a', 'b', 'c', 'd']) await stack.raise(recovered(checkDown(check)));
    await messages(hook, 8);
    await sleep(QUIET_MS);

    expect(summaries(hook).sort()).toEqual(['a', 'b', 'c', 'd'].flatMap((check) => [`firing: ${check}=firing`, `resolved: ${check}=resolved`]).sort());
    expect(new Set(hook.requests.map((request) => request.headers['webhook-id'])).size).toBe(8);
  });

  it('neither loses nor doubles a group message pending when its notifier stops', async () => {
    const hook = await receiver();
    const stack = await stackWith(`${hookChannels({ ops: hook })}defaultRoute: { groupBy: [alertname], groupWait: 1500ms, groupInterval: 1h }\n`);

    await stack.raise(checkDown('a'));
    await stack.raise(checkDown('b'));
    await eventually('both in the group', async () => (await stack.redis.hlen(REDIS_KEYS.group('{}:{alertname="CheckDown"}'))) >= 7 || undefined);
    await stack.notifiers.shift()!.close();
    stack.startReplica();
    await messages(hook, 1);
    await sleep(QUIET_MS);

    expect(summaries(hook)).toEqual(['firing: a=firing b=firing']);
  });
});

describe('email', () => {
  it('mails one message per group notification to a real SMTP server, the resolved one included', async () => {
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    const stack = await stackWith(`channels:\n  - { id: mail, type: email, host: 127.0.0.1, port: ${smtp.port}, from: vigil@example.com, to: [ops@example.com], timeout: 5s }\ndefaultRoute: { groupBy: [alertname], groupWait: 300ms, groupInterval: 300ms }\n`);

    await stack.raise(checkDown('a'));
    await stack.raise(checkDown('b'));
    await eventually('the firing mail', () => smtp.received.length >= 1 || undefined, 10_000);
    await stack.raise(recovered(checkDown('a')));
    await eventually('the next mail', () => smtp.received.length >= 2 || undefined, 10_000);
    await sleep(QUIET_MS);

    expect(smtp.received.map(({ mail }) => mail.subject)).toEqual(['[FIRING:2] CheckDown', '[FIRING:1] CheckDown']);
    expect(smtp.received[1]?.mail.text).toMatch(/Resolved/i);
    expect(smtp.received.map(({ envelope }) => envelope.to)).toEqual([['ops@example.com'], ['ops@example.com']]);
  });
});

describe('rate limits', () => {
  it('sends at most the channel limit per window and the rest in the next one', async () => {
    const hook = await receiver();
    const stack = await stackWith(`channels:\n  - { id: ops, type: webhook, url: "${hook.url}", rateLimit: { max: 2, per: 1s } }\ndefaultRoute: { groupWait: 0s, groupInterval: 1h }\n`);
    const times: number[] = [];
    const original = hook.requests.push.bind(hook.requests);
    hook.requests.push = (...items) => {
      times.push(Date.now());
      return original(...items);
    };

    for (const check of ['a', 'b', 'c', 'd']) await stack.raise(checkDown(check));
    await messages(hook, 4);

    const sorted = [...times].sort((x, y) => x - y);
    expect(sorted[2]! - sorted[0]!).toBeGreaterThanOrEqual(800);
  });
});
