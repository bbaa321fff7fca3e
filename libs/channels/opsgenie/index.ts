import { z } from 'zod';
import { httpUrl, inMs, show } from '../../config/fields.js';
import type { AlertEvent } from '../../queues/index.js';
import { channelFields } from '../channel-config.js';
import type { ReceiverAnswer } from '../errors.js';
import { postJson } from '../http.js';
import { alertView, renderTemplate, templateText, truncate } from '../template.js';
import { defineChannel, type Notification } from '../types.js';

export const OPSGENIE_API_URL = 'https://api.opsgenie.com';
export const OPSGENIE_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export type OpsgeniePriority = (typeof OPSGENIE_PRIORITIES)[number];

/** Opsgenie's own limits (Alert API): longer values are cut by Vigil rather than refused. */
export const OPSGENIE_LIMITS = {
  message: 130,
  description: 15_000,
  note: 25_000,
  entity: 512,
  tagLength: 50,
  tagCount: 20,
  /** All keys and values of `details` together. */
  details: 8_000,
} as const;

const PRIORITY_OF_SEVERITY: Record<string, OpsgeniePriority> = { critical: 'P1', warning: 'P3', info: 'P5' };

export const DEFAULT_MESSAGE_TEMPLATE = '{{ labels.alertname }}{{#labels.check}}: {{ labels.check }}{{/labels.check}}';
export const DEFAULT_DESCRIPTION_TEMPLATE = [
  '{{#annotations.summary}}{{ annotations.summary }}',
  '',
  '{{/annotations.summary}}',
  '{{#annotations.description}}{{ annotations.description }}',
  '',
  '{{/annotations.description}}',
  'Firing since {{ startsAt }}.',
  '{{#externalURL}}Vigil: {{ externalURL }}{{/externalURL}}',
].join('\n');
export const DEFAULT_NOTE_TEMPLATE = 'Resolved by Vigil{{#endsAt}} at {{ endsAt }}{{/endsAt}}.';

const tag = z.string().min(1).max(OPSGENIE_LIMITS.tagLength, { error: `expected a tag of at most ${OPSGENIE_LIMITS.tagLength} characters` });

const schema = inMs(z.strictObject({
  ...channelFields('opsgenie'),
  /** https://api.eu.opsgenie.com for an account in Opsgenie's EU region. */
  apiUrl: httpUrl.default(OPSGENIE_API_URL),
  /** The key of an Opsgenie API integration; a secret: `apiKey: ${OPSGENIE_API_KEY}`. */
  apiKey: z.string().regex(/^\S+$/, {
    // Never echo the value: it is a secret.
    error: 'expected the API key of an Opsgenie API integration, without spaces (give it from the environment: apiKey: ${OPSGENIE_API_KEY})',
  }),
  /** For alerts whose `severity` label is not critical, warning or info. */
  priority: z.enum(OPSGENIE_PRIORITIES, {
    error: (issue) => `expected one of ${OPSGENIE_PRIORITIES.map((name) => `"${name}"`).join(', ')}, got ${show(issue.input)}`,
  }).default('P3'),
  /** Added to every alert, before the `name:value` tags made from its labels. */
  tags: z.array(tag).max(OPSGENIE_LIMITS.tagCount).default(() => []),
  /** Templates over one alert (labels, annotations, startsAt, ... of that alert at the top). */
  message: templateText.default(DEFAULT_MESSAGE_TEMPLATE),
  description: templateText.default(DEFAULT_DESCRIPTION_TEMPLATE),
  note: templateText.default(DEFAULT_NOTE_TEMPLATE),
}), ['timeout']);

export type OpsgenieChannelConfig = z.output<typeof schema>;

export interface OpsgenieCreateAlert {
  message: string;
  alias: string;
  description: string;
  priority: OpsgeniePriority;
  tags: string[];
  details: Record<string, string>;
  source: 'Vigil';
  entity?: string;
}

export interface OpsgenieCloseAlert {
  source: 'Vigil';
  note: string;
}

/**
 * One Alert API request per alert: a firing alert creates (or, with the same alias, adds to)
 * an Opsgenie alert whose alias is the alert's fingerprint; a resolved one closes it by that
 * alias. Any failure fails the whole send; the retry repeats every request, which Opsgenie
 * absorbs (alias deduplication, closing a closed alert changes nothing).
 */
export const opsgenie = defineChannel({
  type: 'opsgenie',
  schema,

  async send(config, notification, ctx) {
    let answer: ReceiverAnswer = {};
    const count = notification.alerts.length;
    for (const [index, alert] of notification.alerts.entries()) {
      const request = opsgenieRequest(config, notification, alert);
      answer = await postJson(config, {
        url: request.url,
        payload: request.body,
        headers: { authorization: `GenieKey ${config.apiKey}` },
        detail: `(${request.action} ${index + 1} of ${count})`,
      }, ctx);
    }
    return answer;
  },
});

export function opsgenieRequest(config: OpsgenieChannelConfig, notification: Notification, alert: AlertEvent):
  { action: 'create'; url: string; body: OpsgenieCreateAlert } | { action: 'close'; url: string; body: OpsgenieCloseAlert } {
  const base = config.apiUrl.replace(/\/+$/, '');
  const view = alertView(notification, alert);
  const render = (template: string): string => renderTemplate(template, view, 'none').trim();
  if (alert.status === 'resolved') {
    return {
      action: 'close',
      url: `${base}/v2/alerts/${encodeURIComponent(alert.fingerprint)}/close?identifierType=alias`,
      body: { source: 'Vigil', note: truncate(render(config.note), OPSGENIE_LIMITS.note) },
    };
  }
  const check = alert.labels.check;
  return {
    action: 'create',
    url: `${base}/v2/alerts`,
    body: {
      // Opsgenie requires a message; a template that renders nothing falls back.
      message: truncate(render(config.message) || alert.labels.alertname || 'Vigil alert', OPSGENIE_LIMITS.message),
      alias: alert.fingerprint,
      description: truncate(render(config.description), OPSGENIE_LIMITS.description),
      priority: PRIORITY_OF_SEVERITY[alert.labels.severity?.trim().toLowerCase() ?? ''] ?? config.priority,
      tags: tagsOf(config.tags, alert.labels),
      details: detailsOf(alert.labels),
      source: 'Vigil',
      ...(check ? { entity: truncate(check, OPSGENIE_LIMITS.entity) } : {}),
    },
  };
}

/** Configured tags first (they were chosen on purpose), then `name:value` per label, within Opsgenie's limits. */
function tagsOf(configured: readonly string[], labels: Record<string, string>): string[] {
  const fromLabels = Object.entries(labels).map(([name, value]) => truncate(`${name}:${value}`, OPSGENIE_LIMITS.tagLength));
  return [...new Set([...configured, ...fromLabels])].slice(0, OPSGENIE_LIMITS.tagCount);
}

/** The labels, the last ones cut or left out so keys and values stay within Opsgenie's total. */
function detailsOf(labels: Record<string, string>): Record<string, string> {
  const details: Record<string, string> = {};
  let left: number = OPSGENIE_LIMITS.details;
  for (const [name, value] of Object.entries(labels)) {
    const room = left - name.length;
    if (room < 1) break;
    details[name] = truncate(value, room);
    left = room - details[name]!.length;
  }
  return details;
}
