import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REDIS_KEYS } from '../redis-keys.js';
import { listActiveAlerts } from './store.js';

/**
 * Acknowledgements: someone has taken on an outage, so its alert stops repeating and
 * escalating (it still resolves as usual). One per alert, for one outage: it names the
 * startsAt of the outage it was given for, so when the same check fails again later the new
 * outage is not acknowledged. The notifier removes them when alerts resolve.
 *
 * Stored as JSON in the hash REDIS_KEYS.acks (fingerprint → Acknowledgement).
 */
export interface Acknowledgement {
  fingerprint: string;
  /** The startsAt of the acknowledged outage (the active alert's startsAt), ISO 8601. */
  startsAt: string;
  by: string;
  /** May be empty. */
  comment: string;
  /** ISO 8601. */
  at: string;
}

export type AckErrorCode = 'VIGIL_ACK_INVALID' | 'VIGIL_ACK_NOT_FIRING';

/** An acknowledgement that cannot be given; `code` is stable, the message is for people. */
export class AckError extends Error {
  override readonly name = 'AckError';

  constructor(readonly code: AckErrorCode, message: string) {
    super(message);
  }
}

export const ACK_LIMITS = { target: 256, by: 256, comment: 4_096 } as const;

const storedAcknowledgement = z.object({ fingerprint: z.string(), startsAt: z.string(), by: z.string(), comment: z.string(), at: z.string() });

/**
 * Writes an entry only while the alert still fires the same outage, so an alert that resolved
 * since it was read (and whose entry the notifier may have removed already) gets no stale one.
 * KEYS: active alerts, acks. ARGV: fingerprint, startsAt, JSON, repeated. Returns the fingerprints written.
 */
const WRITE_IF_FIRING = `
local written = {}
for i = 1, #ARGV, 3 do
  local active = redis.call('HGET', KEYS[1], ARGV[i])
  if active and cjson.decode(active).startsAt == ARGV[i + 1] then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    written[#written + 1] = ARGV[i]
  end
end
return written
`;

/**
 * Acknowledges what `target` names: the firing alert with that fingerprint, or else every
 * firing alert whose `check` label is that check id. Acknowledging again replaces the entry
 * (the latest person to take it on). Returns the acknowledgements written; throws AckError
 * when the input is not acceptable or nothing that fires matches.
 */
export async function acknowledge(redis: Redis, request: { target: string; by: string; comment?: string }, now = new Date()): Promise<Acknowledgement[]> {
  const target = boundedText('target', request.target, ACK_LIMITS.target, false);
  const by = boundedText('by', request.by, ACK_LIMITS.by, false);
  const comment = boundedText('comment', request.comment ?? '', ACK_LIMITS.comment, true);
  const alerts = await listActiveAlerts(redis);
  const byFingerprint = alerts.filter((alert) => alert.fingerprint === target);
  const targeted = byFingerprint.length > 0 ? byFingerprint : alerts.filter((alert) => alert.labels.check === target);
  const acks = targeted.map((alert): Acknowledgement => ({ fingerprint: alert.fingerprint, startsAt: alert.startsAt, by, comment, at: now.toISOString() }));
  const written = acks.length === 0 ? [] : await writeIfFiring(redis, acks);
  if (written.length === 0) throw new AckError('VIGIL_ACK_NOT_FIRING', `nothing is firing for "${target}" (neither a firing alert's fingerprint nor a check with a firing alert)`);
  return written;
}

/** Only the outage it was given for: same alert, same startsAt. */
export function isAcknowledged(ack: Acknowledgement | undefined, alert: { fingerprint: string; startsAt: string }): boolean {
  if (ack === undefined || ack.fingerprint !== alert.fingerprint) return false;
  return sameInstant(ack.startsAt, alert.startsAt);
}

/** The acknowledgements stored for these alerts, by fingerprint; alerts without one are absent. */
export async function acknowledgementsOf(redis: Redis, fingerprints: readonly string[]): Promise<Map<string, Acknowledgement>> {
  const found = new Map<string, Acknowledgement>();
  if (fingerprints.length === 0) return found;
  const texts = await redis.hmget(REDIS_KEYS.acks, ...fingerprints);
  texts.forEach((text) => {
    const ack = parseAcknowledgement(text);
    if (ack) found.set(ack.fingerprint, ack);
  });
  return found;
}

/** Forgets the acknowledgements of these alerts (they resolved). Returns how many there were. */
export async function removeAcknowledgements(redis: Redis, fingerprints: readonly string[]): Promise<number> {
  if (fingerprints.length === 0) return 0;
  return redis.hdel(REDIS_KEYS.acks, ...fingerprints);
}

/** Every stored acknowledgement, most recent first. */
export async function listAcknowledgements(redis: Redis): Promise<Acknowledgement[]> {
  const texts = Object.values(await redis.hgetall(REDIS_KEYS.acks));
  return texts.map(parseAcknowledgement).filter((ack) => ack !== undefined)
    .sort((a, b) => b.at.localeCompare(a.at) || a.fingerprint.localeCompare(b.fingerprint));
}

async function writeIfFiring(redis: Redis, acks: Acknowledgement[]): Promise<Acknowledgement[]> {
  const args = acks.flatMap((ack) => [ack.fingerprint, ack.startsAt, JSON.stringify(ack)]);
  const written = new Set((await redis.eval(WRITE_IF_FIRING, 2, REDIS_KEYS.activeAlerts, REDIS_KEYS.acks, ...args)) as string[]);
  return acks.filter((ack) => written.has(ack.fingerprint));
}

function boundedText(field: string, text: string, maxLength: number, mayBeEmpty: boolean): string {
  const trimmed = text.trim();
  if (trimmed === '' && !mayBeEmpty) throw new AckError('VIGIL_ACK_INVALID', `${field} must not be empty`);
  if (trimmed.length > maxLength) throw new AckError('VIGIL_ACK_INVALID', `${field} holds at most ${maxLength} characters, got ${trimmed.length}`);
  return trimmed;
}

/** The evaluator writes ISO strings, but compare instants so another spelling of the same time still counts. */
function sameInstant(a: string, b: string): boolean {
  if (a === b) return true;
  const [atA, atB] = [Date.parse(a), Date.parse(b)];
  return Number.isFinite(atA) && atA === atB;
}

/** An entry that does not read as an acknowledgement is ignored: the alert keeps repeating, which is the safe side. */
function parseAcknowledgement(text: string | null): Acknowledgement | undefined {
  if (text === null) return undefined;
  try {
    const parsed = storedAcknowledgement.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
