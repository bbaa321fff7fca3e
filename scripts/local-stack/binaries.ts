import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** A server binary the local stack needs, and the Debian package that ships it. */
export interface SystemBinary {
  command: string;
  debianPackage: string;
}

export const REDIS_SERVER: SystemBinary = { command: 'redis-server', debianPackage: 'redis-server' };
export const INFLUXD: SystemBinary = { command: 'influxd', debianPackage: 'influxdb' };
/** For icmp probes (and their tests): Node cannot send ICMP echo requests itself. */
export const PING: SystemBinary = { command: 'ping', debianPackage: 'iputils-ping' };

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function isDebianLike(): boolean {
  if (!existsSync('/etc/os-release')) return false;
  const release = readFileSync('/etc/os-release', 'utf8');
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
}

/**
 * Installs missing server binaries with apt-get when that is possible (root on Debian or
 * Ubuntu); otherwise stops with a message naming exactly what to install.
 */
export function ensureBinaries(binaries: SystemBinary[], log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const missing = binaries.filter((binary) => !hasCommand(binary.command));
  if (missing.length === 0) return;
  const packages = missing.map((binary) => binary.debianPackage);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !isDebianLike() || !hasCommand('apt-get')) {
    throw new Error(`missing ${missing.map((b) => b.command).join(' and ')}: install the Debian/Ubuntu package(s) ${packages.join(' ')} `
      + `(apt-get install ${packages.join(' ')})${missing.some((b) => b === REDIS_SERVER || b === INFLUXD) ? ', or point REDIS_URL / INFLUX_URL at running servers' : ''}`);
  }
  log(`installing ${packages.join(' ')} with apt-get (needed: ${missing.map((b) => b.command).join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const stillMissing = missing.filter((binary) => !hasCommand(binary.command));
  if (stillMissing.length > 0) throw new Error(`apt-get finished but ${stillMissing.map((b) => b.command).join(', ')} is still not on PATH`);
}
