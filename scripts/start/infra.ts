import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureBinaries, INFLUXD, REDIS_SERVER } from '../local-stack/binaries.js';
import { startInfluxd, startRedis, type LocalServer } from '../local-stack/servers.js';
import { choosePort, type PortChoice } from './options.js';

/**
 * Where the services find Redis and InfluxDB: the ones named by REDIS_URL / INFLUX_URL, or
 * a redis-server and an influxd (1.x) that `npm start` runs itself under the data directory.
 */

export interface InfraPlan {
  redisUrl: string;
  /** Set when npm start runs redis-server itself. */
  redisPort?: PortChoice;
  influxUrl: string;
  /** Set when npm start runs influxd itself. */
  influxPort?: PortChoice;
  demoPort: PortChoice;
  demoUrl: string;
}

export async function planInfra(env: NodeJS.ProcessEnv): Promise<InfraPlan> {
  const demoPort = await choosePort(env, 'VIGIL_DEMO_PORT', 8099);
  const redisPort = env.REDIS_URL ? undefined : await choosePort(env, 'VIGIL_REDIS_PORT', 6379);
  const influxPort = env.INFLUX_URL ? undefined : await choosePort(env, 'VIGIL_INFLUX_PORT', 8086);
  return {
    redisUrl: env.REDIS_URL || `redis://127.0.0.1:${redisPort!.port}`,
    ...(redisPort ? { redisPort } : {}),
    influxUrl: env.INFLUX_URL || `http://127.0.0.1:${influxPort!.port}`,
    ...(influxPort ? { influxPort } : {}),
    demoPort,
    demoUrl: `http://127.0.0.1:${demoPort.port}`,
  };
}

/** Host and port of a redis:// or rediss:// URL (defaults 127.0.0.1 and 6379). */
export function redisHostPort(url: string): { host: string; port: number } {
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: parsed.port === '' ? 6379 : Number(parsed.port) };
  } catch {
    throw new Error(`REDIS_URL is not a URL: ${JSON.stringify(url)}`);
  }
}

/** The environment every service process gets. */
export function childEnv(base: NodeJS.ProcessEnv, plan: InfraPlan, configPath: string): NodeJS.ProcessEnv {
  const { host, port } = redisHostPort(plan.redisUrl);
  const env: NodeJS.ProcessEnv = {
    ...base,
    REDIS_URL: plan.redisUrl,
    VIGIL_REDIS_HOST: host,
    VIGIL_REDIS_PORT: String(port),
    INFLUX_URL: plan.influxUrl,
    VIGIL_CONFIG: configPath,
    VIGIL_DEMO_URL: plan.demoUrl,
    LOG_LEVEL: base.LOG_LEVEL || 'info',
  };
  if (plan.influxPort) {
    // Our own influxd is 1.x without authentication: settings meant for another server must not leak in.
    for (const key of ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_USERNAME', 'INFLUX_PASSWORD', 'INFLUX_RETENTION_POLICY']) delete env[key];
    env.INFLUX_VERSION = '1';
    env.INFLUX_DATABASE = base.INFLUX_DATABASE || 'vigil';
  }
  return env;
}

export interface StartedInfra {
  redis?: LocalServer;
  influx?: LocalServer;
}

export interface InfraOutput {
  /** A line a server printed. */
  line(name: 'redis' | 'influxd', text: string): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  /** A server process was just spawned (it may not be ready yet). */
  spawned(name: 'redis' | 'influxd', child: ChildProcess): void;
}

/**
 * Starts what the plan says to start, into `started` as each comes up (so a caller that is
 * interrupted half way knows what to stop). Installs missing binaries with apt-get first.
 */
export async function startInfra(plan: InfraPlan, dataDir: string, env: NodeJS.ProcessEnv, output: InfraOutput, started: StartedInfra): Promise<void> {
  const needed = [...(plan.redisPort ? [REDIS_SERVER] : []), ...(plan.influxPort ? [INFLUXD] : [])];
  if (needed.length > 0) ensureBinaries(needed, (line) => output.info(line));
  if (plan.redisPort) {
    output.info(`starting redis-server on port ${plan.redisPort.port} (${plan.redisPort.reason})`, { dataDir: join(dataDir, 'redis') });
    started.redis = await withRecentOutput('redis-server', (onOutput) =>
      startRedis({ dataDir: join(dataDir, 'redis'), port: plan.redisPort!.port, detached: true, onSpawn: (child) => output.spawned('redis', child), onOutput: (line) => { onOutput(line); output.line('redis', line); } }));
  }
  if (plan.influxPort) {
    output.info(`starting influxd on port ${plan.influxPort.port} (${plan.influxPort.reason})`, { dataDir: join(dataDir, 'influxdb') });
    started.influx = await withRecentOutput('influxd', (onOutput) =>
      startInfluxd({ dataDir: join(dataDir, 'influxdb'), port: plan.influxPort!.port, detached: true, onSpawn: (child) => output.spawned('influxd', child), onOutput: (line) => { onOutput(line); output.line('influxd', line); } }));
    await createInfluxDatabase(plan.influxUrl, env.INFLUX_DATABASE || 'vigil');
  }
}

/** Adds the server's last lines of output to a start-up failure, which otherwise says only "exited". */
async function withRecentOutput(name: string, start: (onOutput: (line: string) => void) => Promise<LocalServer>): Promise<LocalServer> {
  const recent: string[] = [];
  try {
    return await start((line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
    });
  } catch (err) {
    const tail = recent.length > 0 ? `\n${name} said:\n  ${recent.join('\n  ')}` : '';
    throw new Error(`${(err as Error).message}${tail}`);
  }
}

/** Idempotent in InfluxDB 1.x: creating an existing database is a no-op. */
async function createInfluxDatabase(url: string, database: string): Promise<void> {
  const body = new URLSearchParams({ q: `CREATE DATABASE "${database.replace(/["\\]/g, '\\$&')}"` });
  const response = await fetch(`${url}/query`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok || text.includes('"error"')) throw new Error(`could not create the InfluxDB database ${database}: ${response.status} ${text.trim()}`);
}

/** Redis log lines are noisy at start-up; keep warnings (" # ") unless LOG_LEVEL asks for more. */
export function isInterestingRedisLine(line: string, logLevel: string | undefined): boolean {
  if (logLevel === 'debug' || logLevel === 'trace') return true;
  return /^\d+:[A-Z] .*? # /.test(line) || !/^\d+:[A-Z] /.test(line);
}
