import { formatMatcher, matchesAll } from '../../libs/alerts/matchers.js';
import { GROUP_BY_ALL, type DefaultRoute, type RouteConfig } from '../../libs/config/index.js';

/** A route with its key: the identity of its groups in Redis and in Alertmanager-style group keys. */
export interface RouteNode extends RouteConfig {
  key: string;
  routes: RouteNode[];
}

/** Where one alert belongs: a route's group. */
export interface RoutedGroup {
  route: RouteNode;
  groupKey: string;
  groupLabels: Record<string, string>;
}

/** Alertmanager's root route: its key is the empty matcher set. */
const ROOT_ROUTE_KEY = '{}';

/** The routing tree of a configuration, keyed, with an index from key to route. */
export interface RouteTree {
  /** The implicit root: every channel when the configuration has no routes. */
  root: RouteNode;
  byKey: Map<string, RouteNode>;
}

export function buildRouteTree(routes: readonly RouteConfig[], channelIds: readonly string[], defaults: DefaultRoute): RouteTree {
  const byKey = new Map<string, RouteNode>();
  const keyed = (configs: readonly RouteConfig[], parentKey: string): RouteNode[] => configs.map((config) => {
    let key = `${parentKey}/${matcherKey(config)}`;
    // Two sibling routes with the same matchers must not share groups: their settings differ.
    for (let copy = 2; byKey.has(key); copy++) key = `${parentKey}/${matcherKey(config)}#${copy}`;
    const node: RouteNode = { ...config, key, routes: [] };
    byKey.set(key, node);
    node.routes = keyed(config.routes, key);
    return node;
  });
  const root: RouteNode = {
    key: ROOT_ROUTE_KEY,
    matchers: [],
    channels: [...new Set(channelIds)],
    ...defaults,
    continue: false,
    routes: [],
  };
  root.routes = keyed(routes, ROOT_ROUTE_KEY);
  byKey.set(ROOT_ROUTE_KEY, root);
  return { root, byKey };
}

/**
 * The groups one alert belongs to, as Alertmanager routes: with no routes, the root (every
 * channel). Otherwise routes are tried in order; a matching route hands the alert to its own
 * child routes if one of them matches, else takes it itself; the first match ends the walk
 * among siblings unless it says `continue`. Resolved alerts take the same path as firing ones,
 * so the group they fired in learns that they resolved. Empty when no route matches: a gap in
 * the routes, worth a warning.
 */
export function routeAlert(labels: Record<string, string>, tree: RouteTree): RoutedGroup[] {
  const routes = tree.root.routes.length === 0 ? [tree.root] : matchingRoutes(tree.root.routes, labels);
  return routes.map((route) => ({ route, ...groupOf(labels, route.key, route.groupBy) }));
}

function matchingRoutes(routes: readonly RouteNode[], labels: Record<string, string>): RouteNode[] {
  const matched: RouteNode[] = [];
  for (const route of routes) {
    if (!matchesAll(route.matchers, labels)) continue;
    const deeper = matchingRoutes(route.routes, labels);
    matched.push(...(deeper.length > 0 ? deeper : [route]));
    if (!route.continue) break;
  }
  return matched;
}

/** A route's part of its key: `{severity=~"critical|page",team="db"}`, matchers sorted. */
function matcherKey(route: Pick<RouteConfig, 'matchers'>): string {
  return `{${route.matchers.map(formatMatcher).sort().join(',')}}`;
}

/** Alertmanager's group key: `<route key>:<group labels>`, e.g. `{}:{check="shop-api"}`. */
export function groupOf(labels: Record<string, string>, routeKey: string, groupBy: readonly string[]): Pick<RoutedGroup, 'groupKey' | 'groupLabels'> {
  const names = groupBy.includes(GROUP_BY_ALL) ? Object.keys(labels) : groupBy;
  const groupLabels: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    // Like Alertmanager, a label the alert lacks is left out rather than grouped as "".
    if (value !== undefined && value !== '') groupLabels[name] = value;
  }
  return { groupKey: `${routeKey}:${formatPairs(groupLabels)}`, groupLabels };
}

/** `{a="1", b="2"}`: names sorted, values quoted, ", "-separated as Alertmanager writes group labels. */
function formatPairs(pairs: Record<string, string>): string {
  return `{${Object.keys(pairs).sort().map((name) => `${name}=${JSON.stringify(pairs[name])}`).join(', ')}}`;
}
