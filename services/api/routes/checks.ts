import { z } from 'zod';
import { HISTORY_LENGTH, historyOfCheck } from '../../../libs/alerts/index.js';
import { CHECK_TYPES, type CheckConfig, type Config } from '../../../libs/config/index.js';
import { isoOf, type ApiContext } from '../context.js';
import { RecentAnswer } from '../recent-answer.js';
import { defineRoute, JsonText, notFound, type AnyRoute } from '../route.js';
import { checkStates, SHOWN_STATUSES, type RegionState } from '../states.js';

const regionState = z.object({
  region: z.string(),
  status: z.enum(SHOWN_STATUSES),
  since: z.string().optional().describe('ISO 8601: when it changed into this status, when known'),
  lastMessage: z.string().optional(),
});

/** What a check shows: never its target (a URL may carry a token), headers or TLS material. */
const checkSummary = z.object({
  id: z.string(),
  type: z.enum(CHECK_TYPES),
  labels: z.record(z.string(), z.string()),
  regions: z.array(z.string()),
  paused: z.boolean(),
  states: z.array(regionState),
}).meta({ id: 'Check' });

const transition = z.object({ subject: z.string(), at: z.string(), from: z.string(), to: z.string(), reason: z.string().optional() });

/** Built once per configuration: a lookup by id is a Map hit, not a scan of every check (10,000 of them). */
const checksByConfig = new WeakMap<Config, Map<string, CheckConfig>>();

export function checkById(config: Config, id: string): CheckConfig | undefined {
  let byId = checksByConfig.get(config);
  if (!byId) checksByConfig.set(config, (byId = new Map(config.checks.map((check) => [check.id, check]))));
  return byId.get(id);
}

/** Most states changed long ago and share their since: formatted once, not once per request (bounded). */
const ISO_CACHE_MAX = 50_000;
const isoByMs = new Map<number, string>();

function cachedIsoOf(ms: number): string {
  let iso = isoByMs.get(ms);
  if (iso === undefined) {
    if (isoByMs.size >= ISO_CACHE_MAX) isoByMs.clear();
    isoByMs.set(ms, (iso = isoOf(ms)!));
  }
  return iso;
}

function summaryOf(check: CheckConfig, states: RegionState[]): z.output<typeof checkSummary> {
  return {
    id: check.id, type: check.type, labels: check.labels, regions: check.regions, paused: check.paused === true,
    states: states.map(({ region, status, sinceMs, lastMessage }) => ({
      region, status, ...(sinceMs === undefined ? {} : { since: cachedIsoOf(sinceMs) }), ...(lastMessage === undefined ? {} : { lastMessage }),
    })),
  };
}

/**
 * The list is at most this old: computed once a second per api process however many clients
 * poll it (at 10,000 checks one computation costs tens of milliseconds); live changes come
 * over /stream.
 */
export const CHECK_LIST_MAX_AGE_MS = 1_000;

export function checkRoutes(ctx: ApiContext): AnyRoute[] {
  const recentList = new RecentAnswer<Config, JsonText>(CHECK_LIST_MAX_AGE_MS);
  return [
    defineRoute({
      method: 'GET', path: '/checks', access: 'read', summary: 'Every configured check with its state in each region',
      response: z.object({ checks: z.array(checkSummary) }),
      async handler() {
        const config = ctx.config();
        return recentList.get(config, Date.now(), async () => {
          const states = await checkStates(ctx.redis, config.checks);
          return new JsonText(JSON.stringify({ checks: config.checks.map((check) => summaryOf(check, states.get(check.id) ?? [])) }));
        });
      },
    }),
    defineRoute({
      method: 'GET', path: '/checks/:id', access: 'read', summary: 'One check with its state and its recent state changes, newest first',
      params: z.object({ id: z.string() }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(HISTORY_LENGTH).default(50) }),
      response: z.object({ check: checkSummary, transitions: z.array(transition) }),
      errors: [404],
      async handler({ params, query }) {
        const check = checkById(ctx.config(), params.id);
        if (!check) throw notFound(`no check has the id "${params.id}"`);
        const [states, history] = await Promise.all([checkStates(ctx.redis, [check]), historyOfCheck(ctx.redis, check.id, query.limit)]);
        return {
          check: summaryOf(check, states.get(check.id) ?? []),
          transitions: history.map(({ subject, atMs, from, to, reason }) => ({ subject, at: isoOf(atMs)!, from, to, ...(reason === undefined ? {} : { reason }) })),
        };
      },
    }),
  ];
}
