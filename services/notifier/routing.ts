import { ROUTE_DEFAULTS, type RouteConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';

/** One channel that should be told about an alert, and the group the alert belongs to there. */
export interface RoutedDelivery {
  channelId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
}

export interface RoutingDecision {
  /** False when no route matched the alert: a gap in the routes worth a warning. */
  matched: boolean;
  /** Each channel at most once, in route order. */
  deliveries: RoutedDelivery[];
}

/** Alertmanager's root route: its key is the empty matcher set. */
const ROOT_ROUTE_KEY = '{}';

/**
 * Where one alert transition goes. With no routes every channel gets it, grouped as a route
 * that leaves out groupBy groups (so does a route with an empty groupBy). Otherwise routes
 * are walked in order and the first match ends the walk unless it says `continue`; every
 * matching route contributes its channels (a channel already chosen keeps the first route's
 * group). A route with sendResolved: false still counts as a match, so a resolved alert it
 * catches goes nowhere instead of falling through to a later route.
 */
export function routeAlert(alert: Pick<AlertEvent, 'labels' | 'status'>, routes: readonly RouteConfig[], channelIds: readonly string[]): RoutingDecision {
  if (routes.length === 0) {
    const group = groupOf(alert.labels, ROOT_ROUTE_KEY, ROUTE_DEFAULTS.groupBy);
    return { matched: true, deliveries: unique(channelIds).map((channelId) => ({ channelId, ...group })) };
  }

  const deliveries = new Map<string, RoutedDelivery>();
  let matched = false;
  for (const route of routes) {
    if (!matches(route.match, alert.labels)) continue;
    matched = true;
    if (alert.status === 'firing' || route.sendResolved) {
      const group = groupOf(alert.labels, routeKeyOf(route), route.groupBy.length > 0 ? route.groupBy : ROUTE_DEFAULTS.groupBy);
      for (const channelId of route.channels) {
        if (!deliveries.has(channelId)) deliveries.set(channelId, { channelId, ...group });
      }
    }
    if (!route.continue) break;
  }
  return { matched, deliveries: [...deliveries.values()] };
}

export function matches(matchers: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchers).every(([name, value]) => Object.hasOwn(labels, name) && labels[name] === value);
}

/**
 * Alertmanager's route key: the matcher sets from the root down, "/"-separated. Vigil's
 * routes are all children of an implicit root, so a route matching team=db is `{}/{team="db"}`
 * and a catch-all route is `{}/{}`.
 */
export function routeKeyOf(route: Pick<RouteConfig, 'match'>): string {
  return `${ROOT_ROUTE_KEY}/${formatPairs(route.match, ',')}`;
}

/** Alertmanager's group key: `<route key>:<group labels>`, e.g. `{}:{check="shop-api"}`. */
export function groupOf(labels: Record<string, string>, routeKey: string, groupBy: readonly string[]): Pick<RoutedDelivery, 'groupKey' | 'groupLabels'> {
  const groupLabels: Record<string, string> = {};
  for (const name of groupBy) {
    const value = labels[name];
    // Like Alertmanager, a label the alert lacks is left out rather than grouped as "".
    if (value !== undefined && value !== '') groupLabels[name] = value;
  }
  return { groupKey: `${routeKey}:${formatPairs(groupLabels, ', ')}`, groupLabels };
}

/**
 * `{a="1", b="2"}`: names sorted, values quoted. Alertmanager separates route matchers with
 * "," and group labels with ", "; receivers that parse group keys expect exactly that.
 */
function formatPairs(pairs: Record<string, string>, separator: string): string {
  return `{${Object.keys(pairs).sort().map((name) => `${name}=${JSON.stringify(pairs[name])}`).join(separator)}}`;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
