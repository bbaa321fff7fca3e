import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { fingerprintOf, stageAlert, stageTransition, type StateTransition } from '../../../libs/alerts/index.js';
import { parseConfig } from '../../../libs/config/index.js';
import { shaOf, type ConfigSnapshot } from '../../../libs/config-sync.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { buildApiServer } from '../../../services/api/server.js';
import { isolatedRedisUrl } from '../../support/infra.js';

export const ADMIN_TOKEN = 'a1'.repeat(16);
export const READ_TOKEN = 'r2'.repeat(11);
export const TOKENS_YAML = `api:\n  tokens:\n    - { id: ops, token: "\${ADMIN}", scope: admin }\n    - { id: board, token: "\${READER}", scope: read }\n`;
const TOKEN_ENV = { ADMIN: ADMIN_TOKEN, READER: READ_TOKEN };

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface RunningApi {
  url: string;
  /** A request with the admin token unless `token` says otherwise (null: none). */
  call(method: string, path: string, options?: { token?: string | null; body?: unknown }): Promise<Answer>;
  /** Swaps the configuration the server answers from, as a reload does. */
  reload(yaml: string): void;
}

/**
 * A real api server on 127.0.0.1, port 0, over this file's own Redis database, emptied
 * before each test so no test sees another's alerts.
 */
export function apiHarness() {
  let redis: Redis;
  const servers: Array<{ close(): Promise<unknown> }> = [];
  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(() => redis.disconnect());

  return {
    get redis(): Redis {
      return redis;
    },
    /** Starts a server on `yaml` (with TOKENS_YAML appended unless it has its own api section). */
    async start(yaml = '', now?: () => Date): Promise<RunningApi> {
      const snapshotOf = (text: string): ConfigSnapshot => {
        const full = /^api:/m.test(text) ? text : `${text}${TOKENS_YAML}`;
        return { config: parseConfig(full, TOKEN_ENV, 'test.yaml'), sha: shaOf(full), source: 'test.yaml' };
      };
      let snapshot = snapshotOf(yaml);
      const app = buildApiServer({ redis, log: pino({ level: 'silent' }), snapshot: () => snapshot, ...(now ? { now } : {}) });
      servers.push(app);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return {
        url,
        reload(text) {
          snapshot = snapshotOf(text);
        },
        async call(method, path, options = {}) {
          const token = options.token === undefined ? ADMIN_TOKEN : options.token;
          const headers: Record<string, string> = {};
          if (token !== null) headers.authorization = `Bearer ${token}`;
          if (options.body !== undefined) headers['content-type'] = 'application/json';
          const response = await fetch(`${url}/api/v1${path}`, { method, headers, ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }) });
          const text = await response.text();
          return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
        },
      };
    },
  };
}

/** An alert firing as the evaluator records it: staged in a MULTI with stageAlert. */
export async function fireAlert(redis: Redis, checkId: string, startsAt = '2026-12-03T10:00:00.000Z', extra: Record<string, string> = {}): Promise<string> {
  const labels = { alertname: 'CheckDown', check: checkId, ...extra };
  const fingerprint = fingerprintOf(labels);
  const transaction = redis.multi();
  stageAlert(transaction, { fingerprint, status: 'firing', labels, annotations: { description: 'connect ECONNREFUSED' }, startsAt }, `${checkId}@default`, 'down');
  await transaction.exec();
  return fingerprint;
}

/** A subject's state and history as the evaluator writes them: the JSON state, the subjects set, a transition. */
export async function storeCheckState(redis: Redis, subject: string, state: Record<string, unknown>, transitions: StateTransition[] = []): Promise<void> {
  const transaction = redis.multi().set(REDIS_KEYS.checkState(subject), JSON.stringify({ consecutiveFailures: 0, consecutiveSuccesses: 0, lastTick: 0, ...state })).sadd(REDIS_KEYS.subjects, subject);
  // Oldest first, so the last one given is the newest (stageTransition pushes to the front).
  for (const transition of transitions) stageTransition(transaction, subject, transition);
  await transaction.exec();
}
