/** The api service as its own process: environment, configuration, reloads, shutdown. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishConfig } from '../../../libs/config-sync.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { startRedis } from '../../../scripts/local-stack/servers.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../../support/services.js';
import { getJson, healthUrlOf } from '../../support/self-monitoring.js';
import { ADMIN_TOKEN } from './support.js';

const CONFIG = 'checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1 }\napi:\n  tokens:\n    - { id: ops, token: "${API_ADMIN_TOKEN}", scope: admin }\n';

describe('services/api/main.ts', () => {
  let redisUrl: string;
  let redis: Redis;
  let work: string;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    redisUrl = await isolatedRedisUrl();
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    work = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.stop()));
  });
  afterAll(() => {
    redis.disconnect();
    rmSync(work, { recursive: true, force: true });
  });

  async function startApi(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ service: ServiceProcess; url: string }> {
    const path = join(work, `vigil-${running.length}.yaml`);
    writeFileSync(path, CONFIG);
    const port = await freePort();
    const service = spawnService('api', { REDIS_URL: redisUrl, VIGIL_CONFIG: path, API_PORT: String(port), API_ADMIN_TOKEN: ADMIN_TOKEN, ...extraEnv });
    running.push(service);
    return { service, url: `http://127.0.0.1:${port}/api/v1` };
  }

  const get = async (url: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, body: await response.json() };
  };

  it('answers /readyz with 503 naming redis once its Redis is gone', async () => {
    const redisServer = await startRedis({ dataDir: join(work, 'private-redis') });
    try {
      const { service } = await startApi({ VIGIL_HEALTH_PORT: '0', REDIS_URL: redisServer.url });
      const health = await healthUrlOf(service);
      await eventually('/readyz to answer 200', async () => ((await getJson(`${health}/readyz`)).status === 200 || undefined));
      await redisServer.stop();
      const down = await eventually('/readyz to answer 503', async () => {
        const answer = await getJson(`${health}/readyz`);
        return answer.status === 503 ? answer : undefined;
      });
      expect(Object.keys(down.body.unreachable as object)).toEqual(['redis']);
    } finally {
      await redisServer.stop();
    }
  });

  it('listens on API_HOST:API_PORT and answers from the configuration file', async () => {
    const { service, url } = await startApi();
    await started(service).catch((err: Error) => { throw new Error(`${err.message}\n${describeOutput([service])}`); });
    const { status, body } = await get(`${url}/checks`);
    expect(status).toBe(200);
    expect(body.checks.map((check: { id: string }) => check.id)).toEqual(['web']);
  });

  it('follows a configuration the watcher publishes', async () => {
    const { service, url } = await startApi();
    await started(service);
    await publishConfig(redis, CONFIG.replace('id: web', 'id: db'), 'published.yaml');
    await eventually('the published check in GET /checks', async () => {
      const { body } = await get(`${url}/checks`);
      return body.checks?.[0]?.id === 'db' || undefined;
    }, 15_000, 100);
  });

  it('stops cleanly on SIGTERM', async () => {
    const { service } = await startApi();
    await started(service);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start on a bad API_PORT, naming it', async () => {
    const { service } = await startApi({ API_PORT: 'eighty' });
    await eventually('the api to exit', () => service.child.exitCode !== null || undefined);
    expect(service.child.exitCode).toBe(1);
    expect(service.output.join('\n')).toMatch(/API_PORT: expected a whole number/);
  });
});
