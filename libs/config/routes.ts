/**
 * Routes: which channels hear of which alerts, grouped how and repeated when. A tree, as in
 * Alertmanager: `routes` at the top are the children of an implicit root; a route's own
 * `routes` are tried when it matches, and inherit every setting they leave out. The file's
 * routes are resolved into RouteConfig nodes whose settings are all filled in.
 */
import { z } from 'zod';
import { labelMatcherText, equalityMatchers, type LabelMatcher } from '../alerts/matchers.js';
import { duration, id, labelName, labels } from './fields.js';

/** What the root route has: every route inherits these unless it or a parent says otherwise. */
export const ROUTE_DEFAULTS = {
  groupBy: ['check'] as readonly string[],
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
  continue: false,
} as const;

/** `groupBy: ['...']` groups by every label, so each distinct alert is its own group (Alertmanager's meaning). */
export const GROUP_BY_ALL = '...';

const groupByLabel = z.union([z.literal(GROUP_BY_ALL), labelName]);

const escalationStep = z.strictObject({
  /** Unacknowledged this long after it started firing, an alert is also sent to `channels`. */
  after: duration,
  channels: z.array(id).min(1),
}).transform(({ after, channels }) => ({ afterMs: after, channels }));

export type EscalationStep = z.output<typeof escalationStep>;

interface RouteInput {
  match?: Record<string, string>;
  matchers?: LabelMatcher[];
  channels?: string[];
  groupBy?: string[];
  groupWait?: number;
  groupInterval?: number;
  repeatInterval?: number;
  sendResolved?: boolean;
  continue?: boolean;
  escalate?: EscalationStep[];
  routes?: RouteInput[];
}

export const routeInput: z.ZodType<RouteInput> = z.lazy(() => z.strictObject({
  /** Label equality: `{ team: db }`. */
  match: labels.optional(),
  /** Alertmanager matchers: `['severity=~"critical|page"', 'team!=infra']`; ANDed with `match`. */
  matchers: z.array(labelMatcherText).optional(),
  /** Required on top-level routes; nested routes inherit their parent's. */
  channels: z.array(id).min(1).optional(),
  groupBy: z.array(groupByLabel).optional(),
  groupWait: duration.optional(),
  groupInterval: duration.optional(),
  repeatInterval: duration.optional(),
  sendResolved: z.boolean().optional(),
  /** Keep looking at later sibling routes after this one matched. */
  continue: z.boolean().optional(),
  escalate: z.array(escalationStep).optional(),
  routes: z.array(routeInput).optional(),
}));

/** A route with every setting resolved (its own, else its parent's, else ROUTE_DEFAULTS). */
export interface RouteConfig {
  /** Every matcher of `match` and `matchers`; empty matches every alert. */
  matchers: LabelMatcher[];
  channels: string[];
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  continue: boolean;
  escalate: EscalationStep[];
  routes: RouteConfig[];
}

type Inherited = Omit<RouteConfig, 'matchers' | 'routes' | 'continue'>;

/**
 * `defaultRoute`: the root route's settings (Alertmanager's top-level `route`), which every
 * route inherits and which apply as they are when there are no routes (every channel hears of
 * every alert). Channels are not among them: the root's are all channels.
 */
export const defaultRouteInput = z.strictObject({
  groupBy: z.array(groupByLabel).optional(),
  groupWait: duration.optional(),
  groupInterval: duration.optional(),
  repeatInterval: duration.optional(),
  sendResolved: z.boolean().optional(),
  escalate: z.array(escalationStep).optional(),
}).default(() => ({}));

export type DefaultRoute = Omit<Inherited, 'channels'>;

export function resolveDefaultRoute(input: z.output<typeof defaultRouteInput>): DefaultRoute {
  return {
    groupBy: input.groupBy ?? [...ROUTE_DEFAULTS.groupBy],
    groupWaitMs: input.groupWait ?? ROUTE_DEFAULTS.groupWaitMs,
    groupIntervalMs: input.groupInterval ?? ROUTE_DEFAULTS.groupIntervalMs,
    repeatIntervalMs: input.repeatInterval ?? ROUTE_DEFAULTS.repeatIntervalMs,
    sendResolved: input.sendResolved ?? ROUTE_DEFAULTS.sendResolved,
    escalate: input.escalate ?? [],
  };
}

export function resolveRoutes(routes: readonly RouteInput[], parent: Inherited = { channels: [], ...resolveDefaultRoute({}) }): RouteConfig[] {
  return routes.map((route) => {
    const settings: Inherited = {
      channels: route.channels ?? parent.channels,
      groupBy: route.groupBy ?? parent.groupBy,
      groupWaitMs: route.groupWait ?? parent.groupWaitMs,
      groupIntervalMs: route.groupInterval ?? parent.groupIntervalMs,
      repeatIntervalMs: route.repeatInterval ?? parent.repeatIntervalMs,
      sendResolved: route.sendResolved ?? parent.sendResolved,
      escalate: route.escalate ?? parent.escalate,
    };
    return {
      matchers: [...equalityMatchers(route.match ?? {}), ...(route.matchers ?? [])],
      ...settings,
      continue: route.continue ?? ROUTE_DEFAULTS.continue,
      routes: resolveRoutes(route.routes ?? [], settings),
    };
  });
}

/** Each route with its path in the file (`routes[0].routes[1]`), depth first. */
export function* routesWithPaths(routes: readonly RouteConfig[], prefix = 'routes'): Generator<{ route: RouteConfig; path: string }> {
  for (const [index, route] of routes.entries()) {
    const path = `${prefix}[${index}]`;
    yield { route, path };
    yield* routesWithPaths(route.routes, `${path}.routes`);
  }
}
