/** The real CLI, spawned the way `npm run config:check` runs it. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GOOD = 'test/fixtures/config/issue-example.yaml';
const BAD = 'test/fixtures/config/invalid.yaml';

function configCheck(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/config-check.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // Only what the test gives, so a VIGIL_CONFIG or ONCALL_WEBHOOK_URL in the caller's shell cannot leak in.
    env: { PATH: process.env.PATH, ...env },
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('config:check', () => {
  it('prints a summary and exits 0 for a valid file', () => {
    const run = configCheck([GOOD], { ONCALL_WEBHOOK_URL: 'https://hooks.example.com/x' });
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe(`${GOOD}: ok (3 checks, 3 watches, 1 channel, 1 route)\n`);
  });

  it('lists every problem on stderr, one per line with its line number, and exits 1', () => {
    const run = configCheck([BAD]);
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `${BAD}: invalid configuration (3 problems)`,
      '  checks[0].interval: expected a duration like "30s", got "thirty" (line 6)',
      expect.stringMatching(/^ {2}checks\[1\]\.port: .*65535.*70000 \(line 7\)$/),
      expect.stringMatching(/^ {2}routes\[0\]\.receiver: unknown key, expected one of: match, matchers, channels, .* \(line 9\)$/),
    ]);
  });

  it('reports a variable the file needs but the environment lacks', () => {
    const run = configCheck([GOOD]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/channels\[0\]\.url: environment variable ONCALL_WEBHOOK_URL is not set .*\(line \d+\)/);
  });

  it('checks the file in VIGIL_CONFIG when no file is given', () => {
    const run = configCheck([], { VIGIL_CONFIG: BAD });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid.yaml: invalid configuration');
  });

  it('exits 1 for a file that does not exist', () => {
    const run = configCheck(['test/fixtures/config/missing.yaml']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot read the file (ENOENT)');
  });

  it('exits 2 with usage for an unknown option', () => {
    const run = configCheck(['--strict', GOOD]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^usage: /);
  });
});
