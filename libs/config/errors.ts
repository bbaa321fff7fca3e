/** One thing wrong in a configuration file, located by its path ("checks[2].interval"). */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.path === '' ? '(top level)' : problem.path;
  const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${where}: ${problem.message}${line}`;
}

/** Thrown when a configuration is rejected; carries every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'VIGIL_CONFIG_INVALID';

  constructor(readonly source: string, readonly problems: ConfigProblem[]) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
