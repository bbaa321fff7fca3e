import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { buildRouteTree, groupOf, routeAlert, type RoutedGroup } from '../../../services/notifier/routing.js';

const CHANNELS = ['ops', 'db-pager', 'shop-chat', 'audit', 'manager'];
const channelsYaml = `channels:\n${CHANNELS.map((id) => `  - { id: ${id}, type: webhook, url: "https://hooks.example/${id}" }`).join('\n')}\n`;

/** The routing tree of a configuration whose `routes:` section is `routesYaml`. */
function treeOf(routesYaml: string) {
  const config = parseConfig(`${channelsYaml}${routesYaml}`, {});
  return buildRouteTree(config.routes, config.channels.map((channel) => channel.id), config.defaultRoute);
}

const dbAlert = { alertname: 'CheckDown', check: 'orders-db', team: 'db', severity: 'critical' };
const shopAlert = { alertname: 'CheckDown', check: 'shop-api', team: 'shop', severity: 'warning' };

const channelsOf = (groups: RoutedGroup[]) => groups.map((group) => group.route.channels);

describe('which routes take an alert', () => {
  it.each<{ name: string; routes: string; labels: Record<string, string>; channels: string[][] }>([
    { name: 'with no routes, the root with every channel', routes: '', labels: shopAlert, channels: [CHANNELS] },
    {
      name: 'the first route that matches, and no later one',
      routes: 'routes:\n  - { match: { team: db }, channels: [db-pager] }\n  - { match: { severity: critical }, channels: [ops] }\n',
      labels: dbAlert, channels: [['db-pager']],
    },
    {
      name: 'later routes too after a route that continues',
      routes: 'routes:\n  - { match: { team: db }, channels: [db-pager], continue: true }\n  - { match: { severity: critical }, channels: [ops] }\n',
      labels: dbAlert, channels: [['db-pager'], ['ops']],
    },
    {
      name: 'a regex matcher over the whole value',
      routes: 'routes:\n  - { matchers: [\'severity=~"critical|page"\'], channels: [ops] }\n  - { channels: [audit] }\n',
      labels: dbAlert, channels: [['ops']],
    },
    {
      name: 'not a regex that only matches part of the value',
      routes: 'routes:\n  - { matchers: [\'severity=~"crit"\'], channels: [ops] }\n  - { channels: [audit] }\n',
      labels: dbAlert, channels: [['audit']],
    },
    {
      name: 'an inequality, which an alert without the label also passes',
      routes: 'routes:\n  - { matchers: [\'team!=infra\', \'owner!=infra\'], channels: [shop-chat] }\n',
      labels: shopAlert, channels: [['shop-chat']],
    },
    {
      name: 'match and matchers together, all of them',
      routes: 'routes:\n  - { match: { team: shop }, matchers: [\'severity="critical"\'], channels: [ops] }\n  - { channels: [audit] }\n',
      labels: shopAlert, channels: [['audit']],
    },
    {
      name: 'a matching child route instead of its parent',
      routes: 'routes:\n  - match: { team: db }\n    channels: [db-pager]\n    routes:\n      - { match: { severity: critical }, channels: [manager] }\n',
      labels: dbAlert, channels: [['manager']],
    },
    {
      name: 'the parent when no child matches',
      routes: 'routes:\n  - match: { team: db }\n    channels: [db-pager]\n    routes:\n      - { match: { severity: info }, channels: [manager] }\n',
      labels: dbAlert, channels: [['db-pager']],
    },
    {
      name: 'a child that leaves out channels, with its parent\'s',
      routes: 'routes:\n  - match: { team: db }\n    channels: [db-pager]\n    routes:\n      - { match: { severity: critical }, groupWait: 0s }\n',
      labels: dbAlert, channels: [['db-pager']],
    },
    { name: 'none when no route matches', routes: 'routes:\n  - { match: { team: web }, channels: [ops] }\n', labels: dbAlert, channels: [] },
  ])('$name', ({ routes, labels, channels }) => {
    expect(channelsOf(routeAlert(labels, treeOf(routes)))).toEqual(channels);
  });

  it('lets a child route inherit every setting it leaves out, and keep its own', () => {
    const tree = treeOf('routes:\n  - match: { team: db }\n    channels: [db-pager]\n    groupBy: [alertname]\n    groupWait: 5s\n    repeatInterval: 1h\n    escalate: [{ after: 15m, channels: [manager] }]\n    routes:\n      - { match: { severity: critical }, groupWait: 0s }\n');
    const [group] = routeAlert(dbAlert, tree);
    expect(group?.route).toMatchObject({ channels: ['db-pager'], groupBy: ['alertname'], groupWaitMs: 0, repeatIntervalMs: 3_600_000, groupIntervalMs: 300_000, escalate: [{ afterMs: 900_000, channels: ['manager'] }] });
  });
});

