/**
 * Certificate expiry rule, pure: how close is the certificate to expiry, and what does that do
 * to the check's one certificate alert (`certificate: { warn: 21d, critical: 7d }`).
 *
 * There is one alert per certificate, whose `severity` label moves between warning and
 * critical; escalating or renewing never resolves one alert and fires another, so a receiver
 * sees one incident from first warning to renewal.
 */

import type { MeasuredRule } from './measured-rule.js';

export type CertificateLevel = 'ok' | 'warning' | 'critical';
export type CertificateSeverity = Exclude<CertificateLevel, 'ok'>;

export interface CertificateRule {
  /** Warn when the certificate expires within this long, ms. */
  warnMs: number;
  /** Critical when it expires within this long, ms; normally shorter than warnMs. */
  criticalMs: number;
}

/** What happens to the certificate alert: it fires, changes severity, resolves, or stays as it is. */
export type CertificateAlertChange = 'fire' | 'severity' | 'resolve' | 'none';

export interface CertificateAlertStep {
  level: CertificateLevel;
  /** The alert's `severity` label; absent when the level is ok (no alert). */
  severity?: CertificateSeverity;
  change: CertificateAlertChange;
}

export const DAY_MS = 86_400_000;

/** Days until `notAfterMs` (fractional; negative once expired). */
export function certificateDaysLeft(notAfterMs: number, nowMs: number): number {
  return (notAfterMs - nowMs) / DAY_MS;
}

/**
 * The level for `daysLeft`. "Within 7 days" includes exactly 7 days, so a boundary belongs to the
 * more severe level. An expired certificate (negative days) is critical, never ok.
 */
export function certificateLevel(daysLeft: number, rule: CertificateRule): CertificateLevel {
  const leftMs = daysLeft * DAY_MS;
  if (leftMs <= rule.criticalMs) return 'critical';
  if (leftMs <= rule.warnMs) return 'warning';
  return 'ok';
}

/**
 * The next step of the certificate alert from the previous level. No certificate data (the
 * probe failed before the TLS handshake, or the check is not TLS) returns undefined: nothing
 * changes, because a connection error says nothing about the certificate's expiry.
 */
export function nextCertificateAlert(
  previous: CertificateLevel,
  daysLeft: number | undefined,
  rule: CertificateRule,
): CertificateAlertStep | undefined {
  if (daysLeft === undefined || Number.isNaN(daysLeft)) return undefined;
  const level = certificateLevel(daysLeft, rule);
  const change = certificateAlertChange(previous, level);
  return level === 'ok' ? { level, change } : { level, severity: level, change };
}

function certificateAlertChange(previous: CertificateLevel, level: CertificateLevel): CertificateAlertChange {
  if (previous === level) return 'none';
  if (previous === 'ok') return 'fire';
  if (level === 'ok') return 'resolve';
  return 'severity';
}

function formatDays(days: number): string {
  return days < 0 ? `expired ${Math.abs(Math.round(days * 10) / 10)} days ago` : `expires in ${Math.round(days * 10) / 10} days`;
}

/** Needs no memory: the level follows from the days left, and the alert's severity is the previous level. */
export const certificateAlertRule: MeasuredRule<CertificateRule, never> = {
  name: 'certificate',
  alertname: 'CertificateExpiry',
  configOf: (check) => check.certificate,
  observe(_memory, reading, rule) {
    if (reading.certDaysLeft === undefined || Number.isNaN(reading.certDaysLeft)) return {};
    const level = certificateLevel(reading.certDaysLeft, rule);
    const value = formatDays(reading.certDaysLeft);
    if (level === 'ok') return { verdict: { firing: false, value, description: `the certificate ${value}` } };
    const limit = level === 'critical' ? rule.criticalMs : rule.warnMs;
    return { verdict: { firing: true, severity: level, value, description: `the certificate ${value} (${level} within ${limit / DAY_MS} days)` } };
  },
};
