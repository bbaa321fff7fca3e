import { z } from 'zod';
import { httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { postJson } from '../http.js';
import { isWebUrl, renderTemplate, templateText, templateView, tidy, truncateBytes, type TemplateView } from '../template.js';
import { defineChannel } from '../types.js';

/** One list item per alert; Adaptive Card markdown (bold, italic, lists, links). */
export const TEAMS_DEFAULT_TEXT = [
  '{{#firing}}',
  '- 🔴 **{{ labels.check }}**: {{ annotations.summary }} (since {{ startsAt }})',
  '{{/firing}}',
  '{{#resolved}}',
  '- 🟢 **{{ labels.check }}** resolved at {{ endsAt }}: {{ annotations.summary }}',
  '{{/resolved}}',
].join('\n');

const schema = inMs(z.strictObject({
  ...channelFields('teams'),
  /**
   * The Workflows ("When a Teams webhook request is received") URL; its `sig` parameter is
   * the credential, so give it from the environment: `${TEAMS_URL}`.
   */
  url: httpUrl,
  title: templateText.default('{{ title }}'),
  text: templateText.default(TEAMS_DEFAULT_TEXT),
  /** The button that opens Vigil; empty leaves it out. */
  linkText: templateText.default('Open Vigil'),
}), ['timeout']);

export type TeamsChannelConfig = z.output<typeof schema>;

/**
 * Teams refuses messages over about 28 KB; these leave room for the card around the text and
 * for JSON escaping.
 */
const TEXT_MAX_BYTES = 20_000;
const TITLE_MAX_BYTES = 1_000;

/**
 * Posts an Adaptive Card to a Teams Workflows webhook (the replacement of Office 365
 * connectors), which answers 202 Accepted and posts the card to the flow's channel.
 */
export const teams = defineChannel({
  type: 'teams',
  schema,

  send(config, notification, ctx) {
    return postJson(config, { url: config.url, payload: buildTeamsMessage(config, templateView(notification)) }, ctx);
  },
});

type CardElement = Record<string, unknown>;

export interface TeamsMessage {
  type: 'message';
  attachments: [{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      body: CardElement[];
      actions?: CardElement[];
    };
  }];
}

export function buildTeamsMessage(config: Pick<TeamsChannelConfig, 'title' | 'text' | 'linkText'>, view: TemplateView): TeamsMessage {
  const title = truncateBytes(renderCardText(config.title, view).trim() || escapeCardText(view.title), TITLE_MAX_BYTES);
  const text = truncateBytes(tidy(renderCardText(config.text, view)), TEXT_MAX_BYTES);
  const linkText = renderCardText(config.linkText, view).trim();

  const body: CardElement[] = [
    // The colour says firing or resolved before anyone reads the title.
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true, color: view.status === 'firing' ? 'Attention' : 'Good' },
  ];
  if (text) body.push({ type: 'TextBlock', text, wrap: true });
  // Action.OpenUrl with an invalid URL makes Teams drop the whole card.
  const link = linkText && isWebUrl(view.externalURL) ? [{ type: 'Action.OpenUrl', title: linkText, url: view.externalURL }] : [];

  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body,
        ...(link.length > 0 ? { actions: link } : {}),
      },
    }],
  };
}

/** `{{ x }}` values escaped for card text, `{{{ x }}}` as is. */
function renderCardText(template: string, view: TemplateView): string {
  return renderTemplate(template, view, escapeCardText);
}

/**
 * Cards render no HTML and mention nobody without explicit mention entities, so a value only
 * needs to stay on its line and not become a link: "](" is split by a zero-width space, since
 * Teams' markdown subset has no reliable backslash escape.
 */
export function escapeCardText(value: string): string {
  return value.replace(/\r\n?|\n/g, ' ').replace(/\]\(/g, ']\u200b(');
}
