/**
 * GET /api/v1/stream: server-sent events for the dashboard (`event: checks`, `watches`,
 * `alerts`, each `{changed, removed, full?}`; stream-diff.ts decides what is sent).
 *
 * One poller per process, shared by every client, reads the states and alerts from Redis
 * about once a second, and only while at least one client is connected: a dashboard left
 * open costs one small read a second, whatever the number of tabs, and none when nobody looks.
 *
 * Auth is the read scope, like every GET. EventSource cannot send an Authorization header, so
 * this route alone also takes the token as `?token=`; with `publicRead` no token is needed. A
 * URL can end up in a proxy's access log, so a deployment that logs URLs should prefer
 * publicRead or a read-only token here (the dashboard never puts an admin action in the URL).
 * The token is checked again at every heartbeat, so a token removed by a reload stops streaming.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { acknowledgementsOf, isAcknowledged, listActiveAlerts } from '../../libs/alerts/index.js';
import type { Access } from './auth.js';
import { isoOf, type ApiContext } from './context.js';
import { API_PREFIX } from './route.js';
import { checkStates, watchStates } from './states.js';
import { SSE_HEARTBEAT, sseFrame, streamEvents, type StreamEvent, type StreamSnapshot } from './stream-diff.js';

export const STREAM_POLL_MS = 1_000;
export const STREAM_HEARTBEAT_MS = 15_000;
/** Per process: each client holds a socket and a write buffer; more are answered 503. */
export const MAX_STREAM_CLIENTS = 500;
/** A client this far behind (a stalled tab, a dead link not yet noticed) is dropped, not buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How soon EventSource reconnects after the connection drops. */
const RECONNECT_MS = 2_000;

export type AuthorizeRequest = (request: { headers: { authorization?: string | undefined } }, access: Access) => string | undefined;

/** What the stream shows, as the GET routes show it (checks.ts, watches.ts, alerts.ts), keyed for diffing. */
export async function readStreamSnapshot(ctx: ApiContext): Promise<StreamSnapshot> {
  const { checks, watches } = ctx.config();
  const [states, hosts, alerts] = await Promise.all([checkStates(ctx.redis, checks), watchStates(ctx.redis, watches), listActiveAlerts(ctx.redis)]);
  const acks = await acknowledgementsOf(ctx.redis, alerts.map((alert) => alert.fingerprint));
  return {
    checks: new Map(checks.map((check) => [check.id, {
      id: check.id,
      paused: check.paused === true,
      states: (states.get(check.id) ?? []).map(({ region, status, sinceMs, lastMessage }) => ({
        region, status, ...(sinceMs === undefined ? {} : { since: isoOf(sinceMs)! }), ...(lastMessage === undefined ? {} : { lastMessage }),
      })),
    }])),
    watches: new Map(watches.map((watch) => [watch.id, {
      id: watch.id,
      hosts: (hosts.get(watch.id) ?? []).map(({ host, status, seenUntilMs, firing }) => ({ host, status, ...(seenUntilMs === undefined ? {} : { seenUntil: isoOf(seenUntilMs)! }), firing })),
    }])),
    alerts: new Map(alerts.map(({ fingerprint, rule, subject, labels, annotations, startsAt, value }) => {
      const ack = acks.get(fingerprint);
      return [fingerprint, {
        fingerprint, rule, subject, labels, annotations, startsAt, ...(value === undefined ? {} : { value }),
        ...(ack && isAcknowledged(ack, { fingerprint, startsAt }) ? { acknowledged: { by: ack.by, comment: ack.comment, at: ack.at } } : {}),
      }];
    })),
  };
}

export interface StreamClient {
  /** Writes a frame; false once the client is gone or too far behind (it is then dropped). */
  send(frame: string): boolean;
  /** Whether the client's token still allows reads (the configuration may have changed). */
  allowed(): boolean;
  end(): void;
}

interface Attached {
  client: StreamClient;
  /** Whether the client has had a full snapshot; until then it gets the whole state, not a diff. */
  synced: boolean;
}

/**
 * The shared poller: polls while it has clients, sends each one the events that take it from
 * what it has seen to the newest snapshot. Polls are chained (never overlapping), so a slow
 * Redis slows the stream instead of piling up reads.
 */
