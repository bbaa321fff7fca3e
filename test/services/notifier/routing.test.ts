import { describe, expect, it } from 'vitest';
import { parseConfig, type RouteConfig } from '../../../libs/config/index.js';
import type { AlertStatus } from '../../../libs/queues/index.js';
import { groupOf, routeAlert, routeKeyOf } from '../../../services/notifier/routing.js';

const CHANNELS = ['ops', 'db-pager', 'shop-chat', 'audit'];

function route(fields: Partial<RouteConfig> & Pick<RouteConfig, 'channels'>): RouteConfig {
  return { match: {}, groupBy: ['check'], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, sendResolved: true, continue: false, ...fields };
}

const dbAlert = { alertname: 'CheckDown', check: 'orders-db', team: 'db', severity: 'critical' };
const shopAlert = { alertname: 'CheckDown', check: 'shop-api', team: 'shop', severity: 'warning' };

describe('which channels hear about an alert', () => {
  it.each<{ name: string; routes: RouteConfig[]; labels: Record<string, string>; status?: AlertStatus; channels: string[]; matched?: boolean }>([
    { name: 'with no routes, every channel', routes: [], labels: shopAlert, channels: CHANNELS },
    {
      name: 'the first matching route only',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'] }), route({ match: { severity: 'critical' }, channels: ['ops'] })],
      labels: dbAlert,
      channels: ['db-pager'],
    },
    {
      name: 'a later route when earlier ones do not match',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'] }), route({ match: { team: 'shop' }, channels: ['shop-chat'] })],
      labels: shopAlert,
      channels: ['shop-chat'],
    },
    {
      name: 'only routes whose every matcher equals the alert label',
      routes: [route({ match: { team: 'shop', severity: 'critical' }, channels: ['ops'] }), route({ match: { team: 'shop', severity: 'warning' }, channels: ['shop-chat'] })],
      labels: shopAlert,
      channels: ['shop-chat'],
    },
    {
      name: 'every matching route up to one without continue, each channel once',
      routes: [
        route({ match: {}, channels: ['audit'], continue: true }),
        route({ match: { team: 'db' }, channels: ['db-pager', 'audit'], continue: true }),
        route({ match: { severity: 'critical' }, channels: ['ops', 'db-pager'] }),
        route({ match: {}, channels: ['shop-chat'] }),
      ],
      labels: dbAlert,
      channels: ['audit', 'db-pager', 'ops'],
    },
    {
      name: 'the catch-all route when nothing more specific matched',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'] }), route({ match: {}, channels: ['ops'] })],
      labels: shopAlert,
      channels: ['ops'],
    },
    {
      name: 'no channel for a resolved alert whose route has sendResolved false',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'], sendResolved: false }), route({ match: {}, channels: ['ops'] })],
      labels: dbAlert,
      status: 'resolved',
      channels: [],
    },
    {
      name: 'the firing alert even when its route has sendResolved false',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'], sendResolved: false })],
      labels: dbAlert,
      channels: ['db-pager'],
    },
    {
      name: 'resolved alerts from continuing routes that do send them',
      routes: [route({ match: {}, channels: ['db-pager'], sendResolved: false, continue: true }), route({ match: { team: 'db' }, channels: ['ops', 'db-pager'] })],
      labels: dbAlert,
      status: 'resolved',
      channels: ['ops', 'db-pager'],
    },
    {
      name: 'nobody, reported as unmatched, when no route matches',
      routes: [route({ match: { team: 'db' }, channels: ['db-pager'] })],
      labels: shopAlert,
      channels: [],
      matched: false,
    },
    {
      name: 'nobody when a matcher names a label the alert lacks',
      routes: [route({ match: { env: '' }, channels: ['ops'] })],
      labels: shopAlert,
      channels: [],
      matched: false,
    },
  ])('$name', ({ routes, labels, status = 'firing', channels, matched = true }) => {
    const decision = routeAlert({ labels, status }, routes, CHANNELS);
    expect(decision.deliveries.map((delivery) => delivery.channelId)).toEqual(channels);
    expect(decision.matched).toBe(matched);
  });

  it('with no routes and no channels, nobody, yet not reported as unmatched', () => {
    expect(routeAlert({ labels: shopAlert, status: 'firing' }, [], [])).toEqual({ matched: true, deliveries: [] });
  });
});

