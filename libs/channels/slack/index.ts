import { z } from 'zod';
import { httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { postJson } from '../http.js';
import { isWebUrl, renderTemplate, templateText, templateView, tidy, truncate, type TemplateView } from '../template.js';
import { defineChannel } from '../types.js';

/** One line per alert; mrkdwn, values escaped for Slack. */
export const SLACK_DEFAULT_TEXT = [
  '{{#firing}}',
  ':red_circle: *{{ labels.check }}*: {{ annotations.summary }} (since {{ startsAt }})',
  '{{/firing}}',
  '{{#resolved}}',
  ':large_green_circle: *{{ labels.check }}* resolved at {{ endsAt }}: {{ annotations.summary }}',
  '{{/resolved}}',
].join('\n');

const schema = inMs(z.strictObject({
  ...channelFields('slack'),
  /** The incoming webhook URL; it is the credential, so give it from the environment: `${SLACK_URL}`. */
  url: httpUrl,
  /** The header block, plain text (no escaping needed: Slack shows it as written). */
  title: templateText.default('{{ title }}'),
  /** The alert list, Slack mrkdwn; values are escaped (&, <, >) so they cannot form links or mentions. */
  text: templateText.default(SLACK_DEFAULT_TEXT),
  /** The label of the link to Vigil under the message; empty leaves the link out. */
  linkText: templateText.default('Open Vigil'),
}), ['timeout']);

export type SlackChannelConfig = z.output<typeof schema>;

/** Slack's block limits (Block Kit reference): longer is refused with invalid_blocks. */
const SLACK_HEADER_MAX = 150;
const SLACK_SECTION_MAX = 3_000;
const MAX_BLOCKS = 50;
/** Only notifications and screen readers read the fallback; a screenful is enough. */
const FALLBACK_MAX = 3_000;

/**
 * Posts a Block Kit message to a Slack incoming webhook. Slack answers 200 "ok"; its refusals
 * (400 invalid_payload, 403, 404 no_service, 410 channel_is_archived) are permanent, 429 is
 * retried after its Retry-After, as sendHttp classifies them.
 */
export const slack = defineChannel({
  type: 'slack',
  schema,

  send(config, notification, ctx) {
    const payload = buildSlackMessage(config, templateView(notification));
    return postJson(config, { url: config.url, payload, headers: { 'content-type': 'application/json; charset=utf-8' } }, ctx);
  },
});

type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks?: Block[];
}

export function buildSlackMessage(config: Pick<SlackChannelConfig, 'title' | 'text' | 'linkText'>, view: TemplateView): SlackMessage {
  const header = truncate(tidy(renderTemplate(config.title, view, 'none')), SLACK_HEADER_MAX);
  const text = tidy(renderMrkdwn(config.text, view));
  const link = linkBlock(renderMrkdwn(config.linkText, view).trim(), view.externalURL);
  const sections = sectionTexts(text, MAX_BLOCKS - (header ? 1 : 0) - (link ? 1 : 0));

  const blocks: Block[] = [];
  if (header) blocks.push({ type: 'header', text: { type: 'plain_text', text: header, emoji: true } });
  for (const section of sections) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
  if (link) blocks.push(link);

  // The fallback is mrkdwn too, so the title is rendered again with Slack escaping.
  const fallback = [tidy(renderMrkdwn(config.title, view)), text].filter(Boolean).join('\n');
  const message: SlackMessage = { text: truncate(fallback || escapeSlack(view.title), FALLBACK_MAX) };
  // Slack refuses an empty block list; the text alone is a valid message.
  if (blocks.length > 0) message.blocks = blocks;
  return message;
}

/**
 * The text in sections of at most SLACK_SECTION_MAX characters, cut between lines so an alert
 * stays whole, at most `maxSections` of them; what does not fit ends in "…".
 */
function sectionTexts(text: string, maxSections: number): string[] {
  const sections: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const piece = truncate(line, SLACK_SECTION_MAX);
    if (current !== '' && current.length + 1 + piece.length > SLACK_SECTION_MAX) {
      sections.push(current);
      current = piece;
    } else {
      current = current === '' ? piece : `${current}\n${piece}`;
    }
  }
  if (current.trim() !== '') sections.push(current);
  if (sections.length <= maxSections) return sections;
  const kept = sections.slice(0, Math.max(1, maxSections));
  kept[kept.length - 1] = truncate(`${kept[kept.length - 1]}\n…`, SLACK_SECTION_MAX);
  return kept;
}

function linkBlock(label: string, externalURL: string): Block | undefined {
  if (label === '' || !isWebUrl(externalURL)) return undefined;
  // A "|" in the URL would end it early inside Slack's <url|label> syntax.
  const url = escapeSlack(externalURL).replaceAll('|', '%7C');
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`<${url}|${label}>`, SLACK_SECTION_MAX) }] };
}

/** `{{ x }}` values escaped for mrkdwn, `{{{ x }}}` as is. */
function renderMrkdwn(template: string, view: TemplateView): string {
  return renderTemplate(template, view, 'slack');
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
