import type { Redis } from 'ioredis';
import { alertInMaintenance, listMaintenanceWindows, type MaintenanceWindow } from '../../libs/alerts/maintenance.js';
import { activeSilences, silencesMuting, type Silence } from '../../libs/alerts/silences.js';
import { listActiveAlerts } from '../../libs/alerts/store.js';
import type { InhibitRule } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import type { Mute } from './group-plan.js';
import { inhibitingSource, type SourceAlert } from './inhibition.js';

/** How long what mutes alerts is reused between flushes: a storm flushes thousands of groups a second. */
const FRESH_FOR_MS = 1_000;

interface Snapshot {
  readAtMs: number;
  silences: Silence[];
  windows: MaintenanceWindow[];
  /** Firing alerts of the alert store, read only when there are inhibit rules. */
  sources: SourceAlert[];
  withSources: boolean;
}

/**
 * Decides which alerts of a group are muted now, and why: silenced, in a maintenance window, or
 * inhibited by another firing alert (read from the alert store the evaluator writes).
 */
export class MuteContext {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(private readonly redis: Redis) {}

  async mutesOf(alerts: readonly AlertEvent[], rules: readonly InhibitRule[], nowMs: number): Promise<Map<string, Mute>> {
    const { silences, windows, sources } = await this.current(nowMs, rules.length > 0);
    const now = new Date(nowMs);
    const mutes = new Map<string, Mute>();
    for (const alert of alerts) {
      const silencing = silencesMuting(silences, alert.labels, now);
      if (silencing.length > 0) {
        mutes.set(alert.fingerprint, { reason: 'silenced', notifyResolved: silencing.some((silence) => silence.notifyResolved) });
      } else if (alertInMaintenance(windows, alert.labels, now) !== undefined) {
        mutes.set(alert.fingerprint, { reason: 'maintenance', notifyResolved: true });
      } else if (rules.length > 0 && inhibitingSource(rules, alert, sources) !== undefined) {
        mutes.set(alert.fingerprint, { reason: 'inhibited', notifyResolved: true });
      }
    }
    return mutes;
  }

  private async current(nowMs: number, needSources: boolean): Promise<Snapshot> {
    const held = this.snapshot;
    if (held !== undefined && nowMs - held.readAtMs < FRESH_FOR_MS && (held.withSources || !needSources)) return held;
    this.loading ??= this.load(nowMs, needSources).finally(() => {
      this.loading = undefined;
    });
    this.snapshot = await this.loading;
    return this.snapshot;
  }

  private async load(nowMs: number, needSources: boolean): Promise<Snapshot> {
    const now = new Date(nowMs);
    const [silences, windows, active] = await Promise.all([
      activeSilences(this.redis, now),
      listMaintenanceWindows(this.redis, now),
      needSources ? listActiveAlerts(this.redis) : Promise.resolve([]),
    ]);
    return { readAtMs: nowMs, silences, windows, sources: active.map(({ fingerprint, labels }) => ({ fingerprint, labels })), withSources: needSources };
  }

  /** Forget what was read, so the next flush reads again (tests, and after a silence is added). */
  invalidate(): void {
    this.snapshot = undefined;
  }
}
