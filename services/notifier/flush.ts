import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { acknowledgementsOf, isAcknowledged, removeAcknowledgements } from '../../libs/alerts/acks.js';
import { logFieldOf, notificationIdOf, recordOf, toldRecords } from '../../libs/alerts/index.js';
import type { Config, InhibitRule } from '../../libs/config/index.js';
import { jobIdOf, type AlertEvent, type DeliveryJob, type GroupFlushJob, type Processor } from '../../libs/queues/index.js';
import { escalationEligible, nextEscalationAtMs, planChannelMessage, type PlanReason } from './group-plan.js';
import { finishFlush, readGroup, RESOLVED_KEPT_MS, type StoredGroup } from './groups.js';
import type { MuteContext } from './mutes.js';
import type { RouteNode, RouteTree } from './routing.js';

/** The group-flushes job id of a group's timer: one job per group and due time, whoever sets it. */
export function flushJobIdOf(groupKey: string, flushAtMs: number): string {
  return jobIdOf('flush', createHash('sha256').update(groupKey).digest('hex').slice(0, 24), flushAtMs);
}

export async function armTimer(flushes: Queue<GroupFlushJob>, groupKey: string, flushAtMs: number, nowMs = Date.now()): Promise<void> {
  await flushes.add('flush', { groupKey, flushAtMs }, { jobId: flushJobIdOf(groupKey, flushAtMs), delay: Math.max(0, flushAtMs - nowMs) });
}

export interface FlushDeps {
  redis: Redis;
  deliveries: Queue<DeliveryJob>;
  flushes: Queue<GroupFlushJob>;
  getConfig: () => Config;
  routeTree: () => RouteTree;
  /** The inhibit rules of the configuration running now (inhibitRulesOf), built once per configuration. */
  inhibitRules: () => InhibitRule[];
  mutes: MuteContext;
  /** Sends the alerts of a group whose route is gone through the routes of today. */
  reroute: (alert: AlertEvent) => Promise<void>;
  log: Logger;
  now?: () => number;
}

interface Message {
  channelId: string;
  reason: PlanReason;
  alerts: AlertEvent[];
}

/**
 * group-flushes → deliveries: at a group's due time, decides per channel what it must be told
 * (group-plan.ts), queues those notifications, records them in the notification log as queued
 * and sets the group's next timer, groupInterval later (sooner when an escalation falls due).
 * A flush that runs again (crash, retry) plans the same messages with the same ids, which
 * BullMQ and the sent markers drop.
 */
export function flushProcessor(deps: FlushDeps): Processor<'group-flushes'> {
  const now = deps.now ?? Date.now;
  return async ({ groupKey, flushAtMs }, job) => {
    const group = await readGroup(deps.redis, groupKey);
    // Gone (flushed empty by another replica) or re-timed: this job is not the group's timer.
    if (group === undefined || group.nextFlushAtMs !== flushAtMs) return;
    const jobLog = deps.log.child({ groupKey, jobId: job.id });
    const route = deps.routeTree().byKey.get(group.meta.routeKey);
    if (route === undefined) return void await rerouteGroup(deps, group, jobLog);

    const nowMs = now();
    const { messages, acknowledged } = await planMessages(deps, group, route, nowMs);
    const jobs = messages.map((message) => {
      const notificationId = notificationIdOf(message.channelId, groupKey, message.alerts, flushAtMs);
      const data: DeliveryJob = { notificationId, channelId: message.channelId, groupKey, groupLabels: group.meta.groupLabels, alerts: message.alerts };
      return { name: message.channelId, data, opts: { jobId: notificationId } };
    });
    if (jobs.length > 0) await deps.deliveries.addBulk(jobs);

    const queuedAt = new Date(nowMs);
    const resolved = group.alerts.filter((alert) => alert.status === 'resolved');
    const prune = resolved.filter((alert) => {
      const handledAtMs = group.handledAtMs.get(alert.fingerprint);
      return handledAtMs !== undefined && nowMs - handledAtMs >= RESOLVED_KEPT_MS;
    }).map((alert) => alert.fingerprint);
    const channels = channelsOf(route);
    const nextFlushAtMs = nextFlushOf(group, route, flushAtMs, nowMs, acknowledged);
    const written = await finishFlush(deps.redis, {
      groupKey,
      flushAtMs,
      readVersion: group.version,
      nowMs,
      nextFlushAtMs,
      records: jobs.flatMap(({ data }) => data.alerts.map((alert): [string, string] => [logFieldOf(data.channelId, groupKey, alert.fingerprint), JSON.stringify(recordOf(alert, data.notificationId, queuedAt))])),
      notified: messages.map((message) => message.channelId),
      handled: resolved.filter((alert) => !group.handledAtMs.has(alert.fingerprint)).map((alert) => alert.fingerprint),
      prune,
      forget: prune.flatMap((fingerprint) => channels.map((channelId) => logFieldOf(channelId, groupKey, fingerprint))),
      empty: prune.length === group.alerts.length,
    });
    if (written === 1) await armTimer(deps.flushes, groupKey, nextFlushAtMs, nowMs);
    // A resolved outage's acknowledgement has done its work; a new outage is not acknowledged.
    if (written !== 0 && prune.length > 0) await removeAcknowledgements(deps.redis, prune);
    for (const { data } of jobs) {
      const reason = messages.find((message) => message.channelId === data.channelId)?.reason;
      jobLog.info({ channelId: data.channelId, notificationId: data.notificationId, reason, alerts: data.alerts.length }, 'group notification queued');
    }
  };
}

