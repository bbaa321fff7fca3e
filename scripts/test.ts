/**
 * `npm test`: installs the servers the suite needs when they are missing, then runs vitest,
 * whose global setup starts a private redis-server and influxd on free loopback ports.
 */
import { spawnSync } from 'node:child_process';
import { ensureBinaries, INFLUXD, REDIS_SERVER } from './local-stack/binaries.js';

try {
  ensureBinaries([REDIS_SERVER, INFLUXD]);
} catch (err) {
  process.stderr.write(`npm test: ${(err as Error).message}\n`);
  process.exit(1);
}
const result = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
