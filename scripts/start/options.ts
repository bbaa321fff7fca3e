import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_FILE } from '../../libs/config/index.js';
import { freePort } from '../local-stack/ports.js';

/** The repository root, where services/, examples/ and node_modules/ live. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLED_CONFIG = resolve(REPO_ROOT, 'examples/vigil.yaml');

export const USAGE = `usage: npm start -- [--config FILE] [--probe-workers N]

Runs the whole Vigil stack on this machine: redis-server and influxd (unless REDIS_URL /
INFLUX_URL point at running ones), a demo target and webhook receiver, and every service.

  --config FILE        configuration (default: VIGIL_CONFIG, ./vigil.yaml, else examples/vigil.yaml)
  --probe-workers N    probe-worker processes (default: VIGIL_PROBE_WORKERS or 1)

Environment: VIGIL_DATA_DIR (default ./.vigil), VIGIL_REDIS_PORT, VIGIL_INFLUX_PORT,
VIGIL_DEMO_PORT, API_PORT (default 8080), VIGIL_LOG_FORMAT=json, VIGIL_SHUTDOWN_GRACE_MS
(default 30000), LOG_LEVEL, REDIS_URL, INFLUX_URL and the other INFLUX_* settings.
`;

export interface StartOptions {
  configPath: string;
  /** Where the config path came from, for the banner. */
  configSource: 'flag' | 'VIGIL_CONFIG' | 'working directory' | 'bundled example';
  dataDir: string;
  probeWorkers: number;
  graceMs: number;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads the command line and environment; throws UsageError on anything malformed. */
export function parseStartOptions(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): StartOptions {
  let configFlag: string | undefined;
  let workersFlag: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    if (flag === '--config') configFlag = value();
    else if (flag === '--probe-workers') workersFlag = value();
    else if (flag === '--help' || flag === '-h') help = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }

  const probeWorkers = positiveInt(workersFlag ?? env.VIGIL_PROBE_WORKERS ?? '1', workersFlag !== undefined ? '--probe-workers' : 'VIGIL_PROBE_WORKERS', 64);
  const graceMs = positiveInt(env.VIGIL_SHUTDOWN_GRACE_MS ?? '30000', 'VIGIL_SHUTDOWN_GRACE_MS', 3_600_000);

  let configPath: string;
  let configSource: StartOptions['configSource'];
  if (configFlag !== undefined) {
    configPath = resolve(cwd, configFlag);
    configSource = 'flag';
  } else if (env.VIGIL_CONFIG !== undefined && env.VIGIL_CONFIG !== '') {
    configPath = resolve(cwd, env.VIGIL_CONFIG);
    configSource = 'VIGIL_CONFIG';
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    configPath = resolve(cwd, DEFAULT_CONFIG_FILE);
    configSource = 'working directory';
  } else {
    configPath = BUNDLED_CONFIG;
    configSource = 'bundled example';
  }

  return {
    configPath,
    configSource,
    dataDir: resolve(cwd, env.VIGIL_DATA_DIR || '.vigil'),
    probeWorkers,
    graceMs,
    help,
  };
}

function positiveInt(text: string, name: string, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

export interface PortChoice {
  port: number;
  /** Why this port, for the log: "VIGIL_REDIS_PORT", "preferred", or "6379 was busy". */
  reason: string;
}

/**
 * The port named by `envName` when set; otherwise `preferred` when it is free on loopback;
 * otherwise any free port.
 */
export async function choosePort(env: NodeJS.ProcessEnv, envName: string, preferred: number): Promise<PortChoice> {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') {
    const port = Number(fromEnv);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${envName} must be a port number, got ${JSON.stringify(fromEnv)}`);
    return { port, reason: `from ${envName}` };
  }
  if (await isPortFree(preferred)) return { port: preferred, reason: 'default' };
  return { port: await freePort(), reason: `${preferred} is in use` };
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}
