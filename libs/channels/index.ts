export * from './types.js';
export * from './errors.js';
export * from './alertmanager-message.js';
export { USER_AGENT, ANSWER_MAX_BYTES, sendHttp } from './http.js';
export { renderTemplate, templateView, type TemplateView, type TemplateAlert, type Escape } from './template.js';
export { webhook, standardWebhookSignature, type WebhookChannelConfig } from './webhook/index.js';
export { CHANNEL_LIST, CHANNEL_TYPES, sendNotification, type ChannelConfig, type ChannelConfigOf, type ChannelType } from './registry.js';
