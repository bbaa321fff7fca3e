/**
 * Readiness: whether a service can do its work now, that is whether what it depends on
 * answers. Each check is a function that resolves when its dependency answered and throws
 * (with a reason) when not; checkReadiness runs them together, each bounded by a timeout,
 * so one hung dependency cannot hang the probe that asks.
 */
import type { Redis } from 'ioredis';

export type ReadinessCheck = () => Promise<void>;

/** By dependency name ("redis", "influxdb"), as /readyz names them. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

export interface ReadinessReport {
  ready: boolean;
  /** The dependencies that did not answer, by name, with why. */
  unreachable: Record<string, string>;
}

export const READINESS_TIMEOUT_MS = 1_000;

/** Runs every check at once; a check that neither answers nor fails within timeoutMs counts as unreachable. */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs = READINESS_TIMEOUT_MS): Promise<ReadinessReport> {
  const entries = Object.entries(checks);
  const answers = await Promise.all(entries.map(([, check]) => withTimeout(check(), timeoutMs).then(() => undefined, (err: unknown) => reasonOf(err))));
  const unreachable: Record<string, string> = {};
  entries.forEach(([name], index) => {
    const reason = answers[index];
    if (reason !== undefined) unreachable[name] = reason;
  });
  return { ready: Object.keys(unreachable).length === 0, unreachable };
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Resolves or rejects as `promise` does, or rejects after timeoutMs. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Redis answers PING. A connection that is not up fails at once: a service connection waits
 * for Redis (maxRetriesPerRequest: null), so a PING sent now would sit in the offline queue,
 * and one per probe would pile up there until Redis is back.
 */
export function redisPing(redis: Redis): ReadinessCheck {
  return async () => {
    if (redis.status !== 'ready') throw new Error(`connection is ${redis.status}`);
    const answer = await redis.ping();
    if (answer !== 'PONG') throw new Error(`PING answered ${JSON.stringify(answer)}`);
  };
}

/** InfluxDB answers GET /ping (1.x, 2.x and 3.x all serve it) with a 2xx. */
export function influxPing(baseUrl: string, timeoutMs = READINESS_TIMEOUT_MS): ReadinessCheck {
  const url = `${baseUrl.replace(/\/+$/, '')}/ping`;
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`GET /ping answered ${response.status}`);
  };
}
