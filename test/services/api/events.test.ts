/** POST /api/v1/events against a real api server and Redis: pushed results on the observation path. */
import { describe, expect, it } from 'vitest';
import { createQueue, type ObservationBatch } from '../../../libs/queues/index.js';
import { ADMIN_TOKEN, READ_TOKEN, apiHarness } from './support.js';

const api = apiHarness();
const INGEST_TOKEN = 'c3'.repeat(16);
const NOW = new Date('2026-12-03T12:00:00Z');
const CONFIG = [
  'checks:',
  '  - { id: office, type: external, regions: [berlin, paris] }',
  '  - { id: web, type: tcp, host: 127.0.0.1, port: 1 }',
  '  - { id: backup, type: heartbeat, period: 1h, grace: 5m }',
  'api:',
  '  tokens:',
  `    - { id: ops, token: "${ADMIN_TOKEN}", scope: admin }`,
  `    - { id: board, token: "${READ_TOKEN}", scope: read }`,
  `    - { id: agent, token: "${INGEST_TOKEN}", scope: ingest }`,
  '',
].join('\n');

async function queued(): Promise<ObservationBatch[]> {
  const queue = createQueue('results', api.redis);
  try {
    return (await queue.getJobs(['waiting'])).map((job) => job.data);
  } finally {
    await queue.close();
  }
}

const push = (server: Awaited<ReturnType<typeof api.start>>, events: unknown, token: string | null = INGEST_TOKEN) => server.call('POST', '/events', { token, body: { events } });

describe('POST /events', () => {
  it('queues pushed results as probe results of the external check, one batch per region, in time order', async () => {
    const server = await api.start(CONFIG, () => NOW);
    const answer = await push(server, [
      { check: 'office', ok: true, latencyMs: 12, at: '2026-12-03T11:59:30Z' },
      { check: 'office', ok: false, region: 'paris', message: 'VPN down', statusCode: 503 },
      { check: 'office', ok: true, latencyMs: 10, at: '2026-12-03T11:59:00Z' },
    ]);
    expect(answer).toMatchObject({ status: 202, body: { accepted: 3 } });
    const batches = (await queued()).sort((a, b) => ((a as { region: string }).region < (b as { region: string }).region ? -1 : 1));
    expect(batches).toEqual([
      { source: 'probe', region: 'berlin', results: [
        expect.objectContaining({ checkId: 'office', checkType: 'external', ok: true, scheduledAt: Date.parse('2026-12-03T11:59:00Z'), timings: { totalMs: 10 }, workerId: 'api:agent' }),
        expect.objectContaining({ ok: true, scheduledAt: Date.parse('2026-12-03T11:59:30Z'), timings: { totalMs: 12 } }),
      ] },
      { source: 'probe', region: 'paris', results: [expect.objectContaining({ ok: false, errorClass: 'other', message: 'VPN down', statusCode: 503, scheduledAt: NOW.getTime() })] },
    ]);
  });

  it.each([
    ['an unknown check', { check: 'nope', ok: true }, 'body.events[1].check', /no check has the id "nope"/],
    ['a probed check', { check: 'web', ok: true }, 'body.events[1].check', /tcp check that Vigil probes itself/],
    ['a heartbeat check', { check: 'backup', ok: true }, 'body.events[1].check', /heartbeat check/],
    ['a region the check does not report from', { check: 'office', ok: true, region: 'rome' }, 'body.events[1].region', /"berlin", "paris", not "rome"/],
    ['a time far ahead', { check: 'office', ok: true, at: '2026-12-03T12:10:00Z' }, 'body.events[1].at', /ahead/],
    ['a time over an hour old', { check: 'office', ok: true, at: '2026-12-03T10:00:00Z' }, 'body.events[1].at', /an hour old/],
    ['a missing ok', { check: 'office' }, 'body.events[1].ok', /./],
    ['a negative latency', { check: 'office', ok: true, latencyMs: -1 }, 'body.events[1].latencyMs', /./],
    ['an unknown field', { check: 'office', ok: true, colour: 'red' }, 'body.events[1]', /colour/],
  ])('rejects %s, naming the field, and queues nothing of the body', async (_name, bad, field, reason) => {
    const server = await api.start(CONFIG, () => NOW);
    const answer = await push(server, [{ check: 'office', ok: true }, bad]);
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([{ field, reason: expect.stringMatching(reason) }]);
    expect(await queued()).toEqual([]);
  });

  it.each([
    ['no events', []],
    ['more than 1,000 events', Array.from({ length: 1_001 }, () => ({ check: 'office', ok: true }))],
  ])('rejects %s', async (_name, events) => {
    const server = await api.start(CONFIG, () => NOW);
    const answer = await push(server, events);
    expect(answer.status).toBe(400);
    expect(answer.body.problems[0].field).toBe('body.events');
  });

  it('needs a token', async () => {
    const server = await api.start(CONFIG, () => NOW);
    expect((await push(server, [{ check: 'office', ok: true }], null)).status).toBe(401);
  });

  it('refuses a read token', async () => {
    const server = await api.start(CONFIG, () => NOW);
    expect((await push(server, [{ check: 'office', ok: true }], READ_TOKEN)).status).toBe(403);
  });

  it('takes an admin token too', async () => {
    const server = await api.start(CONFIG, () => NOW);
    expect((await push(server, [{ check: 'office', ok: true }], ADMIN_TOKEN)).status).toBe(202);
  });

  it('gives an ingest token nothing else: not even reads', async () => {
    const server = await api.start(CONFIG, () => NOW);
    expect((await server.call('GET', '/checks', { token: INGEST_TOKEN })).status).toBe(403);
    expect((await server.call('GET', '/alerts', { token: INGEST_TOKEN })).status).toBe(403);
  });
});
