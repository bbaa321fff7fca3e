export * from './types.js';
export * from './errors.js';
export * from './alertmanager-message.js';
export { webhook, USER_AGENT } from './webhook.js';
export { CHANNELS, sendNotification } from './registry.js';
