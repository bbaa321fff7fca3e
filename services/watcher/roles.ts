import { hostname } from 'node:os';
import { z } from 'zod';

/** The watcher's two jobs: publishing the configuration file (one active per stack) and watching this host's files. */
export const WATCHER_ROLES = ['publisher', 'agent'] as const;
export type WatcherRole = (typeof WATCHER_ROLES)[number];

/** `WATCHER_ROLES=agent` on the hosts that only watch files; both roles by default. */
export const watcherRoles = () => z.string().transform((value, ctx) => {
  const given = value.split(',').map((role) => role.trim()).filter((role) => role !== '');
  const unknown = given.filter((role) => !(WATCHER_ROLES as readonly string[]).includes(role));
  if (given.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${WATCHER_ROLES.map((role) => JSON.stringify(role)).join(', ')}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return new Set(given as WatcherRole[]);
}).default(() => new Set<WatcherRole>(WATCHER_ROLES));

/** The host label of this agent's observations and alerts. */
export const watcherHost = () => z.string().trim().min(1).default(() => hostname());

export const WATCHER_ROLE_ENV = {
  WATCHER_ROLES: watcherRoles(),
  WATCHER_HOST: watcherHost(),
};
