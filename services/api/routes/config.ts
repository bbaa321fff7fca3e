import { z } from 'zod';
import { readConfigStatus } from '../../../libs/config-sync.js';
import { isoOf, type ApiContext } from '../context.js';
import { defineRoute, type AnyRoute } from '../route.js';

/** Never the text: a file may hold a secret written inline instead of as `${VAR}`. */
const configStatus = z.object({
  running: z.object({
    version: z.number().describe('accepted edits so far'),
    sha: z.string(),
    source: z.string(),
    acceptedAt: z.string().optional(),
  }).optional().describe('the configuration the watcher last accepted'),
  rejected: z.object({ sha: z.string(), source: z.string(), at: z.string(), problems: z.array(z.string()) }).optional()
    .describe('the last edit the watcher rejected; the running configuration is the one before it'),
  served: z.object({ sha: z.string() }).describe('the configuration this api process answers from'),
}).meta({ id: 'ConfigStatus' });

export function configRoutes(ctx: ApiContext, servedSha: () => string): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/config', access: 'read', summary: 'The configuration version running, and the last rejected edit',
      response: configStatus,
      async handler() {
        const { running, rejected } = await readConfigStatus(ctx.redis);
        return {
          ...(running ? { running: { version: running.version, sha: running.sha, source: running.source, ...(running.acceptedAt ? { acceptedAt: running.acceptedAt } : {}) } } : {}),
          ...(rejected ? { rejected: { sha: rejected.sha, source: rejected.source, at: isoOf(rejected.atMs)!, problems: rejected.problems } } : {}),
          served: { sha: servedSha() },
        };
      },
    }),
  ];
}
