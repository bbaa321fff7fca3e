import { describe, expect, it } from 'vitest';
import { buildAlertmanagerMessage, commonPairs, ZERO_TIME, type Notification } from '../../../libs/channels/index.js';
import type { AlertEvent } from '../../../libs/queues/index.js';

function alert(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    fingerprint: 'f1',
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
    annotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
    startsAt: '2025-03-01T10:00:00.000Z',
    ...overrides,
  };
}

function notification(alerts: AlertEvent[]): Notification {
  return { id: 'msg_1', receiver: 'ops-hook', groupKey: '{}:{check="shop-api"}', groupLabels: { check: 'shop-api' }, alerts, externalURL: 'https://vigil.example' };
}

describe('the Alertmanager webhook message', () => {
  it('carries every field an Alertmanager receiver reads, version "4"', () => {
    expect(buildAlertmanagerMessage(notification([alert()]))).toEqual({
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
        startsAt: '2025-03-01T10:00:00.000Z',
        endsAt: ZERO_TIME,
        generatorURL: '',
        fingerprint: 'f1',
      }],
    });
  });

  it('shows a firing alert as not ended yet with Go zero time, as Alertmanager does', () => {
    expect(ZERO_TIME).toBe('0001-01-01T00:00:00Z');
    expect(buildAlertmanagerMessage(notification([alert()])).alerts[0]?.endsAt).toBe(ZERO_TIME);
  });

  it('shows when a resolved alert ended', () => {
    const message = buildAlertmanagerMessage(notification([alert({ status: 'resolved', endsAt: '2025-03-01T10:05:00.000Z' })]));
    expect(message.status).toBe('resolved');
    expect(message.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2025-03-01T10:05:00.000Z' });
  });

  it.each([
    { statuses: ['firing'], expected: 'firing' },
    { statuses: ['resolved'], expected: 'resolved' },
    { statuses: ['resolved', 'firing'], expected: 'firing' },
    { statuses: ['resolved', 'resolved'], expected: 'resolved' },
  ] as const)('is $expected when its alerts are $statuses', ({ statuses, expected }) => {
    const alerts = statuses.map((status, index) => alert({ status, fingerprint: `f${index}` }));
    expect(buildAlertmanagerMessage(notification(alerts)).status).toBe(expected);
  });

  it('lists as common only the labels and annotations every alert shares with the same value', () => {
    const message = buildAlertmanagerMessage(notification([
      alert({ labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop', region: 'eu' }, annotations: { summary: 'down', runbook: 'r1' } }),
      alert({ fingerprint: 'f2', labels: { alertname: 'CheckDown', check: 'cart-api', team: 'shop' }, annotations: { summary: 'down' } }),
    ]));
    expect(message.commonLabels).toEqual({ alertname: 'CheckDown', team: 'shop' });
    expect(message.commonAnnotations).toEqual({ summary: 'down' });
  });

  it.each<{ sets: Array<Record<string, string>>; common: Record<string, string> }>([
    { sets: [], common: {} },
    { sets: [{ a: '1' }], common: { a: '1' } },
    { sets: [{ a: '1', b: '2' }, { a: '1', b: '3' }], common: { a: '1' } },
    { sets: [{ a: '' }, {}], common: {} },
    { sets: [{ a: '1' }, { a: '1' }, { b: '1' }], common: {} },
  ])('finds $common common to $sets', ({ sets, common }) => {
    expect(commonPairs(sets)).toEqual(common);
  });

  it('does not share label objects with the alert it was built from', () => {
    const source = alert();
    const message = buildAlertmanagerMessage(notification([source]));
    message.alerts[0]!.labels.extra = 'x';
    expect(source.labels).not.toHaveProperty('extra');
  });
});
