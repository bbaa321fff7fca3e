import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../libs/config/index.js';
import { followConfigChanges } from '../../../libs/config-sync.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { watchConfigFile } from '../../../services/watcher/config-watch.js';
import type { RunningService } from '../../../libs/service.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

const configWith = (...ids: string[]) => `checks:\n${ids.map((id) => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1 }`).join('\n')}\n`;

describe('configuration reload', () => {
  let dir: string;
  let path: string;
  let redis: Redis;
  let subscriber: Redis;
  let watch: RunningService;
  const errors: string[] = [];
  const applied: Config[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-watch-'));
    path = join(dir, 'vigil.yaml');
    writeFileSync(path, configWith('a'));
    const url = await isolatedRedisUrl();
    redis = new Redis(url);
    subscriber = new Redis(url);
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
    // Another service following the published configuration, as scheduler/evaluator/notifier do.
    await followConfigChanges(subscriber, redis, pino({ level: 'silent' }), 'none', ({ config }) => { applied.push(config); });
    watch = await watchConfigFile({ path, redis, log, debounceMs: 50 });
  });
  afterAll(async () => {
    await watch.close();
    subscriber.disconnect();
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const lastIds = () => applied.at(-1)?.checks.map((c) => c.id).join(',');

  it('publishes the configuration it starts with', async () => {
    expect(await redis.hget(REDIS_KEYS.config, 'text')).toBe(configWith('a'));
  });

  it('tells the other services when an edit validates', async () => {
    writeFileSync(path, configWith('a', 'b'));
    await eventually('services reloaded', () => lastIds() === 'a,b' || undefined);
  });

  it('rejects an invalid edit with a log line naming the problem and keeps the running configuration', async () => {
    const before = applied.length;
    writeFileSync(path, 'checks:\n  - { id: a, type: tcp, host: 127.0.0.1, port: 1, interval: thirty }\n');
    await eventually('rejection logged', () => errors.some((line) => line.includes('checks[0].interval: expected a duration like \\"30s\\", got \\"thirty\\"')) || undefined);
    expect(applied.length).toBe(before);
    expect(await redis.hget(REDIS_KEYS.config, 'text')).toBe(configWith('a', 'b'));
  });

  it('picks up a file replaced by rename, as editors save', async () => {
    const temp = join(dir, 'vigil.yaml.tmp');
    writeFileSync(temp, configWith('c'));
    renameSync(temp, path);
    await eventually('services reloaded after rename', () => lastIds() === 'c' || undefined);
  });
});