async function planMessages(deps: FlushDeps, group: StoredGroup, route: RouteNode, nowMs: number): Promise<{ messages: Message[]; acknowledged: Set<string> }> {
  const fingerprints = group.alerts.map((alert) => alert.fingerprint);
  const [muted, acknowledged] = await Promise.all([
    deps.mutes.mutesOf(group.alerts, deps.inhibitRules(), nowMs),
    acknowledgedIn(deps.redis, group.alerts),
  ]);
  const messages: Message[] = [];
  for (const target of targetsOf(route, nowMs, acknowledged)) {
    const told = await toldRecords(deps.redis, target.channelId, group.meta.groupKey, fingerprints);
    const lastNotifiedAtMs = group.lastNotifiedAtMs.get(target.channelId);
    const plan = planChannelMessage({
      alerts: group.alerts, told, nowMs, muted, acknowledged,
      repeatIntervalMs: route.repeatIntervalMs, sendResolved: route.sendResolved,
      ...(lastNotifiedAtMs === undefined ? {} : { lastNotifiedAtMs }),
      ...(target.eligible === undefined ? {} : { eligible: target.eligible }),
    });
    if (plan.send) messages.push({ channelId: target.channelId, reason: plan.reason, alerts: plan.alerts });
  }
  return { messages, acknowledged };
}

/** The route's channels, then each escalation step's; a channel listed twice is told once, by its first listing. */
function targetsOf(route: RouteNode, nowMs: number, acknowledged: ReadonlySet<string>): Array<{ channelId: string; eligible?: (alert: AlertEvent) => boolean }> {
  const seen = new Set<string>();
  const targets: Array<{ channelId: string; eligible?: (alert: AlertEvent) => boolean }> = [];
  for (const channelId of route.channels) {
    if (!seen.has(channelId)) targets.push({ channelId });
    seen.add(channelId);
  }
  for (const step of route.escalate) {
    const eligible = escalationEligible(step.afterMs, nowMs, acknowledged);
    for (const channelId of step.channels) {
      if (!seen.has(channelId)) targets.push({ channelId, eligible });
      seen.add(channelId);
    }
  }
  return targets;
}

function channelsOf(route: RouteNode): string[] {
  return [...new Set([...route.channels, ...route.escalate.flatMap((step) => step.channels)])];
}

async function acknowledgedIn(redis: Redis, alerts: readonly AlertEvent[]): Promise<Set<string>> {
  const acks = await acknowledgementsOf(redis, alerts.map((alert) => alert.fingerprint));
  return new Set(alerts.filter((alert) => isAcknowledged(acks.get(alert.fingerprint), alert)).map((alert) => alert.fingerprint));
}

/**
 * groupInterval after this flush (Alertmanager's fixed tick), or from now when the flush ran
 * late; an escalation falling due earlier brings it forward.
 */
export function nextFlushOf(group: Pick<StoredGroup, 'alerts'>, route: Pick<RouteNode, 'groupIntervalMs' | 'escalate'>, flushAtMs: number, nowMs: number, acknowledged: ReadonlySet<string>): number {
  const intervalMs = Math.max(1, route.groupIntervalMs);
  let next = flushAtMs + intervalMs;
  if (next <= nowMs) next = nowMs + intervalMs;
  const escalation = nextEscalationAtMs(group.alerts, route.escalate.map((step) => step.afterMs), nowMs, acknowledged);
  return escalation !== undefined && escalation < next ? escalation : next;
}

async function rerouteGroup(deps: FlushDeps, group: StoredGroup, log: Logger): Promise<void> {
  log.warn({ routeKey: group.meta.routeKey, alerts: group.alerts.length }, 'the route of this group is gone (configuration changed); its alerts are routed again');
  for (const alert of group.alerts) await deps.reroute(alert);
  await finishFlush(deps.redis, {
    groupKey: group.meta.groupKey, flushAtMs: group.nextFlushAtMs, readVersion: group.version, nowMs: (deps.now ?? Date.now)(), nextFlushAtMs: group.nextFlushAtMs,
    records: [], notified: [], handled: [], prune: group.alerts.map((alert) => alert.fingerprint), forget: [], empty: true,
  });
}
