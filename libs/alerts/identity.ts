import { createHash } from 'node:crypto';

/**
 * An alert's identity: an Alertmanager-style fingerprint, a stable hash of its sorted label
 * set. The one place it is computed, so the evaluator, the notifier, the CLI and the API
 * agree on which alert is which across restarts and configuration reloads.
 *
 * The canonical text is `key=value` pairs joined by NUL. A key or value holding a character
 * that could make two label sets read alike (NUL, "=", a quote or a backslash) is written as
 * a JSON string instead, so the text stays unambiguous, while every ordinary label set keeps
 * the fingerprint it has always had.
 */
export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels).sort().map((key) => `${quoted(key, /[\u0000="\\]/)}=${quoted(labels[key]!, /[\u0000"\\]/)}`).join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function quoted(text: string, special: RegExp): string {
  return special.test(text) ? JSON.stringify(text) : text;
}
