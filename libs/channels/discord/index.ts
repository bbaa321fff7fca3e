import Mustache from 'mustache';
import { z } from 'zod';
import { httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { sendHttp } from '../http.js';
import { templateText, templateView, type TemplateView } from '../template.js';
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
    return sendHttp({
      channelId: config.id,
      what: `discord channel "${config.id}"`,
      url: config.url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(buildDiscordMessage(config, templateView(notification))),
      timeoutMs: config.timeoutMs,
    }, ctx);
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
// Numbers (`{{ firingCount }}`) reach a custom Mustache escape unconverted.
function renderMarkdown(template: string, view: TemplateView): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => escapeMarkdown(String(value)) });
}

/**
 * A backslash before each character Discord markdown acts on, so a value (a probe's error
 * message, say) cannot turn into bold text, a spoiler, a masked link or a mention; line
 * breaks become spaces so a value stays on its alert's line.
 */
export function escapeMarkdown(value: string): string {
  return value.replace(/\r\n?|\n/g, ' ').replace(/[\\*_~`|<>()#]/g, '\\$&');
}

function isWebUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/** Section tags on their own lines leave blank lines at the ends. */
function tidy(text: string): string {
  return text.replace(/^\s*\n/, '').trimEnd();
}

/** At most `max` UTF-16 units, ending in "…" when cut; never splits a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
