/** Heartbeat pings (issue 11) against a real api server and Redis: each ping is an observation on `results`. */
import { describe, expect, it } from 'vitest';
import { tokenBits } from '../../../libs/config/index.js';
import { createQueue, type HeartbeatPing, type ObservationBatch } from '../../../libs/queues/index.js';
import { PingBatcher } from '../../../services/api/ping-batcher.js';
import { DEFAULT_PING_RATE_LIMIT } from '../../../services/api/routes/ping.js';
import { READ_TOKEN, apiHarness, type RunningApi } from './support.js';

const api = apiHarness();
const CONFIG = 'checks:\n  - { id: backup, type: heartbeat, period: 1h, grace: 5m }\n  - { id: report, type: heartbeat, schedule: "0 3 * * *", timezone: Europe/Berlin, grace: 30m }\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1 }\n';

async function pingPath(server: RunningApi, checkId: string): Promise<string> {
  const answer = await server.call('GET', `/checks/${checkId}/ping-url`);
  expect(answer.status).toBe(200);
  return answer.body.path as string;
}

async function queued(): Promise<ObservationBatch[]> {
  const queue = createQueue('results', api.redis);
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id)).map((job) => job.data);
  } finally {
    await queue.close();
  }
}

describe('the ping endpoint', () => {
  it.each([
    ['GET', '', { kind: 'success' }],
    ['POST', '', { kind: 'success' }],
    ['GET', '/start', { kind: 'start' }],
    ['POST', '/fail', { kind: 'fail' }],
    ['GET', '/0', { kind: 'success', exitCode: 0 }],
    ['POST', '/2', { kind: 'fail', exitCode: 2 }],
  ])('%s /ping/TOKEN%s queues a heartbeat observation', async (method, suffix, expected) => {
    const server = await api.start(CONFIG);
    const path = await pingPath(server, 'backup');
    const response = await fetch(`${server.url}${path}${suffix}`, { method, ...(method === 'POST' ? { body: 'log line 1\nlog line 2', headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) });
    expect(response.status).toBe(200);
    expect(await queued()).toEqual([{ source: 'heartbeat', pings: [{ checkId: 'backup', atMs: expect.any(Number), ...expected }] }]);
  });

  it('needs no bearer token: the ping token is the secret', async () => {
    const server = await api.start(CONFIG);
    const path = await pingPath(server, 'backup');
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer wrong' } });
    expect(response.status).toBe(200);
  });

  it.each([
    ['an unknown token', '/api/v1/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['an unknown token with /start', '/api/v1/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/start'],
  ])('answers 404 to %s and queues nothing', async (_name, path) => {
    const server = await api.start(CONFIG);
    await pingPath(server, 'backup');
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'VIGIL_API_NOT_FOUND' });
    expect(await queued()).toEqual([]);
  });

  it('answers 404 to an exit code out of range or an unknown action', async () => {
    const server = await api.start(CONFIG);
    const path = await pingPath(server, 'backup');
    expect((await fetch(`${server.url}${path}/256`)).status).toBe(404);
    expect((await fetch(`${server.url}${path}/finish`)).status).toBe(404);
    expect(await queued()).toEqual([]);
  });

  it('answers 404 to the token of a check removed from the configuration', async () => {
    const server = await api.start(CONFIG);
    const path = await pingPath(server, 'backup');
    server.reload('checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1 }\n');
    expect((await fetch(`${server.url}${path}`)).status).toBe(404);
  });

  it('answers 429 with Retry-After once a token pings more than the limit in a window', async () => {
    // A fixed clock: every ping falls in one window, however slow the machine.
    const server = await api.start(CONFIG, () => new Date('2026-12-03T10:00:30Z'));
    const path = await pingPath(server, 'backup');
    const statuses: number[] = [];
    for (let i = 0; i < DEFAULT_PING_RATE_LIMIT.max; i++) statuses.push((await fetch(`${server.url}${path}`)).status);
    const limited = await fetch(`${server.url}${path}`);
    const other = await fetch(`${server.url}${await pingPath(server, 'report')}`);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(other.status).toBe(200);
  });
});

describe('ping URLs', () => {
  it('give each heartbeat check its own token of at least 128 bits, the same on every ask', async () => {
    const server = await api.start(CONFIG);
    const backup = await server.call('GET', '/checks/backup/ping-url');
    const report = await server.call('GET', '/checks/report/ping-url');
    const again = await server.call('GET', '/checks/backup/ping-url');
    expect(tokenBits(backup.body.token)).toBeGreaterThanOrEqual(128);
    expect(tokenBits(report.body.token)).toBeGreaterThanOrEqual(128);
    expect(backup.body.token).not.toBe(report.body.token);
    expect(again.body).toEqual(backup.body);
    expect(backup.body.path).toBe(`/api/v1/ping/${backup.body.token}`);
  });

  it('are shown to admin tokens only', async () => {
    const server = await api.start(CONFIG);
    expect((await server.call('GET', '/checks/backup/ping-url', { token: READ_TOKEN })).status).toBe(403);
    expect((await server.call('GET', '/checks/backup/ping-url', { token: null })).status).toBe(401);
  });

  it('answer 404 for a check that is not a heartbeat', async () => {
    const server = await api.start(CONFIG);
    expect((await server.call('GET', '/checks/web/ping-url')).status).toBe(404);
    expect((await server.call('GET', '/checks/nope/ping-url')).status).toBe(404);
  });
});

describe('ping batches', () => {
  const pingOfCheck = (checkId: string, kind: 'success' | 'start' = 'success'): HeartbeatPing => ({ checkId, kind, atMs: Date.now() });

  it('put pings that arrive in one turn into one job, in the order received', async () => {
    const results = createQueue('results', api.redis);
    const batcher = new PingBatcher(results);
    await Promise.all([batcher.add(pingOfCheck('backup', 'start')), batcher.add(pingOfCheck('report')), batcher.add(pingOfCheck('backup'))]);
    await results.close();
    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ source: 'heartbeat', pings: [{ checkId: 'backup', kind: 'start' }, { checkId: 'report' }, { checkId: 'backup', kind: 'success' }] });
  });

  it('send a lone ping at once and gather those arriving while it is queued into the next job', async () => {
    const results = createQueue('results', api.redis);
    const batcher = new PingBatcher(results);
    const first = batcher.add(pingOfCheck('backup'));
    await Promise.resolve();
    const later = [batcher.add(pingOfCheck('report')), batcher.add(pingOfCheck('backup'))];
    await Promise.all([first, ...later]);
    await results.close();
    const jobs = await queued();
    expect(jobs.map((job) => (job.source === 'heartbeat' ? job.pings.map((ping) => ping.checkId) : []))).toEqual([['backup'], ['report', 'backup']]);
  });
});
