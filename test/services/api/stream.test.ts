import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../../services/api/context.js';
import { readStreamSnapshot, StreamPoller, type StreamClient } from '../../../services/api/stream.js';
import { parseConfig } from '../../../libs/config/index.js';
import { shaOf } from '../../../libs/config-sync.js';
import { buildApiServer } from '../../../services/api/server.js';
import { eventually } from '../../support/infra.js';
import { apiHarness, fireAlert, READ_TOKEN, storeCheckState, TOKENS_YAML } from './support.js';

const CHECKS = `checks:
  - { id: shop, type: http, url: "https://shop.example.com/healthz" }
  - { id: db, type: tcp, host: db.internal, port: 5432 }
`;

interface SseEvent {
  event: string;
  data: any;
}

/** A real SSE client over fetch: collects every event and every comment line. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            comments.push(...lines.filter((line) => line.startsWith(':')));
            const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
            const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
            if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted by close()
      }
      ended = true;
    })();
  }
  return {
    response,
    events,
    comments,
    ended: () => ended,
    of: (name: string) => events.filter((event) => event.event === name),
    close: () => abort.abort(),
  };
}

describe('GET /api/v1/stream', () => {
  const harness = apiHarness();
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  const stream = async (url: string, headers?: Record<string, string>) => {
    const client = await connect(url, headers);
    open.push(client);
    return client;
  };

  it('needs a read token, like every read', async () => {
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream`);
    expect(client.response.status).toBe(401);
    expect(await client.response.json()).toMatchObject({ code: 'VIGIL_API_UNAUTHORIZED' });
  });

  it('takes the token from ?token=, since EventSource cannot send headers', async () => {
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream?token=${READ_TOKEN}`);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a wrong token in the query', async () => {
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream?token=${'f'.repeat(32)}`);
    expect(client.response.status).toBe(401);
  });

  it('needs no token with publicRead', async () => {
    const api = await harness.start(`${CHECKS}${TOKENS_YAML}  publicRead: true\n`);
    const client = await stream(`${api.url}/api/v1/stream`);
    expect(client.response.status).toBe(200);
  });

  it('sends the whole state first, marked full', async () => {
    await storeCheckState(harness.redis, 'shop@default', { status: 'up' });
    const fingerprint = await fireAlert(harness.redis, 'db');
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream`, { authorization: `Bearer ${READ_TOKEN}` });
    const checks = await eventually('the first checks event', () => client.of('checks')[0]);
    expect(checks.data).toMatchObject({ full: true, removed: [], changed: [{ id: 'shop', states: [{ region: 'default', status: 'up' }] }, { id: 'db', states: [{ status: 'unknown' }] }] });
    const alerts = await eventually('the first alerts event', () => client.of('alerts')[0]);
    expect(alerts.data).toMatchObject({ full: true, changed: [{ fingerprint, labels: { check: 'db' } }] });
  });

  it('then sends only the check that changed', async () => {
    await storeCheckState(harness.redis, 'shop@default', { status: 'up' });
    await storeCheckState(harness.redis, 'db@default', { status: 'up' });
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream?token=${READ_TOKEN}`);
    await eventually('the full state', () => client.of('checks')[0]);
    await storeCheckState(harness.redis, 'shop@default', { status: 'down', lastMessage: 'HTTP 500' });
    const change = await eventually('a checks diff', () => client.of('checks')[1]);
    expect(change.data).toEqual({ changed: [{ id: 'shop', paused: false, states: [expect.objectContaining({ region: 'default', status: 'down', lastMessage: 'HTTP 500' })] }], removed: [] });
  });

  it('sends an alert that starts firing, and its acknowledgement', async () => {
    const api = await harness.start(CHECKS);
    const client = await stream(`${api.url}/api/v1/stream?token=${READ_TOKEN}`);
    await eventually('the full state', () => client.of('alerts')[0]);
    const fingerprint = await fireAlert(harness.redis, 'shop', new Date().toISOString());
    await eventually('the alert', () => client.of('alerts').find((event) => event.data.changed.some((alert: any) => alert.fingerprint === fingerprint)));
    expect((await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { by: 'ana' } })).status).toBe(200);
    const acked = await eventually('the acknowledgement', () => client.of('alerts').find((event) => event.data.changed.some((alert: any) => alert.acknowledged?.by === 'ana')));
    expect(acked.data.changed).toHaveLength(1);
  });

  it('gives two clients the same events', async () => {
    const api = await harness.start(CHECKS);
    const first = await stream(`${api.url}/api/v1/stream?token=${READ_TOKEN}`);
    const second = await stream(`${api.url}/api/v1/stream?token=${READ_TOKEN}`);
    await eventually('both synced', () => first.of('checks')[0] && second.of('checks')[0]);
    await storeCheckState(harness.redis, 'db@default', { status: 'down' });
    const [a, b] = await eventually('both told', () => (first.of('checks')[1] && second.of('checks')[1] ? [first.of('checks')[1]!, second.of('checks')[1]!] : undefined));
    expect(a.data).toEqual(b.data);
  });

  it('ends open streams when the server closes, so closing does not hang', async () => {
    const full = `${CHECKS}${TOKENS_YAML}`;
    const snapshot = { config: parseConfig(full, { ADMIN: 'a1'.repeat(16), READER: READ_TOKEN }, 'test.yaml'), sha: shaOf(full), source: 'test.yaml' };
    const app = buildApiServer({ redis: harness.redis, log: pino({ level: 'silent' }), snapshot: () => snapshot });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = await stream(`${url}/api/v1/stream?token=${READ_TOKEN}`);
    await eventually('the full state', () => client.of('checks')[0]);
    await app.close();
    await eventually('the stream to end', () => client.ended());
  });
});

describe('StreamPoller', () => {
  const harness = apiHarness();
  const pollers: StreamPoller[] = [];
  afterEach(() => {
    for (const poller of pollers.splice(0)) poller.closeAll();
  });

  const ctxOf = (): ApiContext => {
    const config = parseConfig(CHECKS, {}, 'test.yaml');
    return { redis: harness.redis, config: () => config, now: () => new Date(), results: undefined as never };
  };
  const client = (allowed = () => true) => {
    const frames: string[] = [];
    let ended = false;
    const self: StreamClient & { frames: string[]; ended: () => boolean } = {
      frames,
      send: (frame) => { frames.push(frame); return !ended; },
      allowed,
      end: () => { ended = true; },
      ended: () => ended,
    };
    return self;
  };
  const poller = (heartbeatMs = 15_000) => {
    let reads = 0;
    const ctx = ctxOf();
    const made = new StreamPoller(() => { reads += 1; return readStreamSnapshot(ctx); }, pino({ level: 'silent' }), 20, heartbeatMs);
    pollers.push(made);
    return { poller: made, reads: () => reads };
  };

  it('polls only while a client is connected', async () => {
    const { poller: shared, reads } = poller();
    expect(shared.polling).toBe(false);
    const viewer = client();
    shared.add(viewer);
    expect(shared.polling).toBe(true);
    await eventually('a few polls', () => reads() >= 3);
    shared.remove(viewer);
    await eventually('polling to stop', () => !shared.polling);
    const after = reads();
    // Another client restarts it from a fresh read.
    shared.add(viewer);
    await eventually('a poll again', () => reads() > after);
  });

  it('sends each of several clients the full state once, and nothing more while nothing changes', async () => {
    const { poller: shared, reads } = poller();
    const viewers = [client(), client(), client()];
    for (const viewer of viewers) shared.add(viewer);
    await eventually('every client synced', () => viewers.every((viewer) => viewer.frames.some((frame) => frame.startsWith('event: checks'))));
    const startReads = reads();
    await eventually('five more polls', () => reads() >= startReads + 5);
    expect(viewers.every((viewer) => viewer.frames.filter((frame) => frame.startsWith('event: checks')).length === 1)).toBe(true);
  });

  it('sends heartbeats, and drops a client whose token no longer allows reads', async () => {
    const { poller: shared } = poller(30);
    let allowed = true;
    const viewer = client(() => allowed);
    shared.add(viewer);
    await eventually('a heartbeat', () => viewer.frames.includes(': heartbeat\n\n'));
    allowed = false;
    await eventually('the client dropped', () => viewer.ended());
    expect(shared.clients).toBe(0);
    await eventually('polling to stop', () => !shared.polling);
  });
});
