import Mustache from 'mustache';
import { z } from 'zod';
import { commonPairs } from './alertmanager-message.js';
import type { AlertEvent } from '../queues/index.js';
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

/**
 * Renders `template` over the notification; values are escaped for the channel's format, or by
 * the channel's own function for a format with rules of its own (Discord markdown).
 */
export function renderTemplate(template: string, notification: Notification | TemplateView, escape: Escape | ((text: string) => string) = 'none'): string {
  const view = 'alerts' in notification && 'statusText' in notification ? notification : templateView(notification as Notification);
  const escapeText = typeof escape === 'function' ? escape : ESCAPES[escape];
  // No partials: a template cannot pull in anything but the view.
  // Mustache hands numbers (firingCount) to the escape function as they are.
  return Mustache.render(template, view, {}, { escape: (value: unknown) => escapeText(String(value)) });
}

export type AlertTemplateView = TemplateView & Pick<TemplateAlert, 'labels' | 'annotations' | 'fingerprint' | 'startsAt' | 'endsAt'>;

/**
 * What a per-alert template sees (PagerDuty, Opsgenie: one request per alert): the view of a
 * notification holding just this alert, with the alert's own fields at the top so
 * `{{ labels.check }}` works without a section.
 */
export function alertView(notification: Notification, alert: AlertEvent): AlertTemplateView {
  const view = templateView({ ...notification, alerts: [alert] });
  const { labels, annotations, fingerprint, startsAt, endsAt } = view.alerts[0]!;
  return { ...view, labels, annotations, fingerprint, startsAt, endsAt };
}

/**
 * A backslash before each character markdown (Discord's, Mattermost's) acts on, so a value (a
 * probe's error message, say) cannot turn into bold text, a spoiler, a masked link or a
 * mention; line breaks become spaces so a value stays on its alert's line.
 */
export function escapeMarkdown(value: string): string {
  return value.replace(/\r\n?|\n/g, ' ').replace(/[\\*_~`|<>()#]/g, '\\$&');
}

/** Section tags on their own lines leave blank lines at the ends; chat apps would show them. */
export function tidy(text: string): string {
  return text.replace(/^\s*\n/, '').trimEnd();
}

/** Whether a link to externalURL is safe to send: receivers refuse a whole message over an invalid one. */
export function isWebUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/**
 * At most `max` UTF-16 units, ending in "…" when cut, never half a surrogate pair: receivers
 * count characters and refuse what is longer, and half a pair is invalid text.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** At most `maxBytes` of UTF-8, ending in "…" when cut; cuts between code points. For receivers that count bytes. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…', 'utf8');
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
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
