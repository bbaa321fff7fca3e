/**
 * `npm run service -- <name> [args…]`: one Vigil service in the foreground, configured by the
 * environment (REDIS_URL, VIGIL_CONFIG, INFLUX_*, LOG_LEVEL …) exactly as in production.
 * Runs `node --import tsx services/<name>/main.ts`, passes signals on and exits with its code.
 * The service is supervised (its stdin is our pipe, see libs/service.ts), so killing this
 * wrapper, even with SIGKILL, stops the service too instead of leaving it running.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { SUPERVISED_ENV } from '../libs/service.js';
import { REPO_ROOT } from './start/options.js';
import { isServiceName, SERVICE_NAMES } from './start/services.js';

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || !isServiceName(name)) {
  const problem = name === undefined || name === '--help' || name === '-h' ? '' : `unknown service ${JSON.stringify(name)}\n`;
  process.stderr.write(`${problem}usage: npm run service -- <${SERVICE_NAMES.join('|')}> [--config FILE]\n`);
  process.exit(problem === '' && name !== undefined ? 0 : 2);
}

const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), `${REPO_ROOT}/services/${name}/main.ts`, ...rest], {
  stdio: ['pipe', 'inherit', 'inherit'],
  env: { ...process.env, [SUPERVISED_ENV]: '1' },
});
child.stdin?.on('error', () => {});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // The child handles these (graceful shutdown); a Ctrl-C reaches it directly as well, and a
  // second delivery of the same signal is harmless to runService.
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.once('error', (err) => {
  process.stderr.write(`could not start ${name}: ${err.message}\n`);
  process.exit(1);
});
child.once('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});
