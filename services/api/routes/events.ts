/**
 * POST /events: results pushed by agents for `external` checks (libs/config/check-external.ts),
 * queued on `results` as probe result batches so the evaluator's probe path takes them as it
 * takes its own probes. All or nothing: one bad event rejects the body, naming each problem.
 */
import { z } from 'zod';
import type { CheckConfig, Config } from '../../../libs/config/index.js';
import type { ProbeResult } from '../../../libs/queues/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, defineRoute, type AnyRoute, type Problem } from '../route.js';
import { checkById } from './checks.js';

export const MAX_EVENTS = 1_000;
/** A result older than this is history, not news: the evaluator's states have moved on. */
export const MAX_EVENT_AGE_MS = 60 * 60_000;
/** Clocks drift; further ahead than this is a wrong clock, not a result. */
export const MAX_EVENT_AHEAD_MS = 5 * 60_000;

const event = z.strictObject({
  check: z.string().min(1).describe('Id of an `external` check of the running configuration'),
  ok: z.boolean(),
  region: z.string().min(1).optional().describe("One of the check's regions; its first by default"),
  latencyMs: z.number().min(0).max(3_600_000).optional(),
  message: z.string().max(1_000).optional(),
  statusCode: z.number().int().min(0).max(999).optional(),
  at: z.iso.datetime({ offset: true }).optional().describe('When the agent measured it (ISO 8601); now by default'),
});

const body = z.strictObject({ events: z.array(event).min(1).max(MAX_EVENTS) }).meta({ id: 'PushedResults' });
type PushedEvent = z.output<typeof event>;

/** The result an event stands for, or the problems that keep it out. Pure. */
export function resultOf(config: Config, pushed: PushedEvent, index: number, nowMs: number, workerId: string): { result?: ProbeResult; problems: Problem[] } {
  const at = (field: string) => `body.events[${index}].${field}`;
  const check: CheckConfig | undefined = checkById(config, pushed.check);
  if (check === undefined) return { problems: [{ field: at('check'), reason: `no check has the id "${pushed.check}"` }] };
  if (check.type !== 'external') return { problems: [{ field: at('check'), reason: `"${check.id}" is a ${check.type} check that Vigil ${check.type === 'heartbeat' ? 'is pinged for' : 'probes itself'}; results can be pushed for external checks only` }] };
  const region = pushed.region ?? check.regions[0]!;
  if (!check.regions.includes(region)) return { problems: [{ field: at('region'), reason: `"${check.id}" reports from ${check.regions.map((name) => `"${name}"`).join(', ')}, not "${region}"` }] };
  const atMs = pushed.at === undefined ? nowMs : Date.parse(pushed.at);
  if (atMs > nowMs + MAX_EVENT_AHEAD_MS) return { problems: [{ field: at('at'), reason: `${pushed.at} is more than 5 minutes ahead of the api's clock` }] };
  if (atMs < nowMs - MAX_EVENT_AGE_MS) return { problems: [{ field: at('at'), reason: `${pushed.at} is more than an hour old` }] };
  return {
    problems: [],
    result: {
      checkId: check.id, checkType: 'external', region, scheduledAt: atMs, startedAt: atMs, ok: pushed.ok,
      ...(pushed.ok ? {} : { errorClass: 'other' as const }),
      ...(pushed.message === undefined ? {} : { message: pushed.message }),
      ...(pushed.statusCode === undefined ? {} : { statusCode: pushed.statusCode }),
      timings: { totalMs: pushed.latencyMs ?? 0 },
      workerId,
    },
  };
}

export function eventRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/events', access: 'ingest', status: 202, bodyLimitBytes: 2 * 1024 * 1024,
      summary: 'Push results of external checks onto the observation path (1 to 1,000 per request, all or nothing)',
      body,
      response: z.object({ accepted: z.number() }),
      async handler({ body: { events }, tokenId }) {
        const config = ctx.config();
        const nowMs = ctx.now().getTime();
        const outcomes = events.map((pushed, index) => resultOf(config, pushed, index, nowMs, `api:${tokenId ?? 'anonymous'}`));
        const problems = outcomes.flatMap((outcome) => outcome.problems);
        if (problems.length > 0) throw new ApiError(400, 'VIGIL_API_INVALID', problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; '), problems);
        const byRegion = new Map<string, ProbeResult[]>();
        for (const { result } of outcomes) {
          const list = byRegion.get(result!.region);
          if (list) list.push(result!);
          else byRegion.set(result!.region, [result!]);
        }
        // The evaluator applies a batch in scheduled order and ignores results older than a check's last one.
        await ctx.results.addBulk([...byRegion].map(([region, results]) => ({ name: 'pushed', data: { source: 'probe' as const, region, results: results.sort((a, b) => a.scheduledAt - b.scheduledAt) } })));
        return { accepted: events.length };
      },
    }),
  ];
}
