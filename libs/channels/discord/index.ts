import { z } from 'zod';
import { httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { postJson } from '../http.js';
import { escapeMarkdown, isWebUrl, renderTemplate, templateText, templateView, tidy, truncate, type TemplateView } from '../template.js';
import { defineChannel } from '../types.js';

/** One line per alert, Discord markdown. */
export const DISCORD_DEFAULT_TEXT = [
  '{{#firing}}',
  '🔴 **{{ labels.check }}**: {{ annotations.summary }} (since {{ startsAt }})',
  '{{/firing}}',
  '{{#resolved}}',
  '🟢 **{{ labels.check }}** resolved at {{ endsAt }}: {{ annotations.summary }}',
  '{{/resolved}}',
].join('\n');

const username = z.string().min(1).max(80).refine((name) => !/discord|clyde/i.test(name), {
  // Discord refuses such a webhook name with 400, which would fail every notification.
  error: (issue) => `expected a name without "discord" or "clyde" (Discord refuses those), got ${JSON.stringify(issue.input)}`,
});

const schema = inMs(z.strictObject({
  ...channelFields('discord'),
  /** The webhook URL, which holds its token: give it from the environment, `${DISCORD_URL}`. */
  url: httpUrl,
  /** Shown as the sender instead of the webhook's own name. */
  username: username.optional(),
  /** Shown as the sender's picture instead of the webhook's own avatar. */
  avatarUrl: httpUrl.optional(),
  title: templateText.default('{{ title }}'),
  /** The embed's description, Discord markdown; values are escaped so they cannot format or link. */
  text: templateText.default(DISCORD_DEFAULT_TEXT),
}), ['timeout']);

export type DiscordChannelConfig = z.output<typeof schema>;

/** Discord's embed limits; longer is refused with 400. */
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4_096;
/** Discord's own red and green, so the colour says firing or resolved at a glance. */
export const DISCORD_FIRING_COLOR = 0xe74c3c;
export const DISCORD_RESOLVED_COLOR = 0x2ecc71;

/**
 * Posts one embed to a Discord webhook. Discord answers 204; 429 comes with Retry-After and
 * is retried after it; 401, 403 and 404 (a deleted webhook) are permanent.
 */
export const discord = defineChannel({
  type: 'discord',
  schema,

  send(config, notification, ctx) {
    return postJson(config, { url: config.url, payload: buildDiscordMessage(config, templateView(notification)) }, ctx);
  },
});

export interface DiscordMessage {
  username?: string;
  avatar_url?: string;
  embeds: [{ title?: string; description?: string; color: number; url?: string }];
  allowed_mentions: { parse: [] };
}

export function buildDiscordMessage(config: Pick<DiscordChannelConfig, 'title' | 'text' | 'username' | 'avatarUrl'>, view: TemplateView): DiscordMessage {
  const description = truncate(tidy(renderMarkdown(config.text, view)), DESCRIPTION_MAX);
  // Discord refuses an empty embed, so with nothing else to show the group's title stands in.
  const title = truncate(renderMarkdown(config.title, view).trim() || (description ? '' : escapeMarkdown(view.title)), TITLE_MAX);
  const embed: DiscordMessage['embeds'][0] = {
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    color: view.status === 'firing' ? DISCORD_FIRING_COLOR : DISCORD_RESOLVED_COLOR,
    // An invalid embed URL fails the whole message, so only a real web address is linked.
    ...(isWebUrl(view.externalURL) ? { url: view.externalURL } : {}),
  };
  return {
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.avatarUrl === undefined ? {} : { avatar_url: config.avatarUrl }),
    embeds: [embed],
    // A label holding "@everyone" or "<@id>" must not ping anyone.
    allowed_mentions: { parse: [] },
  };
}

/** `{{ x }}` values escaped for Discord markdown, `{{{ x }}}` as is. */
function renderMarkdown(template: string, view: TemplateView): string {
  return renderTemplate(template, view, escapeMarkdown);
}

/** Discord's escape is the shared markdown one, still exported where it always was. */
export { escapeMarkdown };
