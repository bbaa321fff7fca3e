import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { createServiceRegistry } from '../../../libs/self-monitoring/registry.js';
import { buildApiServer } from '../../../services/api/server.js';
import { isolatedRedisUrl } from '../../support/infra.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';
import { ADMIN_TOKEN, TOKENS_YAML } from './support.js';

describe('api metrics', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());

  async function serve() {
    const registry = createServiceRegistry('api', { defaultMetrics: false });
    const text = `checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1 }\n${TOKENS_YAML}`;
    const config = parseConfig(text, { ADMIN: ADMIN_TOKEN, READER: 'r2'.repeat(11) }, 'test.yaml');
    const app = buildApiServer({ redis, log: pino({ level: 'silent' }), snapshot: () => ({ config, sha: 'test', source: 'test.yaml' }), registry });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const sample = async (name: string, labels: Record<string, string>) => sampleValue(parsePrometheusText(await registry.metrics()), name, { service: 'api', ...labels });
    return { app, url, sample, scrape: () => registry.metrics() };
  }

  it('counts requests by route template and status class, never by the raw path', async () => {
    const { app, url, sample, scrape } = await serve();
    try {
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      await fetch(`${url}/api/v1/checks/web`, { headers: auth });
      await fetch(`${url}/api/v1/checks/nope`, { headers: auth });
      await fetch(`${url}/api/v1/checks`);
      expect(await sample('vigil_api_requests_total', { route: '/api/v1/checks/:id', method: 'GET', status: '2xx' })).toBe(1);
      expect(await sample('vigil_api_requests_total', { route: '/api/v1/checks/:id', method: 'GET', status: '4xx' })).toBe(1);
      expect(await sample('vigil_api_requests_total', { route: '/api/v1/checks', method: 'GET', status: '4xx' })).toBe(1);
      expect(await scrape()).not.toMatch(/checks\/(web|nope)/);
    } finally {
      await app.close();
    }
  });

  it('records how long each route took', async () => {
    const { app, url, sample } = await serve();
    try {
      await fetch(`${url}/api/v1/checks`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(await sample('vigil_api_request_duration_seconds_count', { route: '/api/v1/checks' })).toBe(1);
    } finally {
      await app.close();
    }
  });
});
