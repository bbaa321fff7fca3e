import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../libs/config/index.js';
import { loadStartupConfig, publishConfig } from '../../libs/config-sync.js';
import { isolatedRedisUrl } from '../support/infra.js';

const log = pino({ level: 'silent' });
const configWith = (id: string) => `checks:\n  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1 }\n`;

describe('configuration at service start-up', () => {
  let redis: Redis;
  let dir: string;
  let path: string;
  const env = () => ({ VIGIL_CONFIG: path });

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
    dir = mkdtempSync(join(tmpdir(), 'vigil-config-sync-'));
  });
  beforeEach(async () => {
    await redis.flushdb();
    path = join(dir, `${Math.random()}.yaml`);
  });
  afterAll(async () => {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (snapshot: { config: { checks: Array<{ id: string }> } }) => snapshot.config.checks.map((c) => c.id);

  it('reads the configuration file when the host has one', async () => {
    writeFileSync(path, configWith('from-file'));
    await publishConfig(redis, configWith('from-redis'), 'elsewhere');
    expect(ids(await loadStartupConfig(redis, log, env(), []))).toEqual(['from-file']);
  });

  it('uses the configuration the watcher published when the host has no file', async () => {
    await publishConfig(redis, configWith('from-redis'), 'elsewhere');
    expect(ids(await loadStartupConfig(redis, log, env(), []))).toEqual(['from-redis']);
  });

  it('starts on the last accepted configuration when the file was made invalid', async () => {
    writeFileSync(path, 'checks: [ { id: broken } ]\n');
    await publishConfig(redis, configWith('last-good'), path);
    expect(ids(await loadStartupConfig(redis, log, env(), []))).toEqual(['last-good']);
  });

  it('refuses to start on an invalid file when nothing was ever accepted', async () => {
    writeFileSync(path, 'checks: [ { id: broken } ]\n');
    await expect(loadStartupConfig(redis, log, env(), [])).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses to start with neither a file nor a published configuration, saying so', async () => {
    await expect(loadStartupConfig(redis, log, env(), [])).rejects.toThrow(/no configuration has been published/);
  });
});
