import { z } from 'zod';
import { httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { postJson } from '../http.js';
import { escapeMarkdown, renderTemplate, templateText, templateView, tidy, truncate, type TemplateView } from '../template.js';
import { defineChannel } from '../types.js';

/** A title line, one list item per alert and a link to Vigil; Mattermost markdown. */
export const MATTERMOST_DEFAULT_TEXT = [
  '#### {{ title }}',
  '{{#firing}}',
  '- :red_circle: **{{ labels.check }}**: {{ annotations.summary }} (since {{ startsAt }})',
  '{{/firing}}',
  '{{#resolved}}',
  '- :large_green_circle: **{{ labels.check }}** resolved at {{ endsAt }}: {{ annotations.summary }}',
  '{{/resolved}}',
  '{{#externalURL}}',
  '',
  '[Open Vigil]({{{ externalURL }}})',
  '{{/externalURL}}',
].join('\n');

const schema = inMs(z.strictObject({
  ...channelFields('mattermost'),
  /** The incoming webhook URL; it is the credential, so give it from the environment: `${MATTERMOST_URL}`. */
  url: httpUrl,
  /** Shown as the sender (the server must allow overriding names: EnablePostUsernameOverride). */
  username: z.string().min(1).optional(),
  /** Shown as the sender's picture (EnablePostIconOverride). */
  iconUrl: httpUrl.optional(),
  /** Another channel than the webhook's own: a channel name ("town-square") or "@username". */
  channel: z.string().min(1).optional(),
  /** The message, Mattermost markdown; values are escaped so they cannot format, link or mention. */
  text: templateText.default(MATTERMOST_DEFAULT_TEXT),
}), ['timeout']);

export type MattermostChannelConfig = z.output<typeof schema>;

/** Mattermost's post limit since 5.0 (16383 runes); a UTF-16 count never undercounts runes. */
const TEXT_MAX = 16_383;

/** Posts a markdown message to a Mattermost incoming webhook, which answers 200 "ok". */
export const mattermost = defineChannel({
  type: 'mattermost',
  schema,

  send(config, notification, ctx) {
    return postJson(config, { url: config.url, payload: buildMattermostMessage(config, templateView(notification)) }, ctx);
  },
});

export interface MattermostMessage {
  text: string;
  username?: string;
  icon_url?: string;
  channel?: string;
}

export function buildMattermostMessage(config: Pick<MattermostChannelConfig, 'text' | 'username' | 'iconUrl' | 'channel'>, view: TemplateView): MattermostMessage {
  const text = tidy(renderMarkdown(config.text, view));
  return {
    // Mattermost refuses an empty text; the group's title is better than nothing.
    text: truncate(text || escapeMattermost(view.title), TEXT_MAX),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.iconUrl === undefined ? {} : { icon_url: config.iconUrl }),
    ...(config.channel === undefined ? {} : { channel: config.channel }),
  };
}

/** `{{ x }}` values escaped for Mattermost markdown, `{{{ x }}}` as is. */
function renderMarkdown(template: string, view: TemplateView): string {
  return renderTemplate(template, view, escapeMattermost);
}

/**
 * Makes a value plain text in Mattermost: markdown escaped as for Discord, and a zero-width
 * space after "@", since Mattermost finds mentions in the raw text and "@channel" from a
 * label would notify everyone.
 */
export function escapeMattermost(value: string): string {
  return escapeMarkdown(value).replace(/@/g, '@\u200b');
}
