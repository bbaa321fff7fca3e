/**
 * The whole configuration file: its sections (each in a module of its own) and the one typed
 * step that the schema cannot take section by section, the defaults section applied to the
 * checks. Every type services see is derived from these schemas (types.ts).
 */
import { z } from 'zod';
import { apiSection } from './api.js';
import { checkDefaults } from './check-common.js';
import { channel } from './channels.js';
import { check, resolveCheck, type CheckConfig } from './checks.js';
import { inhibitRule } from './inhibit.js';
import { defaultRouteInput, resolveDefaultRoute, resolveRoutes, routeInput, type DefaultRoute, type RouteConfig } from './routes.js';
import { watch } from './watches.js';

export const configSchema = z.strictObject({
  defaults: checkDefaults,
  checks: z.array(check).default(() => []),
  watches: z.array(watch).default(() => []),
  channels: z.array(channel).default(() => []),
  defaultRoute: defaultRouteInput,
  routes: z.array(routeInput).default(() => []),
  inhibitRules: z.array(inhibitRule).default(() => []),
  api: apiSection.default(() => ({ tokens: [], publicRead: false })),
});

type ParsedConfig = z.output<typeof configSchema>;

/**
 * The validated, defaulted configuration every service works with.
 * Durations are milliseconds here (`...Ms`); the YAML file spells them "30s".
 */
export type Config = Omit<ParsedConfig, 'defaults' | 'checks' | 'routes' | 'defaultRoute'> & { checks: CheckConfig[]; defaultRoute: DefaultRoute; routes: RouteConfig[] };

/** Relative CA file paths are resolved against `baseDir`, the configuration file's directory. */
export function resolveConfig(parsed: ParsedConfig, baseDir: string): Config {
  const { defaults, checks, routes, defaultRoute, ...sections } = parsed;
  const root = resolveDefaultRoute(defaultRoute);
  return { ...sections, checks: checks.map((item) => resolveCheck(item, defaults, baseDir)), defaultRoute: root, routes: resolveRoutes(routes, { channels: [], ...root }) };
}
