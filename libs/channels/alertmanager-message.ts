import type { AlertEvent, AlertStatus } from '../queues/index.js';
import type { Notification } from './types.js';

/**
 * Alertmanager's webhook body (version "4"), so receivers written for Alertmanager
 * (and its templates' .CommonLabels, .GroupLabels, ...) work against Vigil unchanged.
 */
export interface AlertmanagerMessage {
  version: '4';
  groupKey: string;
  /** Alerts left out to respect a receiver's max_alerts; Vigil never truncates. */
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export interface AlertmanagerAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Go's zero time, which Alertmanager prints for an alert with no end yet. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function buildAlertmanagerMessage(notification: Notification): AlertmanagerMessage {
  const { alerts } = notification;
  return {
    version: '4',
    groupKey: notification.groupKey,
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: notification.receiver,
    groupLabels: { ...notification.groupLabels },
    commonLabels: commonPairs(alerts.map((alert) => alert.labels)),
    commonAnnotations: commonPairs(alerts.map((alert) => alert.annotations)),
    externalURL: notification.externalURL,
    alerts: alerts.map(toAlertmanagerAlert),
  };
}

function toAlertmanagerAlert(alert: AlertEvent): AlertmanagerAlert {
  return {
    status: alert.status,
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: alert.startsAt,
    endsAt: alert.endsAt ?? ZERO_TIME,
    generatorURL: '',
    fingerprint: alert.fingerprint,
  };
}

/** The name/value pairs every set shares; with one set, all of it. */
export function commonPairs(sets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (first === undefined) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((set) => Object.hasOwn(set, name) && set[name] === value)) common[name] = value;
  }
  return common;
}
