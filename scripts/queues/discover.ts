import type { Redis } from 'ioredis';
import { payloadSchemas, QUEUE_PREFIX, queueName, type QueueKind } from '../../libs/queues/index.js';

const KINDS = Object.keys(payloadSchemas) as QueueKind[];

/** Queues whose name does not depend on the configuration, in pipeline order. */
export const FIXED_QUEUES: readonly string[] = KINDS.filter((kind) => kind !== 'probes').map((kind) => queueName(kind));

const PROBES = queueName('probes', '');

/**
 * BullMQ keeps each queue under `<prefix>:<name>:*`. Every queue that ever had a job or a
 * Queue object has a `meta` hash; `id` is the auto-id counter. Either proves the queue exists.
 */
const MARKER_KEYS = ['meta', 'id'];

/** Every probes-<region> queue in Redis (sorted), then the fixed queues. */
export async function discoverQueues(redis: Redis): Promise<string[]> {
  const regions = new Set<string>();
  for (const marker of MARKER_KEYS) {
    for (const key of await scanKeys(redis, `${QUEUE_PREFIX}:${PROBES}*:${marker}`)) {
      const name = queueOfKey(key, marker);
      if (name !== undefined) regions.add(name);
    }
  }
  return [...[...regions].sort(), ...FIXED_QUEUES];
}

/**
 * The queue a marker key belongs to. The glob also matches job keys whose id happens to end
 * in ":meta" ("vigilq:probes-eu:repeat:x:meta"), so only `<prefix>:<name>:<marker>` with a
 * name free of ":" counts (BullMQ rejects ":" in queue names).
 */
function queueOfKey(key: string, marker: string): string | undefined {
  const inner = key.slice(QUEUE_PREFIX.length + 1, -(marker.length + 1));
  return inner.startsWith(PROBES) && !inner.includes(':') ? inner : undefined;
}

/** SCAN, not KEYS: a busy Redis holds one key per retained job, and KEYS would block it. */
async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
