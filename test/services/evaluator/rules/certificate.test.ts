import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  certificateDaysLeft,
  certificateLevel,
  nextCertificateAlert,
  type CertificateAlertStep,
  type CertificateLevel,
} from '../../../../services/evaluator/rules/certificate.js';

const rule = { warnMs: 21 * DAY_MS, criticalMs: 7 * DAY_MS };

describe('certificate level', () => {
  it.each<[number, CertificateLevel]>([
    [90, 'ok'],
    [21.001, 'ok'],
    [21, 'warning'],
    [8, 'warning'],
    [7.001, 'warning'],
    [7, 'critical'],
    [1, 'critical'],
    [0, 'critical'],
    [-0.5, 'critical'],
    [-30, 'critical'],
  ])('%s days left is %s', (daysLeft, level) => {
    expect(certificateLevel(daysLeft, rule)).toBe(level);
  });

  it('counts days left from the expiry date, negative once expired', () => {
    expect(certificateDaysLeft(10 * DAY_MS, 7 * DAY_MS)).toBe(3);
    expect(certificateDaysLeft(7 * DAY_MS, 10 * DAY_MS)).toBe(-3);
  });
});

describe('certificate alert', () => {
  it.each<[string, CertificateLevel, number, CertificateAlertStep]>([
    ['stays quiet while the certificate is far from expiry', 'ok', 90, { level: 'ok', change: 'none' }],
    ['fires as a warning inside the warning period', 'ok', 20, { level: 'warning', severity: 'warning', change: 'fire' }],
    ['fires straight as critical when first seen inside the critical period', 'ok', 3, { level: 'critical', severity: 'critical', change: 'fire' }],
    ['fires as critical for an expired certificate', 'ok', -2, { level: 'critical', severity: 'critical', change: 'fire' }],
    ['does not fire again while the warning holds', 'warning', 15, { level: 'warning', severity: 'warning', change: 'none' }],
    ['raises the severity of the same alert at the critical level', 'warning', 6, { level: 'critical', severity: 'critical', change: 'severity' }],
    ['lowers the severity of the same alert after a partial renewal', 'critical', 14, { level: 'warning', severity: 'warning', change: 'severity' }],
    ['resolves after a renewal from warning', 'warning', 365, { level: 'ok', change: 'resolve' }],
    ['resolves after a renewal from critical', 'critical', 365, { level: 'ok', change: 'resolve' }],
  ])('%s', (_name, previous, daysLeft, expected) => {
    expect(nextCertificateAlert(previous, daysLeft, rule)).toEqual(expected);
  });

  it.each<CertificateLevel>(['ok', 'warning', 'critical'])('changes nothing without certificate data (was %s)', (previous) => {
    expect(nextCertificateAlert(previous, undefined, rule)).toBeUndefined();
  });

  it('is one alert from first warning to renewal: it fires once and resolves once', () => {
    let level: CertificateLevel = 'ok';
    const changes = [30, 20, 10, 6, 0, undefined, -1, 400].flatMap((daysLeft) => {
      const step = nextCertificateAlert(level, daysLeft, rule);
      if (step === undefined) return [];
      level = step.level;
      return step.change === 'none' ? [] : [step.change];
    });
    expect(changes).toEqual(['fire', 'severity', 'resolve']);
  });
});
