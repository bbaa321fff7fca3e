import type { ConfigProblem } from './errors.js';
import { formatPath } from './errors.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` (and `${NAME:-fallback}`) in every string value of a parsed document,
 * so secrets stay in the environment. Expanding after YAML parsing means a value can never
 * change the document's structure.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, problems: ConfigProblem[], path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') return expandString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, index) => expandEnv(item, env, problems, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[], path: PropertyKey[]): string {
  return text.replace(REFERENCE, (whole, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    problems.push({ path: formatPath(path), message: `environment variable ${name} is not set (referenced as ${whole})` });
    return whole;
  });
}
