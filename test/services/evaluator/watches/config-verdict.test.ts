import { describe, expect, it } from 'vitest';
import type { ConfigObservationBatch } from '../../../../libs/queues/index.js';
import { applyConfigVerdict, type ConfigVerdictState } from '../../../../services/evaluator/watches/config-verdict.js';

const verdict = (atMs: number, accepted: boolean, sha = `sha-${atMs}`, problems?: string[]): ConfigObservationBatch =>
  ({ source: 'config', configSource: '/etc/vigil.yaml', atMs, sha, accepted, ...(problems ? { problems } : {}) });

function run(...batches: ConfigObservationBatch[]): { state: ConfigVerdictState | undefined; events: string[]; descriptions: string[] } {
  let state: ConfigVerdictState | undefined;
  const events: string[] = [];
  const descriptions: string[] = [];
  for (const batch of batches) {
    const step = applyConfigVerdict(state, batch);
    if (!step) continue;
    state = step.after;
    for (const { event, notify } of step.raised) {
      if (notify) events.push(event.status);
      descriptions.push(event.annotations.description ?? '');
    }
  }
  return { state, events, descriptions };
}

describe('ConfigRejected', () => {
  it.each([
    { name: 'a rejection', batches: [verdict(1, false)], events: ['firing'] },
    { name: 'a rejection, then an acceptance', batches: [verdict(1, false), verdict(2, true)], events: ['firing', 'resolved'] },
    { name: 'the same rejection delivered twice', batches: [verdict(1, false, 'x'), verdict(1, false, 'x')], events: ['firing'] },
    { name: 'the same text rejected again later', batches: [verdict(1, false, 'x'), verdict(2, false, 'x')], events: ['firing'] },
    { name: 'another text rejected while firing', batches: [verdict(1, false, 'x'), verdict(2, false, 'y')], events: ['firing'] },
    { name: 'an acceptance alone', batches: [verdict(1, true)], events: [] },
    { name: 'a rejection older than the acceptance applied', batches: [verdict(2, true), verdict(1, false)], events: [] },
  ])('$name notifies $events', ({ batches, events }) => {
    expect(run(...batches).events).toEqual(events);
  });

  it('labels the alert with its source and describes every problem', () => {
    const step = applyConfigVerdict(undefined, verdict(1, false, 'abc', ['checks[0].interval: expected a duration', 'routes[1].channels: unknown channel "x"']))!;
    expect(step.raised[0]!.event).toMatchObject({
      status: 'firing',
      labels: { alertname: 'ConfigRejected', source: '/etc/vigil.yaml', severity: 'warning' },
      annotations: { summary: 'configuration rejected, running the last accepted one', description: '/etc/vigil.yaml (sha abc) was rejected:\n- checks[0].interval: expected a duration\n- routes[1].channels: unknown channel "x"' },
    });
    expect(step.transitions).toEqual([expect.objectContaining({ from: 'unknown', to: 'down' })]);
  });

  it('updates the description for a rejection of another text, keeping the alert', () => {
    const { descriptions, state } = run(verdict(1, false, 'one', ['a: first']), verdict(2, false, 'two', ['b: second']));
    expect(descriptions[1]).toContain('b: second');
    expect(state!.firing['/etc/vigil.yaml']).toMatchObject({ sha: 'two', startsAt: 1 });
  });
});
