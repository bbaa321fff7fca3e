import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue, createRedis, jobIdOf, type ObservationBatch, type WatchObservation, type WatchObservationBatch } from '../../../libs/queues/index.js';
import { BACKLOG_HIGH, ObservationSender } from '../../../services/watcher/observation-sender.js';
import { startRedis, type LocalServer } from '../../../scripts/local-stack/servers.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { sleep } from '../../support/recording-receiver.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  redis: Redis;
  queue: Queue<ObservationBatch>;
  sender: ObservationSender;
}

function senderOn(redis: Redis): Setup {
  const queue = createQueue('results', redis);
  let sequence = 0;
  const sender = new ObservationSender({
    queue, redis, log: pino({ level: 'silent' }), watchId: 'logs', host: 'h1', agentStartedAt: 1,
    nextJobId: () => jobIdOf('watch', 'h1', 'test', (sequence += 1)), retryBaseMs: 20, retryMaxMs: 200,
  });
  cleanups.push(async () => {
    await sender.close(500);
    await queue.close();
  });
  return { redis, queue, sender };
}

const stat = (n: number): WatchObservation => ({ kind: 'stat', path: `/var/backups/${n}.tar`, atMs: n, exists: true, sizeBytes: n });

async function batches(queue: Queue<ObservationBatch>): Promise<WatchObservationBatch[]> {
  const jobs = await queue.getJobs(['waiting'], 0, -1, true);
  const sequence = (id: string | undefined) => Number(id?.split('|').at(-1));
  return jobs.sort((a, b) => sequence(a.id) - sequence(b.id)).map((job) => job.data as WatchObservationBatch);
}

describe('ObservationSender', () => {
  it('queues observations in order, at most 500 to a job', async () => {
    const redis = createRedis(await isolatedRedisUrl());
    cleanups.push(() => { redis.disconnect(); });
    const { queue, sender } = senderOn(redis);

    for (let n = 0; n < 1_200; n += 1) sender.send(stat(n));
    await sender.flushed();
    const queued = await batches(queue);
    expect(queued.every((batch) => batch.observations.length <= 500)).toBe(true);
    expect(queued.flatMap((batch) => batch.observations.map((o) => o.atMs))).toEqual(Array.from({ length: 1_200 }, (_, n) => n));
    expect(queued[0]).toMatchObject({ source: 'watch', watchId: 'logs', host: 'h1', agentStartedAt: 1 });
  });

  it('writes a batch\'s commit once its job is queued, and a commit without news in order with the rest', async () => {
    const redis = createRedis(await isolatedRedisUrl());
    cleanups.push(() => { redis.disconnect(); });
    const { queue, sender } = senderOn(redis);
    const done: string[] = [];
    let queued = false;
    let queuedBeforeWrite = false;
    queue.on('waiting', () => { queued = true; });

    sender.send(stat(1), { write: (pipeline) => { queuedBeforeWrite = queued; pipeline.hset('offsets', 'a', '1'); }, done: () => done.push('a') });
    sender.commit({ write: (pipeline) => pipeline.hset('offsets', 'b', '2'), done: () => done.push('b') });
    await sender.flushed();
    expect(queuedBeforeWrite).toBe(true);
    expect(done).toEqual(['a', 'b']);
    expect(await redis.hgetall('offsets')).toEqual({ a: '1', b: '2' });
    expect((await batches(queue)).map((batch) => batch.observations.length)).toEqual([1]);
  });

  it('keeps what it could not queue while Redis is down, holds tails back, and sends it all once Redis is back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-sender-redis-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let server: LocalServer = await startRedis({ dataDir });
    cleanups.push(() => server.stop());
    // Commands fail instead of waiting for the connection, so the sender's own retry is what is tested.
    const redis = createRedis(server.url, 'service', { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => undefined);
    cleanups.push(() => { redis.disconnect(); });
    const { queue, sender } = senderOn(redis);
    await redis.ping();

    await server.stop();
    const commits: string[] = [];
    for (let n = 0; n < BACKLOG_HIGH; n += 1) sender.send(stat(n), { write: (pipeline) => pipeline.hset('offsets', 'f', String(n)), done: () => commits.push(String(n)) });
    let roomy = false;
    void sender.roomy().then(() => { roomy = true; });
    await sleep(500);
    expect(roomy).toBe(false);
    expect(commits).toEqual([]);

    server = await startRedis({ dataDir, port: server.port });
    await eventually('everything queued', async () => (await batches(queue)).flatMap((batch) => batch.observations).length === BACKLOG_HIGH || undefined, 20_000, 100);
    await eventually('tails may read again', () => roomy || undefined, 5_000, 20);
    await sender.flushed();
    expect(await redis.hget('offsets', 'f')).toBe(String(BACKLOG_HIGH - 1));
    expect((await batches(queue)).flatMap((batch) => batch.observations.map((o) => o.atMs))).toEqual(Array.from({ length: BACKLOG_HIGH }, (_, n) => n));
  });
});
