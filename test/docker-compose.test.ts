import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_NAMES } from '../scripts/start/services.js';

/**
 * Docker cannot run here, so this reads docker-compose.yml and the Dockerfile the way Compose
 * would (YAML with merge keys) and checks what the stack depends on.
 */

const ROOT = resolve(import.meta.dirname, '..');
const VIGIL_SERVICES = SERVICE_NAMES;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  volumes?: string[];
  ports?: unknown[];
  container_name?: string;
  depends_on?: Record<string, { condition?: string }> | string[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: unknown };
}

const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const services = compose.services;

function env(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((item) => [item.split('=')[0]!, item.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, String(value)]));
}

function commandText(service: ComposeService): string {
  return Array.isArray(service.command) ? service.command.join(' ') : service.command ?? '';
}

describe('docker-compose.yml', () => {
  it('has the servers, the demo and every Vigil service, each with an image or a build', () => {
    expect(Object.keys(services).sort()).toEqual(['demo', 'influxdb', 'redis', ...VIGIL_SERVICES].sort());
    // Exactly the services of scripts/start/services.ts run with a SERVICE, each its own.
    const withService = Object.entries(services).filter(([, service]) => env(service).SERVICE !== undefined);
    expect(withService.map(([name]) => name).sort()).toEqual([...VIGIL_SERVICES].sort());
    for (const [name, service] of Object.entries(services)) {
      expect(service.image !== undefined || service.build !== undefined, name).toBe(true);
    }
  });

  it('runs Redis 7 with AOF on, noeviction, a volume and a health check', () => {
    const redis = services.redis!;
    expect(redis.image).toMatch(/^redis:7/);
    const command = commandText(redis);
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(redis.healthcheck?.test).toBeDefined();
  });

  it('runs InfluxDB 2 set up from the environment, with a volume and a health check', () => {
    const influx = services.influxdb!;
    expect(influx.image).toMatch(/^influxdb:2/);
    const vars = env(influx);
    expect(vars.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    for (const key of ['USERNAME', 'PASSWORD', 'ORG', 'BUCKET', 'ADMIN_TOKEN']) {
      expect(vars[`DOCKER_INFLUXDB_INIT_${key}`], key).toMatch(/^\$\{[A-Z_]+:-[^}]+\}$/);
    }
    expect(influx.volumes?.some((v) => v.endsWith(':/var/lib/influxdb2'))).toBe(true);
    expect(influx.healthcheck?.test).toBeDefined();
  });

  it('runs the demo server from the same build', () => {
    expect(services.demo!.build).toBeDefined();
    expect(commandText(services.demo!)).toContain('scripts/demo-server.ts');
    expect(env(services.demo!).DEMO_PORT).toBe('8099');
  });

  it.each(VIGIL_SERVICES)('configures %s for Redis, InfluxDB 2, the config file and graceful restarts', (name) => {
    const service = services[name]!;
    expect(service.build).toBeDefined();
    const vars = env(service);
    expect(vars.SERVICE).toBe(name);
    expect(vars.REDIS_URL).toBe('redis://redis:6379');
    expect(vars.INFLUX_VERSION).toBe('2');
    expect(vars.INFLUX_URL).toBe('http://influxdb:8086');
    for (const key of ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET', 'LOG_LEVEL']) expect(vars[key], key).toBeTruthy();
    expect(vars.VIGIL_CONFIG).toBe('/etc/vigil/vigil.yaml');
    expect(vars.VIGIL_DEMO_URL).toBe('http://demo:8099');
    expect(service.volumes).toContain('${VIGIL_CONFIG_FILE:-./examples/vigil.yaml}:/etc/vigil/vigil.yaml:ro');
    expect(service.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
    expect(service.restart).toBe('unless-stopped');
    expect(service.stop_grace_period).toBe('30s');
  });

  it('gives every Vigil service a health port and a health check on its /readyz', () => {
    for (const name of VIGIL_SERVICES) {
      const service = services[name]!;
      const port = env(service).VIGIL_HEALTH_PORT;
      expect(port, name).toMatch(/^\d+$/);
      expect(JSON.stringify(service.healthcheck?.test), name).toContain(`127.0.0.1:${port}/readyz`);
    }
  });

  it('lets probe-worker scale: no container_name and no fixed host ports', () => {
    const worker = services['probe-worker']!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
    for (const name of Object.keys(services)) expect(services[name]!.container_name, name).toBeUndefined();
  });

  it('declares the named volumes it uses', () => {
    const named = Object.values(services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0]!).filter((source) => /^[a-z][\w-]*$/.test(source));
    for (const volume of named) expect(compose.volumes, volume).toHaveProperty(volume);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');

  it('builds on node:20-bookworm-slim, installs from the lockfile and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/^USER (?!root)\S+/m);
    for (const dir of ['libs', 'services', 'scripts', 'examples']) expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
  });

  it('has one services/<name>/main.ts per service of the list, and no other', () => {
    const folders = readdirSync(resolve(ROOT, 'services')).filter((name) => existsSync(resolve(ROOT, 'services', name, 'main.ts')));
    expect(folders.sort()).toEqual([...VIGIL_SERVICES].sort());
  });

  describe('its command, run by sh with a stand-in for node', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const run = (service: string | undefined) => {
      const bin = mkdtempSync(join(tmpdir(), 'vigil-docker-cmd-'));
      try {
        writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "node $*"\n');
        chmodSync(join(bin, 'node'), 0o755);
        const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}` };
        if (service !== undefined) env.SERVICE = service;
        const result = spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, env, encoding: 'utf8' });
        return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    };

    it.each(VIGIL_SERVICES)('SERVICE=%s runs services/%s/main.ts with tsx', (name) => {
      expect(run(name)).toEqual({ status: 0, stdout: `node --import tsx services/${name}/main.ts`, stderr: '' });
    });

    it.each([['unset', undefined], ['empty', ''], ['unknown', 'frobnicator'], ['a path', '../scripts']])('SERVICE %s exits 2 naming every service', (_what, service) => {
      const result = run(service);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`set SERVICE to one of: ${[...VIGIL_SERVICES].sort().join(' ')} (got '${service ?? ''}')`);
    });
  });

  it('keeps the build context small', () => {
    const ignored = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', '.git', '.vigil']) expect(ignored).toContain(entry);
  });
});
