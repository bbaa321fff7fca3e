import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AlertEvent, GroupFlushJob, Processor } from '../../libs/queues/index.js';
import { armTimer } from './flush.js';
import { addToGroup } from './groups.js';
import { routeAlert, type RouteTree } from './routing.js';

export interface DispatchDeps {
  redis: Redis;
  flushes: Queue<GroupFlushJob>;
  routeTree: () => RouteTree;
  log: Logger;
  now?: () => number;
}

/**
 * One alert event into the groups its routes put it in. A new group's timer is set groupWait
 * ahead and its job queued; a group that has one keeps it, so a change waits for the group's
 * next flush.
 */
export async function dispatchAlert(deps: DispatchDeps, alert: AlertEvent, log: Logger = deps.log): Promise<void> {
  const groups = routeAlert(alert.labels, deps.routeTree());
  if (groups.length === 0) {
    // A configuration gap, not a failure: retrying cannot make a route appear.
    log.warn({ labels: alert.labels }, 'alert matched no route; nobody is notified');
    return;
  }
  const nowMs = (deps.now ?? Date.now)();
  for (const { route, groupKey, groupLabels } of groups) {
    const added = await addToGroup(deps.redis, { groupKey, routeKey: route.key, groupLabels }, alert, nowMs + route.groupWaitMs);
    if (!added.accepted) log.info({ groupKey }, 'an older event of this alert arrived after a newer one; ignored');
    // A group that already had a timer has its job; one lost in a crash is re-armed by the sweeper.
    if (added.timerStarted && added.nextFlushAtMs !== undefined) await armTimer(deps.flushes, groupKey, added.nextFlushAtMs, nowMs);
  }
  log.info({ groupKeys: groups.map((group) => group.groupKey) }, 'alert added to its groups');
}

/** alerts → groups. */
export function dispatchProcessor(deps: DispatchDeps): Processor<'alerts'> {
  return async (data, job) => {
    const alert = alertEventOf(data);
    await dispatchAlert(deps, alert, deps.log.child({ jobId: job.id, fingerprint: alert.fingerprint, status: alert.status }));
  };
}

/** Only the fields Vigil defines travel on, whatever else a producer put in the job. */
function alertEventOf(data: AlertEvent): AlertEvent {
  const { fingerprint, status, labels, annotations, startsAt, endsAt } = data;
  return { fingerprint, status, labels, annotations, startsAt, ...(endsAt === undefined ? {} : { endsAt }) };
}
