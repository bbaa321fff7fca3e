export * from './types.js';
export { parseDuration, formatDuration } from './duration.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { parseConfig, loadConfigFile, configPathFrom, DEFAULT_CONFIG_FILE } from './load.js';
export { CHECK_DEFAULTS } from './check-common.js';
export { CHECK_TYPES } from './checks.js';
export { CHANNEL_TYPES } from './channels.js';
export { GROUP_BY_ALL, ROUTE_DEFAULTS, routesWithPaths } from './routes.js';
export { ID_PATTERN, ID_RULE } from './fields.js';
