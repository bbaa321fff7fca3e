import pino from 'pino';
import { afterEach } from 'vitest';
import type { Notification } from '../../libs/channels/types.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import { RecordingReceiver, type Responder } from './recording-receiver.js';

/** What a channel logs is not what the channel tests check. */
export const log = pino({ level: 'silent' });

/**
 * Registers an afterEach that stops every receiver the test started, and returns the starter:
 * `const receiver = useReceivers(() => ({ status: 204 }))`, then `await receiver()` in a test.
 * Without a default responder the receiver answers 200 with no body.
 */
export function useReceivers(defaultResponder?: Responder): (responder?: Responder) => Promise<RecordingReceiver> {
  const receivers: RecordingReceiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
  });
  return async (responder = defaultResponder) => {
    const started = new RecordingReceiver(responder);
    receivers.push(started);
    await started.start();
    return started;
  };
}

/** The error a send failed with; a send that succeeds fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error('expected the send to fail'); }, (err: unknown) => err as Error);
}

/** One notification of one group; `fields` changes the rest (receiver, externalURL, groupLabels). */
export function notificationOf(alerts: AlertEvent[], fields: Partial<Notification> = {}): Notification {
  return { id: 'msg_1', receiver: 'ops', groupKey: '{}:{alertname="CheckDown"}', groupLabels: { alertname: 'CheckDown' }, alerts, externalURL: 'https://vigil.example', ...fields };
}

/** What the chat channels' tests (Slack, Discord, Teams, Mattermost) post: one alert firing, one resolved. */
export const chatAlerts: { firing: AlertEvent; resolved: AlertEvent } = {
  firing: {
    fingerprint: 'f1',
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'shop-api' },
    annotations: { summary: 'shop-api is down' },
    startsAt: '2026-03-01T10:00:00.000Z',
  },
  resolved: {
    fingerprint: 'f2',
    status: 'resolved',
    labels: { alertname: 'CheckDown', check: 'billing' },
    annotations: { summary: 'billing is down' },
    startsAt: '2026-03-01T09:00:00.000Z',
    endsAt: '2026-03-01T10:05:00.000Z',
  },
};

/** The chat channels' firing alert for another check: one line of the message each. */
export function withCheck(check: string, summary = 'down'): AlertEvent {
  const { firing } = chatAlerts;
  return { ...firing, labels: { ...firing.labels, check }, annotations: { summary } };
}

/**
 * What the paging and push channels' tests (PagerDuty, Opsgenie, Telegram, ntfy) send. The
 * firing alert has no severity: each test adds the one its channel maps.
 */
export const pushAlerts: { firing: AlertEvent; resolved: AlertEvent } = {
  firing: {
    fingerprint: 'fp-firing',
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'shop-api' },
    annotations: { summary: 'shop-api is down from 2 regions' },
    startsAt: '2025-03-01T10:00:00.000Z',
  },
  resolved: {
    fingerprint: 'fp-resolved',
    status: 'resolved',
    labels: { alertname: 'CheckDown', check: 'shop-web' },
    annotations: {},
    startsAt: '2025-03-01T09:00:00.000Z',
    endsAt: '2025-03-01T10:05:00.000Z',
  },
};

/** The push tests' firing alert with a `severity` label, after the others as those tests list it. */
export function pushFiringWith(severity: string): AlertEvent {
  const { firing } = pushAlerts;
  return { ...firing, labels: { ...firing.labels, severity } };
}

/** A notification of the push tests' alerts; those tests' links point at vigil.example.com. */
export function pushNotificationOf(...alerts: AlertEvent[]): Notification {
  return notificationOf(alerts, { externalURL: 'https://vigil.example.com' });
}
