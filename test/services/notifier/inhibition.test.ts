import { describe, expect, it } from 'vitest';
import { parseMatchers } from '../../../libs/alerts/index.js';
import { parseConfig } from '../../../libs/config/index.js';
import { inhibitingSource, inhibitRulesOf } from '../../../services/notifier/inhibition.js';

const rule = { source: parseMatchers('alertname=SiteDown'), target: parseMatchers('alertname=CheckDown'), equal: ['site'] };
const source = (fingerprint: string, labels: Record<string, string>) => ({ fingerprint, labels });

describe('inhibition', () => {
  it.each([
    { name: 'a target while a source with the same equal labels fires', target: { alertname: 'CheckDown', site: 'fra' }, sources: [{ alertname: 'SiteDown', site: 'fra' }], inhibited: true },
    { name: 'not a target whose equal label differs', target: { alertname: 'CheckDown', site: 'ams' }, sources: [{ alertname: 'SiteDown', site: 'fra' }], inhibited: false },
    { name: 'a target and source that both lack the equal label', target: { alertname: 'CheckDown' }, sources: [{ alertname: 'SiteDown' }], inhibited: true },
    { name: 'not an alert the target matchers miss', target: { alertname: 'LatencyHigh', site: 'fra' }, sources: [{ alertname: 'SiteDown', site: 'fra' }], inhibited: false },
    { name: 'not while no source fires', target: { alertname: 'CheckDown', site: 'fra' }, sources: [], inhibited: false },
  ] as Array<{ name: string; target: Record<string, string>; sources: Array<Record<string, string>>; inhibited: boolean }>)('holds $name', ({ target, sources, inhibited }) => {
    const found = inhibitingSource([rule], source('target', target), sources.map((labels, index) => source(`s${index}`, labels)));
    expect(found !== undefined).toBe(inhibited);
  });

  it('never lets an alert inhibit itself', () => {
    const both = { source: parseMatchers('team=db'), target: parseMatchers('team=db'), equal: [] };
    const alert = source('same', { team: 'db' });
    expect(inhibitingSource([both], alert, [alert])).toBeUndefined();
  });

  it('turns dependsOn into a rule: the dependency CheckDown holds the dependent check', () => {
    const config = parseConfig('checks:\n  - { id: gateway, type: tcp, host: h, port: 1 }\n  - { id: shop, type: tcp, host: h, port: 1, dependsOn: [gateway] }\n', {});
    const rules = inhibitRulesOf(config);
    expect(inhibitingSource(rules, source('t', { alertname: 'LatencyHigh', check: 'shop' }), [source('g', { alertname: 'CheckDown', check: 'gateway' })])).toBeDefined();
    expect(inhibitingSource(rules, source('t', { alertname: 'CheckDown', check: 'gateway' }), [source('s', { alertname: 'CheckDown', check: 'shop' })])).toBeUndefined();
  });
});
