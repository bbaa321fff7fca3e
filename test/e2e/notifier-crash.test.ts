/**
 * Exactly once toward people, at least once on the wire, with real notifier processes: a
 * notifier killed (SIGKILL) while a receiver holds its request loses nothing, and the repeat
 * another notifier sends carries the same webhook-id, so the receiver can drop it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeliveryLog } from '../../libs/alerts/index.js';
import { createQueue, createRedis } from '../../libs/queues/index.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';
import { checkDown } from '../support/notifier-stack.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../support/services.js';

const services: ServiceProcess[] = [];
const cleanups: Array<() => Promise<unknown> | void> = [];

afterEach(async () => {
  for (const service of services.splice(0).reverse()) await service.stop('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a notifier killed mid-send', () => {
  it('is replaced by another that delivers the notification again with the same webhook-id', async () => {
    // The first request is held until the notifier sending it is gone; later ones are answered.
    const receiver = new RecordingReceiver((index) => (index === 0 ? { status: 200, delayMs: 60_000 } : { status: 200 }));
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const dir = mkdtempSync(join(tmpdir(), 'vigil-notifier-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, `channels:\n  - { id: oncall, type: webhook, url: "${receiver.url}", timeout: 60s }\ndefaultRoute: { groupWait: 0s, groupInterval: 1h }\n`);
    const env = { REDIS_URL: await isolatedRedisUrl(), VIGIL_CONFIG: configPath, INFLUX_URL: '' };
    const redis = createRedis(env.REDIS_URL, 'cli');
    const alerts = createQueue('alerts', redis);
    cleanups.push(() => redis.quit(), () => alerts.close());
    const fail = (err: unknown): never => {
      throw new Error(`${String(err)}\n${describeOutput(services)}`);
    };

    const first = spawnService('notifier', env);
    services.push(first);
    await started(first).catch(fail);
    await alerts.add('alert', checkDown('shop-api'), { jobId: 'shop-api-down' });
    await eventually('the held request', () => receiver.requests.length >= 1 || undefined, 20_000).catch(fail);
    await first.stop('SIGKILL');

    const second = spawnService('notifier', env);
    services.push(second);
    await started(second).catch(fail);
    await eventually('the delivery again', () => receiver.requests.length >= 2 || undefined, 40_000).catch(fail);
    const log = await eventually('the delivered entry', async () => {
      const entries = await readDeliveryLog(redis, { channelId: 'oncall' });
      return entries.some((entry) => entry.outcome === 'delivered') ? entries : undefined;
    }).catch(fail);

    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);
    expect(log.filter((entry) => entry.outcome === 'delivered')).toHaveLength(1);
  }, 90_000);
});
