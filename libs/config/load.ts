import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { crossCheck } from './cross-check.js';
import { expandEnv } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { describeIssue } from './issues.js';
import { parseYaml, withLines } from './positions.js';
import { configSchema, resolveConfig, type Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'vigil.yaml';

/** Which file to load: `--config FILE`, then VIGIL_CONFIG (unless empty), then ./vigil.yaml. */
export function configPathFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  const flag = argv.indexOf('--config');
  const fromFlag = flag >= 0 ? argv[flag + 1] : undefined;
  return resolve(fromFlag ?? (env.VIGIL_CONFIG || DEFAULT_CONFIG_FILE));
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  return parseConfig(text, env, path);
}

/**
 * Parses, expands, validates and defaults a configuration; throws ConfigError listing every
 * problem. Each step runs only on what the previous one accepted: YAML syntax, `${NAME}`
 * references, the schema, then the rules between fields and sections.
 */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): Config {
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) throw new ConfigError(source, yaml.problems);

  const problems: ConfigProblem[] = [];
  const data = expandEnv(yaml.doc.toJS() ?? {}, env, problems);
  if (problems.length > 0) throw new ConfigError(source, withLines(yaml, problems));

  const parsed = configSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(source, withLines(yaml, parsed.error.issues.flatMap((issue) => describeIssue(configSchema, issue, data))));
  }

  const config = resolveConfig(parsed.data, dirname(resolve(source)));
  const crossProblems = crossCheck(config);
  if (crossProblems.length > 0) throw new ConfigError(source, withLines(yaml, crossProblems));
  return config;
}