export class StreamPoller {
  private readonly attached = new Map<StreamClient, Attached>();
  private snapshot: StreamSnapshot | undefined;
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => Promise<StreamSnapshot>,
    private readonly log: Logger,
    private readonly pollMs = STREAM_POLL_MS,
    private readonly heartbeatMs = STREAM_HEARTBEAT_MS,
  ) {}

  get clients(): number {
    return this.attached.size;
  }

  /** Whether a poll is scheduled or running: only while clients are attached. */
  get polling(): boolean {
    return this.running;
  }

  add(client: StreamClient): void {
    const entry: Attached = { client, synced: false };
    this.attached.set(client, entry);
    // A snapshot at most a poll old: the client need not wait for the next one to see anything.
    if (this.snapshot !== undefined) this.deliver(entry, streamEvents(undefined, this.snapshot));
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(), this.heartbeatMs);
    if (!this.running) {
      this.running = true;
      void this.poll();
    }
  }

  remove(client: StreamClient): void {
    if (!this.attached.delete(client) || this.attached.size > 0) return;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    // A poll in flight stops itself when it finds no clients.
    if (this.pollTimer !== undefined) this.stop();
  }

  /** Ends every stream (the server is closing): hijacked responses would otherwise hold it open. */
  closeAll(): void {
    for (const { client } of [...this.attached.values()]) {
      client.end();
      this.remove(client);
    }
  }

  private stop(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.running = false;
    // The next client after a pause starts from a fresh read, not from a stale snapshot.
    this.snapshot = undefined;
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    try {
      const next = await this.read();
      const diff = this.snapshot === undefined ? undefined : streamEvents(this.snapshot, next);
      const full = streamEvents(undefined, next);
      this.snapshot = next;
      for (const entry of [...this.attached.values()]) this.deliver(entry, entry.synced && diff !== undefined ? diff : full);
    } catch (err) {
      // Redis away: clients keep what they show and get the difference once a read succeeds.
      this.log.warn({ err }, 'stream poll failed');
    }
    if (this.attached.size === 0) this.stop();
    else this.pollTimer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private deliver(entry: Attached, events: StreamEvent[]): void {
    entry.synced = true;
    for (const event of events) {
      if (!entry.client.send(sseFrame(event))) return this.drop(entry.client);
    }
  }

  private heartbeat(): void {
    for (const { client } of [...this.attached.values()]) {
      if (!client.allowed() || !client.send(SSE_HEARTBEAT)) this.drop(client);
    }
  }

  private drop(client: StreamClient): void {
    client.end();
    this.remove(client);
  }
}

const streamQuery = z.object({ token: z.string().min(1).optional() });

/** A client over a hijacked response: fastify no longer touches it, so it is ended here. */
function responseClient(raw: ServerResponse, allowed: () => boolean): StreamClient {
  return {
    send(frame) {
      if (raw.destroyed || raw.writableEnded || raw.writableLength > MAX_BUFFERED_BYTES) return false;
      raw.write(frame);
      return true;
    },
    allowed,
    end() {
      if (!raw.writableEnded) raw.end();
    },
  };
}

/**
 * Registers GET /api/v1/stream outside the route list: its answer is a stream, not a JSON
 * body, so it is not in the OpenAPI document (like the ping endpoint); docs/ARCHITECTURE.md
 * describes it.
 */
export function registerStreamRoute(app: FastifyInstance, ctx: ApiContext, authorizeRequest: AuthorizeRequest, log: Logger): StreamPoller {
  const poller = new StreamPoller(() => readStreamSnapshot(ctx), log.child({ component: 'stream' }));
  app.addHook('preClose', async () => poller.closeAll());
  app.get(`${API_PREFIX}/stream`, async (request, reply) => {
    const query = streamQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ code: 'VIGIL_API_INVALID', message: 'query.token: expected one token', problems: [{ field: 'query.token', reason: 'expected one token' }] });
    // The header wins when both are given: it is what every other route reads.
    const authorization = request.headers.authorization ?? (query.data.token === undefined ? undefined : `Bearer ${query.data.token}`);
    authorizeRequest({ headers: { authorization } }, 'read');
    if (poller.clients >= MAX_STREAM_CLIENTS) {
      return reply.code(503).header('retry-after', '30').send({ code: 'VIGIL_API_BUSY', message: `this api process already streams to ${MAX_STREAM_CLIENTS} clients; try another or later` });
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream and deliver it in bursts.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${RECONNECT_MS}\n\n`);
    const client = responseClient(raw, () => {
      try {
        authorizeRequest({ headers: { authorization } }, 'read');
        return true;
      } catch {
        return false;
      }
    });
    raw.once('close', () => poller.remove(client));
    poller.add(client);
  });
  return poller;
}
