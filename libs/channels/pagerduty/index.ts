import { z } from 'zod';
import { httpUrl, inMs, show } from '../../config/fields.js';
import type { AlertEvent } from '../../queues/index.js';
import { channelFields } from '../channel-config.js';
import type { ReceiverAnswer } from '../errors.js';
import { postJson } from '../http.js';
import { alertView, renderTemplate, templateText, truncate } from '../template.js';
import { defineChannel, type Notification } from '../types.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerdutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

/** PagerDuty refuses a longer payload.summary. */
export const SUMMARY_MAX_LENGTH = 1_024;

/** The alert's summary annotation, else "CheckDown: shop-api". */
export const DEFAULT_SUMMARY_TEMPLATE = '{{#annotations.summary}}{{ annotations.summary }}{{/annotations.summary}}'
  + '{{^annotations.summary}}{{ labels.alertname }}{{#labels.check}}: {{ labels.check }}{{/labels.check}}{{/annotations.summary}}';
export const DEFAULT_SOURCE_TEMPLATE = '{{#labels.check}}{{ labels.check }}{{/labels.check}}{{^labels.check}}vigil{{/labels.check}}';

const schema = inMs(z.strictObject({
  ...channelFields('pagerduty'),
  url: httpUrl.default(PAGERDUTY_EVENTS_URL),
  /** The Events API v2 integration key; a secret: `routingKey: ${PAGERDUTY_ROUTING_KEY}`. */
  routingKey: z.string().regex(/^\S+$/, {
    // Never echo the value: it is a secret.
    error: 'expected the integration key of a PagerDuty Events API v2 integration, without spaces (give it from the environment: routingKey: ${PAGERDUTY_ROUTING_KEY})',
  }),
  /** For alerts whose `severity` label PagerDuty does not know. */
  severity: z.enum(PAGERDUTY_SEVERITIES, {
    error: (issue) => `expected one of ${PAGERDUTY_SEVERITIES.map((name) => `"${name}"`).join(', ')}, got ${show(issue.input)}`,
  }).default('error'),
  /** Templates over one alert (labels, annotations, startsAt, ... of that alert at the top). */
  summary: templateText.default(DEFAULT_SUMMARY_TEMPLATE),
  source: templateText.default(DEFAULT_SOURCE_TEMPLATE),
  component: templateText.optional(),
  group: templateText.optional(),
}), ['timeout']);

export type PagerdutyChannelConfig = z.output<typeof schema>;

export interface PagerdutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerdutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: { labels: Record<string, string>; annotations: Record<string, string> };
  };
  client: 'Vigil';
  client_url?: string;
}

export interface PagerdutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export type PagerdutyEvent = PagerdutyTrigger | PagerdutyResolve;

/**
 * One Events API v2 event per alert, keyed by the alert's fingerprint, so PagerDuty opens one
 * incident per alert and a resolve closes exactly that one. The events go one after another
 * and any failure fails the whole send: the retry repeats them all, which is safe because
 * PagerDuty deduplicates on dedup_key.
 */
export const pagerduty = defineChannel({
  type: 'pagerduty',
  schema,

  async send(config, notification, ctx) {
    let answer: ReceiverAnswer = {};
    const count = notification.alerts.length;
    for (const [index, alert] of notification.alerts.entries()) {
      const event = pagerdutyEvent(config, notification, alert);
      answer = await postJson(config, { url: config.url, payload: event, detail: `(${event.event_action} event ${index + 1} of ${count})` }, ctx);
    }
    return answer;
  },
});

export function pagerdutyEvent(config: PagerdutyChannelConfig, notification: Notification, alert: AlertEvent): PagerdutyEvent {
  const base = { routing_key: config.routingKey, dedup_key: alert.fingerprint };
  if (alert.status === 'resolved') return { ...base, event_action: 'resolve' };

  const view = alertView(notification, alert);
  const render = (template: string): string => renderTemplate(template, view, 'none').trim();
  const component = config.component === undefined ? '' : render(config.component);
  const group = config.group === undefined ? '' : render(config.group);
  const alertname = alert.labels.alertname;
  return {
    ...base,
    event_action: 'trigger',
    payload: {
      // PagerDuty refuses an empty summary or source; a template that renders nothing falls back.
      summary: truncate(render(config.summary) || alertname || 'Vigil alert', SUMMARY_MAX_LENGTH),
      source: render(config.source) || 'vigil',
      severity: severityOf(alert, config.severity),
      timestamp: alert.startsAt,
      ...(component ? { component } : {}),
      ...(group ? { group } : {}),
      ...(alertname ? { class: alertname } : {}),
      custom_details: { labels: { ...alert.labels }, annotations: { ...alert.annotations } },
    },
    client: 'Vigil',
    ...(notification.externalURL ? { client_url: notification.externalURL } : {}),
  };
}

/** The alert's `severity` label when PagerDuty knows it ("page" means critical), else the configured one. */
function severityOf(alert: AlertEvent, fallback: PagerdutySeverity): PagerdutySeverity {
  const label = alert.labels.severity?.trim().toLowerCase();
  if (label === 'page') return 'critical';
  return (PAGERDUTY_SEVERITIES as readonly string[]).includes(label ?? '') ? label as PagerdutySeverity : fallback;
}
