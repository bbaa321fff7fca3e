/**
 * What the live stream (stream.ts) sends, decided without I/O: the poller reads a snapshot of
 * check states, watch states and firing alerts about once a second, and each client is sent
 * only what differs from the snapshot before; a client that has seen nothing yet (a new or
 * reconnected one) gets the whole snapshot, marked `full`, which replaces what it showed.
 */

/** Each stream's items by their key (check id, watch id, alert fingerprint). */
export interface StreamSnapshot {
  checks: ReadonlyMap<string, unknown>;
  watches: ReadonlyMap<string, unknown>;
  alerts: ReadonlyMap<string, unknown>;
}

export const STREAM_EVENTS = ['checks', 'watches', 'alerts'] as const satisfies ReadonlyArray<keyof StreamSnapshot>;
export type StreamEventName = (typeof STREAM_EVENTS)[number];

export interface Diff {
  /** Items new or different since the previous snapshot, in the next snapshot's order. */
  changed: unknown[];
  /** Keys gone since the previous snapshot. */
  removed: string[];
}

export interface StreamEvent {
  event: StreamEventName;
  data: Diff & { full?: true };
}

/**
 * Items are compared by their JSON text: they are built field by field in a fixed order by
 * one reader, so equal content means equal text.
 */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffKeyed(previous: ReadonlyMap<string, unknown>, next: ReadonlyMap<string, unknown>): Diff {
  const changed: unknown[] = [];
  for (const [key, item] of next) {
    if (!previous.has(key) || !same(previous.get(key), item)) changed.push(item);
  }
  const removed = [...previous.keys()].filter((key) => !next.has(key));
  return { changed, removed };
}

/**
 * The events taking a client from `previous` to `next`: one per stream that changed, none when
 * nothing did; every stream, full, when the client has seen nothing (`previous` undefined), so
 * an empty list still tells it there is nothing.
 */
export function streamEvents(previous: StreamSnapshot | undefined, next: StreamSnapshot): StreamEvent[] {
  if (previous === undefined) return STREAM_EVENTS.map((event) => ({ event, data: { changed: [...next[event].values()], removed: [], full: true } }));
  return STREAM_EVENTS.flatMap((event) => {
    const diff = diffKeyed(previous[event], next[event]);
    return diff.changed.length === 0 && diff.removed.length === 0 ? [] : [{ event, data: diff }];
  });
}

/** One server-sent event. JSON.stringify never writes a raw line break, so `data` is one line. */
export function sseFrame(event: StreamEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A comment line: EventSource ignores it, proxies and load balancers see the connection is alive. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';
