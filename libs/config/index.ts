export * from './types.js';
export { parseDuration, formatDuration } from './duration.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { parseConfig, loadConfigFile, configPathFrom, DEFAULT_CONFIG_FILE, CHECK_DEFAULTS } from './load.js';
export { CHECK_TYPES, CHANNEL_TYPES } from './schema.js';
