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

/** Keys that can be written bare in a path; anything else ("$.status", "a b") is quoted. */
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (!PLAIN_KEY.test(String(segment))) text += `[${JSON.stringify(String(segment))}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** The inverse of formatPath, so a problem's path can be looked up in the YAML document. */
export function parsePath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
}
