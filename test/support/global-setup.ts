import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBinaries, INFLUXD, PING, REDIS_SERVER } from '../../scripts/local-stack/binaries.js';
import { startInfluxd, startRedis, type LocalServer } from '../../scripts/local-stack/servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    influxUrl: string;
  }
}

/** Starts one real redis-server and one real influxd for the whole run, on free loopback ports. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureBinaries([REDIS_SERVER, INFLUXD]);
  ensureBinaries([PING]); // the icmp probe tests ping 127.0.0.1
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const servers: LocalServer[] = [];
  try {
    const redis = await startRedis({ dataDir: join(dataDir, 'redis'), extraArgs: ['--databases', '1024'] });
    servers.push(redis);
    const influx = await startInfluxd({ dataDir: join(dataDir, 'influxdb') });
    servers.push(influx);
    project.provide('redisUrl', redis.url);
    project.provide('influxUrl', influx.url);
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    throw err;
  }
  return async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
