import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { decideWatchdog, stalledAfterMs, type WatchdogState } from '../../../services/evaluator/pipeline-watchdog.js';

const checksOf = (yaml: string) => parseConfig(`checks:\n${yaml}`).checks;

describe('how long a silent pipeline is allowed', () => {
  it.each([
    ['no checks', 'checks: []', undefined],
    ['only a heartbeat', '  - { id: b, type: heartbeat, period: 1h, grace: 5m }', undefined],
    ['only a paused check', '  - { id: a, type: tcp, host: 127.0.0.1, port: 1, paused: true }', undefined],
    ['a 30s check with a 10s timeout: three ticks and the timeout', '  - { id: a, type: tcp, host: 127.0.0.1, port: 1, interval: 30s, timeout: 10s }', 100_000],
    ['a 5s check: at least a minute', '  - { id: a, type: tcp, host: 127.0.0.1, port: 1, interval: 5s, timeout: 1s }', 60_000],
    ['the fastest check decides', '  - { id: a, type: tcp, host: 127.0.0.1, port: 1, interval: 5m, timeout: 10s }\n  - { id: c, type: tcp, host: 127.0.0.1, port: 1, interval: 1m, timeout: 5s }', 185_000],
  ])('%s', (_name, yaml, expected) => {
    expect(stalledAfterMs(yaml === 'checks: []' ? [] : checksOf(yaml))).toBe(expected);
  });
});

describe('PipelineStalled', () => {
  const NOW = Date.parse('2026-12-03T12:00:00Z');
  const firing: WatchdogState = { firing: { fingerprint: 'f', labels: { alertname: 'PipelineStalled', severity: 'critical' }, startsAt: NOW - 10_000, sinceResultMs: NOW - 100_000 } };

  it.each([
    ['fires when results stopped longer than allowed', undefined, 61_000, 60_000, 'firing'],
    ['stays quiet within the allowance', undefined, 60_000, 60_000, undefined],
    ['stays quiet without probed checks', undefined, 600_000, undefined, undefined],
    ['resolves when results flow again', firing, 1_000, 60_000, 'resolved'],
    ['resolves when the probed checks are gone', firing, 600_000, undefined, 'resolved'],
    ['does not fire twice', firing, 600_000, 60_000, undefined],
  ] as const)('%s', (_name, state, silentMs, allowedMs, status) => {
    const step = decideWatchdog(state, { lastResultMs: NOW - silentMs, nowMs: NOW, stalledAfterMs: allowedMs, probedChecks: 3 });
    expect(step?.raised.map((raised) => raised.event.status)[0]).toBe(status);
  });

  it('names the silence and where to look', () => {
    const step = decideWatchdog(undefined, { lastResultMs: NOW - 120_000, nowMs: NOW, stalledAfterMs: 60_000, probedChecks: 3 })!;
    expect(step.raised[0]!.event.labels).toEqual({ alertname: 'PipelineStalled', severity: 'critical' });
    expect(step.raised[0]!.event.annotations.description).toMatch(/since 2026-12-03T11:58:00.000Z .*3 probed checks.*scheduler and probe-worker/);
  });

  it('resolves with the fingerprint and start it fired with', () => {
    const step = decideWatchdog(firing, { lastResultMs: NOW - 1_000, nowMs: NOW, stalledAfterMs: 60_000, probedChecks: 3 })!;
    expect(step.raised[0]!.event).toMatchObject({ fingerprint: 'f', startsAt: new Date(NOW - 10_000).toISOString() });
    expect(step.after).toEqual({});
  });
});
