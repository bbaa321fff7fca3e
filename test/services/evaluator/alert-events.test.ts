import { describe, expect, it } from 'vitest';
import { alertIdentityOf, checkAnnotations, eventOf } from '../../../services/evaluator/alert-events.js';

const check = { id: 'shop-api', labels: { team: 'shop', check: 'spoofed' }, regions: ['default'] };

describe('alert events', () => {
  it('label a firing alert with alertname, check and the check labels, Vigil names winning', () => {
    const event = eventOf(alertIdentityOf(check, 'default', 1_000), 'firing', checkAnnotations({}, 'shop-api is down', 'expected status 2xx, got 503'));
    expect(event).toMatchObject({
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
      annotations: { summary: 'shop-api is down', description: 'expected status 2xx, got 503' },
      startsAt: new Date(1_000).toISOString(),
    });
    expect(event.endsAt).toBeUndefined();
  });

  it('resolve with the same fingerprint and start as the firing alert, and an end', () => {
    const identity = alertIdentityOf(check, 'default', 1_000);
    const firing = eventOf(identity, 'firing', {});
    const resolved = eventOf(identity, 'resolved', {}, 9_000);
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: firing.fingerprint, startsAt: firing.startsAt, endsAt: new Date(9_000).toISOString() });
  });

  it('alert per region, labelled with it, for a check probed from several regions', () => {
    const multi = { ...check, regions: ['eu', 'us'] };
    const eu = alertIdentityOf(multi, 'eu', 1);
    const us = alertIdentityOf(multi, 'us', 1);
    expect(eu.labels.region).toBe('eu');
    expect(eu.fingerprint).not.toBe(us.fingerprint);
  });

  it('keep the fingerprint when only the severity a rule sets differs', () => {
    const warning = alertIdentityOf(check, 'default', 1, 'CertificateExpiry', 'warning');
    const critical = alertIdentityOf(check, 'default', 1, 'CertificateExpiry', 'critical');
    expect(critical.fingerprint).toBe(warning.fingerprint);
    expect(critical.labels.severity).toBe('critical');
  });
});
