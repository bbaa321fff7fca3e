import { describe, expect, it } from 'vitest';
import { alertEventFor } from '../../../services/evaluator/alert-events.js';

const check = { id: 'shop-api', labels: { team: 'shop', check: 'spoofed' }, regions: ['default'] };

describe('alert events', () => {
  it('label a firing alert with alertname, check and the check labels, Vigil names winning', () => {
    const event = alertEventFor(check, 'default', { kind: 'down', startsAt: 1_000, message: 'expected status 2xx, got 503' });
    expect(event).toMatchObject({
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
      annotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
      startsAt: new Date(1_000).toISOString(),
    });
    expect(event.endsAt).toBeUndefined();
  });

  it('resolve with the same fingerprint and start as the firing alert, and an end', () => {
    const firing = alertEventFor(check, 'default', { kind: 'down', startsAt: 1_000 });
    const resolved = alertEventFor(check, 'default', { kind: 'recovered', startsAt: 1_000, endsAt: 9_000 }, 'was refused');
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: firing.fingerprint, startsAt: firing.startsAt, endsAt: new Date(9_000).toISOString() });
  });

  it('alert per region, labelled with it, for a check probed from several regions', () => {
    const multi = { ...check, regions: ['eu', 'us'] };
    const eu = alertEventFor(multi, 'eu', { kind: 'down', startsAt: 1 });
    const us = alertEventFor(multi, 'us', { kind: 'down', startsAt: 1 });
    expect(eu.labels.region).toBe('eu');
    expect(eu.fingerprint).not.toBe(us.fingerprint);
  });
});
