import { describe, expect, it } from 'vitest';
import { renderTemplate, templateView, type Notification } from '../../../libs/channels/index.js';
import { templateProblem } from '../../../libs/channels/template.js';
import type { AlertEvent } from '../../../libs/queues/index.js';

function alert(check: string, status: AlertEvent['status'], extra: Record<string, string> = {}): AlertEvent {
  return { fingerprint: `f-${check}`, status, labels: { alertname: 'CheckDown', check, ...extra }, annotations: { summary: `${check} is down` }, startsAt: '2026-03-01T10:00:00.000Z', ...(status === 'resolved' ? { endsAt: '2026-03-01T10:05:00.000Z' } : {}) };
}

function notification(alerts: AlertEvent[]): Notification {
  return { id: 'msg_1', receiver: 'ops', groupKey: '{}:{alertname="CheckDown"}', groupLabels: { alertname: 'CheckDown' }, alerts, externalURL: 'https://vigil.example' };
}

describe('message templates', () => {
  it('substitutes labels, annotations and the group status', () => {
    expect(renderTemplate('{{ statusText }} {{#alerts}}{{ labels.check }}: {{ annotations.summary }}{{/alerts}}', notification([alert('shop', 'firing')])))
      .toBe('FIRING shop: shop is down');
  });

  it('lists firing and resolved alerts apart, with their counts', () => {
    const text = renderTemplate('{{ firingCount }} down:{{#firing}} {{ labels.check }}{{/firing}}; {{ resolvedCount }} back:{{#resolved}} {{ labels.check }}{{/resolved}}', notification([alert('a', 'firing'), alert('b', 'resolved'), alert('c', 'firing')]));
    expect(text).toBe('2 down: a c; 1 back: b');
  });

  it('titles a group by its status, how many alerts and the group labels', () => {
    expect(templateView(notification([alert('a', 'firing'), alert('b', 'firing')])).title).toBe('[FIRING:2] CheckDown');
    expect(templateView({ ...notification([alert('a', 'resolved')]), groupLabels: { check: 'a' } }).title).toBe('[RESOLVED:1] CheckDown a');
  });

  it.each([
    { escape: 'html' as const, expected: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;' },
    { escape: 'slack' as const, expected: '&lt;script&gt;alert("x")&lt;/script&gt; &amp;' },
    { escape: 'json' as const, expected: '<script>alert(\\"x\\")</script> &' },
    { escape: 'none' as const, expected: '<script>alert("x")</script> &' },
  ])('escapes label values for $escape', ({ escape, expected }) => {
    const hostile = notification([alert('<script>alert("x")</script> &', 'firing')]);
    expect(renderTemplate('{{#alerts}}{{ labels.check }}{{/alerts}}', hostile, escape)).toBe(expected);
  });

  it.each(['none', 'html', 'slack', 'json'] as const)('prints numbers such as firingCount with escape %s', (escape) => {
    expect(renderTemplate('[{{ firingCount }}]', notification([alert('a', 'firing')]), escape)).toBe('[1]');
  });

  it('renders a missing label as nothing rather than failing', () => {
    expect(renderTemplate('[{{#alerts}}{{ labels.team }}{{/alerts}}]', notification([alert('a', 'firing')]))).toBe('[]');
  });

  it('cannot call anything: a template naming a function of the view gets no output from it', () => {
    expect(renderTemplate('{{ alerts.constructor }}{{ title.toUpperCase }}', notification([alert('a', 'firing')]))).not.toMatch(/function|native/);
  });

  it.each(['{{#alerts}} never closed', '{{/alerts}}', '{{ unclosed'])('says why %j does not parse', (template) => {
    expect(templateProblem(template)).toMatch(/\S/);
  });
});
