import { checkTypeProblems } from './checks.js';
import type { ConfigProblem } from './errors.js';
import { show } from './fields.js';
import { routesWithPaths } from './routes.js';
import type { Config } from './schema.js';

/** Rules that span fields or sections, checked once every field is known to be well formed. */
export function crossCheck(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const section of ['checks', 'watches', 'channels'] as const) {
    const seen = new Map<string, number>();
    config[section].forEach((item, index) => {
      const first = seen.get(item.id);
      if (first !== undefined) problems.push({ path: `${section}[${index}].id`, message: `duplicate id ${show(item.id)} (already used by ${section}[${first}])` });
      else seen.set(item.id, index);
    });
  }
  config.checks.forEach((check, index) => {
    if (check.timeoutMs >= check.intervalMs) {
      problems.push({ path: `checks[${index}].timeout`, message: `must be shorter than the interval (${check.timeoutMs}ms >= ${check.intervalMs}ms)` });
    }
    if (check.retryIntervalMs !== undefined && check.retryIntervalMs > check.intervalMs) {
      problems.push({ path: `checks[${index}].retryInterval`, message: `must not be longer than the interval (${check.retryIntervalMs}ms > ${check.intervalMs}ms)` });
    }
    problems.push(...checkTypeProblems(check, `checks[${index}]`));
  });
  const channelIds = new Set(config.channels.map((channel) => channel.id));
  const unknownChannel = (channelId: string, path: string): void => {
    if (!channelIds.has(channelId)) problems.push({ path, message: `no channel has the id ${show(channelId)} (defined: ${[...channelIds].join(', ') || 'none'})` });
  };
  for (const { route, path } of routesWithPaths(config.routes)) {
    if (route.channels.length === 0) problems.push({ path: `${path}.channels`, message: 'a route needs channels, or a parent route that has them' });
    route.channels.forEach((channelId, position) => unknownChannel(channelId, `${path}.channels[${position}]`));
    route.escalate.forEach((step, index) => step.channels.forEach((channelId, position) => unknownChannel(channelId, `${path}.escalate[${index}].channels[${position}]`)));
  }
  const checkIds = new Set(config.checks.map((check) => check.id));
  config.checks.forEach((check, index) => {
    (check.dependsOn ?? []).forEach((dependency, position) => {
      const path = `checks[${index}].dependsOn[${position}]`;
      if (dependency === check.id) problems.push({ path, message: 'a check cannot depend on itself' });
      else if (!checkIds.has(dependency)) problems.push({ path, message: `no check has the id ${show(dependency)}` });
    });
  });
  return problems;
}
