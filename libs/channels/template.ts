import Mustache from 'mustache';
import { z } from 'zod';
import { commonPairs } from './alertmanager-message.js';
import type { Notification } from './types.js';

/**
 * Message templates a user can change: Mustache (logic-less: `{{ labels.check }}`, sections
 * over lists such as `{{#firing}}…{{/firing}}`), rendered from plain data only, so a template
 * can never run code. Each channel says how values are escaped for its format; `{{{ x }}}`
 * leaves a value as it is.
 */

export interface TemplateAlert {
  status: 'firing' | 'resolved';
  firing: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Empty while firing. */
  endsAt: string;
  fingerprint: string;
}

/** What a template sees. */
export interface TemplateView {
  /** "firing" when any alert fires, else "resolved". */
  status: 'firing' | 'resolved';
  /** "FIRING" or "RESOLVED", for titles. */
  statusText: string;
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: TemplateAlert[];
  firing: TemplateAlert[];
  resolved: TemplateAlert[];
  firingCount: number;
  resolvedCount: number;
  /** `[FIRING:2] CheckDown shop-api`: status, count, and the group's labels' values. */
  title: string;
}

export type Escape = 'none' | 'html' | 'slack' | 'json';

const ESCAPES: Record<Escape, (text: string) => string> = {
  none: (text) => text,
  html: (text) => text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!),
  // Slack's mrkdwn gives &, < and > meaning (links, mentions); nothing else needs escaping.
  slack: (text) => text.replace(/[&<>]/g, (char) => HTML_ENTITIES[char]!),
  // Inside a JSON string in the template: quotes, backslashes and control characters escaped.
  json: (text) => JSON.stringify(text).slice(1, -1),
};

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function templateView(notification: Notification): TemplateView {
  const alerts = notification.alerts.map((alert): TemplateAlert => ({
    status: alert.status,
    firing: alert.status === 'firing',
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: alert.startsAt,
    endsAt: alert.endsAt ?? '',
    fingerprint: alert.fingerprint,
  }));
  const firing = alerts.filter((alert) => alert.firing);
  const resolved = alerts.filter((alert) => !alert.firing);
  const status = firing.length > 0 ? 'firing' : 'resolved';
  const commonLabels = commonPairs(alerts.map((alert) => alert.labels));
  const statusText = status.toUpperCase();
  const count = status === 'firing' ? firing.length : resolved.length;
  const about = [commonLabels.alertname, ...Object.values(notification.groupLabels).filter((value) => value !== commonLabels.alertname)].filter(Boolean).join(' ');
  return {
    status,
    statusText,
    receiver: notification.receiver,
    groupKey: notification.groupKey,
    groupLabels: { ...notification.groupLabels },
    commonLabels,
    commonAnnotations: commonPairs(alerts.map((alert) => alert.annotations)),
    externalURL: notification.externalURL,
    alerts,
    firing,
    resolved,
    firingCount: firing.length,
    resolvedCount: resolved.length,
    title: `[${statusText}:${count}]${about ? ` ${about}` : ''}`,
  };
}

/** Renders `template` over the notification; values are escaped for the channel's format. */
export function renderTemplate(template: string, notification: Notification | TemplateView, escape: Escape = 'none'): string {
  const view = 'alerts' in notification && 'statusText' in notification ? notification : templateView(notification as Notification);
  // No partials: a template cannot pull in anything but the view.
  // Mustache hands numbers (firingCount) to the escape function as they are.
  return Mustache.render(template, view, {}, { escape: (value: unknown) => ESCAPES[escape](String(value)) });
}

/** Longest template accepted: a message template, not a program. */
export const TEMPLATE_MAX_LENGTH = 16_384;

/** Why `template` cannot be rendered (an unclosed section, a stray tag), or undefined. */
export function templateProblem(template: string): string | undefined {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A template in the configuration: checked when the file is loaded, not when an alert fires. */
export const templateText = z.string().max(TEMPLATE_MAX_LENGTH, { error: `expected a template of at most ${TEMPLATE_MAX_LENGTH} characters` }).superRefine((template, ctx) => {
  const problem = templateProblem(template);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `expected a message template like "{{ labels.check }} is {{ status }}", got one that does not parse (${problem})` });
});
