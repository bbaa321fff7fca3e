/**
 * The pipeline watchdog's I/O: when probe results were last applied (recorded by every
 * evaluator, at most once a second), and the sweep that commits PipelineStalled's firing or
 * resolution through the same alert store and outbox as every other alert.
 */
import type { Redis } from 'ioredis';
import type { CheckConfig } from '../../libs/config/index.js';
import { isProbed } from '../../libs/config/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { decideWatchdog, PIPELINE_SUBJECT, stalledAfterMs, type WatchdogState } from './pipeline-watchdog.js';
import { commitSubjects, type CommitDeps } from './watches/commit.js';

const RECORD_EVERY_MS = 1_000;

/** Notes that probe results were applied; writes Redis at most once a second. */
export class ResultClock {
  private writtenAtMs = 0;

  constructor(private readonly redis: Redis) {}

  async applied(nowMs = Date.now()): Promise<void> {
    if (nowMs - this.writtenAtMs < RECORD_EVERY_MS) return;
    this.writtenAtMs = nowMs;
    await this.redis.set(REDIS_KEYS.pipelineLastResult, String(nowMs));
  }
}

export interface PipelineSweepOptions {
  nowMs: number;
  /** When this evaluator started: with no result recorded yet, the silence counts from then. */
  startedAtMs: number;
  /** Replaces stalledAfterMs(checks) (tests). */
  stalledAfterMs?: number;
}

/** Returns 'fired', 'resolved' or undefined (no change). */
export async function sweepPipeline(deps: CommitDeps, checks: Map<string, CheckConfig>, options: PipelineSweepOptions): Promise<'fired' | 'resolved' | undefined> {
  const all = [...checks.values()];
  const natural = stalledAfterMs(all);
  const allowedMs = natural === undefined ? undefined : options.stalledAfterMs ?? natural;
  let outcome: 'fired' | 'resolved' | undefined;
  await commitSubjects(deps, [REDIS_KEYS.pipelineWatchdog, REDIS_KEYS.pipelineLastResult], ([stateText, lastText]) => {
    const state = stateText ? (JSON.parse(stateText) as WatchdogState) : undefined;
    const lastResultMs = Math.max(Number(lastText ?? 0), options.startedAtMs);
    const step = decideWatchdog(state, { lastResultMs, nowMs: options.nowMs, stalledAfterMs: allowedMs, probedChecks: all.filter((check) => isProbed(check) && !check.paused).length });
    outcome = step === undefined ? undefined : step.after.firing ? 'fired' : 'resolved';
    return { changes: step ? [{ subject: PIPELINE_SUBJECT, key: REDIS_KEYS.pipelineWatchdog, after: step.after, raised: step.raised, transitions: step.transitions }] : [] };
  });
  return outcome;
}