describe('how an alert is grouped', () => {
  it('groups by check under the root route when there are no routes', () => {
    const [group] = routeAlert(shopAlert, treeOf(''));
    expect(group).toMatchObject({ groupKey: '{}:{check="shop-api"}', groupLabels: { check: 'shop-api' } });
  });

  it('keys groups by the route path and the groupBy labels, as Alertmanager does', () => {
    const [group] = routeAlert(shopAlert, treeOf('routes:\n  - { match: { team: shop, severity: warning }, channels: [shop-chat], groupBy: [team, alertname] }\n'));
    expect(group).toMatchObject({ groupKey: '{}/{severity="warning",team="shop"}:{alertname="CheckDown", team="shop"}', groupLabels: { team: 'shop', alertname: 'CheckDown' } });
  });

  it('keys a nested route below its parent', () => {
    const [group] = routeAlert(dbAlert, treeOf('routes:\n  - match: { team: db }\n    channels: [db-pager]\n    routes:\n      - { matchers: [\'severity=~"critical|page"\'] }\n'));
    expect(group?.groupKey).toBe('{}/{team="db"}/{severity=~"critical|page"}:{check="orders-db"}');
  });

  it('keeps apart the groups of two sibling routes with the same matchers', () => {
    const tree = treeOf('routes:\n  - { match: { team: db }, channels: [db-pager], continue: true }\n  - { match: { team: db }, channels: [audit] }\n');
    const keys = routeAlert(dbAlert, tree).map((group) => group.groupKey);
    expect(keys).toEqual(['{}/{team="db"}:{check="orders-db"}', '{}/{team="db"}#2:{check="orders-db"}']);
  });

  it('puts every alert of a route in one group when it groups by nothing', () => {
    const tree = treeOf('routes:\n  - { channels: [ops], groupBy: [] }\n');
    expect(routeAlert(shopAlert, tree)[0]?.groupKey).toBe(routeAlert(dbAlert, tree)[0]?.groupKey);
  });

  it('makes each distinct alert its own group with groupBy [...]', () => {
    const [group] = routeAlert(shopAlert, treeOf('routes:\n  - { channels: [ops], groupBy: ["..."] }\n'));
    expect(group?.groupLabels).toEqual(shopAlert);
  });

  it.each<{ labels: Record<string, string>; groupBy: string[]; key: string }>([
    { labels: { check: 'a', team: 'x' }, groupBy: ['team', 'check'], key: '{}:{check="a", team="x"}' },
    { labels: { check: 'a' }, groupBy: ['check', 'team'], key: '{}:{check="a"}' },
    { labels: { check: 'say "hi"\\' }, groupBy: ['check'], key: '{}:{check="say \\"hi\\"\\\\"}' },
  ])('keys $labels grouped by $groupBy as $key', ({ labels, groupBy, key }) => {
    expect(groupOf(labels, '{}', groupBy).groupKey).toBe(key);
  });
});