describe('how an alert is grouped for its receiver', () => {
  it('groups by check under the root route when there are no routes', () => {
    const [delivery] = routeAlert({ labels: shopAlert, status: 'firing' }, [], ['ops']).deliveries;
    expect(delivery).toEqual({ channelId: 'ops', groupKey: '{}:{check="shop-api"}', groupLabels: { check: 'shop-api' } });
  });

  it('uses the matched route groupBy and its matchers in the key, as Alertmanager does', () => {
    const routes = [route({ match: { team: 'shop', severity: 'warning' }, channels: ['shop-chat'], groupBy: ['team', 'alertname'] })];
    const [delivery] = routeAlert({ labels: shopAlert, status: 'firing' }, routes, CHANNELS).deliveries;
    expect(delivery).toEqual({
      channelId: 'shop-chat',
      groupKey: '{}/{severity="warning",team="shop"}:{alertname="CheckDown", team="shop"}',
      groupLabels: { team: 'shop', alertname: 'CheckDown' },
    });
  });

  it('gives each channel the group of the first route that chose it', () => {
    const routes = [
      route({ match: {}, channels: ['audit'], groupBy: ['alertname'], continue: true }),
      route({ match: { team: 'db' }, channels: ['audit', 'db-pager'] }),
    ];
    const deliveries = routeAlert({ labels: dbAlert, status: 'firing' }, routes, CHANNELS).deliveries;
    expect(deliveries).toEqual([
      { channelId: 'audit', groupKey: '{}/{}:{alertname="CheckDown"}', groupLabels: { alertname: 'CheckDown' } },
      { channelId: 'db-pager', groupKey: '{}/{team="db"}:{check="orders-db"}', groupLabels: { check: 'orders-db' } },
    ]);
  });

  it('groups without routes as a configured route that leaves out groupBy does', () => {
    const yaml = 'channels:\n  - { id: ops, type: webhook, url: "https://hooks.example/" }\nroutes:\n  - { channels: [ops] }\n';
    const [configured] = parseConfig(yaml, {}).routes;
    const viaRoute = routeAlert({ labels: dbAlert, status: 'firing' }, [configured!], ['ops']).deliveries[0];
    const withoutRoutes = routeAlert({ labels: dbAlert, status: 'firing' }, [], ['ops']).deliveries[0];
    expect(withoutRoutes?.groupLabels).toEqual({ check: 'orders-db' });
    expect(withoutRoutes?.groupLabels).toEqual(viaRoute?.groupLabels);
  });

  it('falls back to grouping by check when a route groups by nothing', () => {
    const [delivery] = routeAlert({ labels: shopAlert, status: 'firing' }, [route({ channels: ['ops'], groupBy: [] })], CHANNELS).deliveries;
    expect(delivery?.groupLabels).toEqual({ check: 'shop-api' });
  });

  it.each<{ labels: Record<string, string>; groupBy: string[]; key: string }>([
    { labels: { check: 'a', team: 'x' }, groupBy: ['team', 'check'], key: '{}:{check="a", team="x"}' },
    { labels: { check: 'a' }, groupBy: ['check', 'team'], key: '{}:{check="a"}' },
    { labels: { check: 'say "hi"\\' }, groupBy: ['check'], key: '{}:{check="say \\"hi\\"\\\\"}' },
  ])('keys $labels grouped by $groupBy as $key', ({ labels, groupBy, key }) => {
    expect(groupOf(labels, '{}', groupBy).groupKey).toBe(key);
  });

  it('keys a catch-all route as an empty matcher set below the root', () => {
    expect(routeKeyOf({ match: {} })).toBe('{}/{}');
  });
});
