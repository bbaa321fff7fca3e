import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig, type ConfigProblem } from '../../../libs/config/index.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/config/${name}`, import.meta.url));
}

export function fixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** The problems a rejected configuration reports; fails the test when it is accepted instead. */
export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  return configErrorOf(text, env).problems;
}

/** The ConfigError a rejected configuration throws; fails the test when it is accepted instead. */
export function configErrorOf(text: string, env: NodeJS.ProcessEnv = {}, source = 'test.yaml'): ConfigError {
  try {
    parseConfig(text, env, source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the configuration to be rejected, but it was accepted');
}

/** A document with one TCP check carrying `extra` fields (flow-style YAML, without braces). */
export function tcpCheck(extra = ''): string {
  return `checks:\n  - { id: db, type: tcp, host: db.internal, port: 5432${extra ? `, ${extra}` : ''} }\n`;
}

export function httpCheck(extra = ''): string {
  return `checks:\n  - { id: web, type: http, url: "https://example.com/"${extra ? `, ${extra}` : ''} }\n`;
}
