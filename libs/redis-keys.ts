/**
 * Every Redis key Vigil owns, outside BullMQ's own (which live under QUEUE_PREFIX).
 * docs/ARCHITECTURE.md lists them with their types and owners.
 */
export const REDIS_KEYS = {
  /**
   * Hash {text, sha, source, version, acceptedAt, loadedAt}: the last configuration the watcher
   * accepted; version counts accepted edits, loadedAt is acceptedAt's older name.
   */
  config: 'vigil:config',
  /** Pub/sub channel: the watcher publishes the sha of a newly accepted configuration. */
  configChanged: 'vigil:config:changed',
  /**
   * Hash {sha, source, atMs, problems (JSON array of "path: reason")}: the last edit the
   * configuration publisher rejected; deleted when an edit is accepted (libs/config-sync.ts).
   */
  configRejected: 'vigil:config:rejected',
  /**
   * String with a TTL, the owner's "host:pid:random" token: held by the one watcher that
   * publishes the configuration (services/watcher/config-publisher.ts); the others stand by.
   */
  configPublisherLock: 'vigil:config:publisher',
  /** Set of every region the scheduler has made probe queues for (so it can empty retired ones). */
  regions: 'vigil:regions',
  /** Hash check id → JSON CheckConfig: the check registry probe workers read (libs/check-registry.ts). */
  checks: 'vigil:checks',
  /** String: sha of the whole registry, so the scheduler rewrites it only when it changed or was lost. */
  checksSha: 'vigil:checks:sha',
  /** Set of "<check>@<region>" whose state is pending or down: probed at their retryInterval. */
  failing: 'vigil:failing',
  /** Pub/sub channel: the failing set changed (the scheduler re-plans cadences). */
  failingChanged: 'vigil:failing:changed',
  /** String (JSON StoredState): the evaluator's state per check and region ("<check>@<region>"), or per check's quorum ("<check>@*"). */
  checkState: (checkInRegion: string) => `vigil:check-state:${checkInRegion}`,
  /** String (JSON): the rules' memory of a subject (samples, streaks), written at most every 10 s (services/evaluator/evaluate.ts). */
  ruleMemory: (checkInRegion: string) => `vigil:rule-memory:${checkInRegion}`,
  /** Set of every "<check>@<region>" that has a stored state, so removed checks can be found and resolved. */
  subjects: 'vigil:subjects',
  /**
   * Set of check ids in a maintenance window now. Written by the notifier's maintenance windows
   * (issue 9); the evaluator shows those checks as `maintenance`.
   */
  maintenance: 'vigil:maintenance',
  /**
   * List of JSON AlertEvent: events committed with the states that raised them, not yet on the
   * alerts queue (services/evaluator/alert-outbox.ts).
   */
  alertOutbox: 'vigil:alerts:outbox',
  /** Hash fingerprint → JSON ActiveAlert: every alert firing now (libs/alerts). */
  activeAlerts: 'vigil:alerts:active',
  /** List of JSON StateTransition, newest first, capped: a subject's recent state changes (libs/alerts). */
  stateHistory: (checkInRegion: string) => `vigil:history:${checkInRegion}`,
  /** Hash JSON [channel, group key, fingerprint] → JSON NotificationRecord: what each channel was told, queued, sent or failed (libs/alerts). */
  notificationLog: 'vigil:notifications',
  /** Prefix of strings `vigil:sent:<notification id>` with a TTL: the receiver accepted this notification. */
  notificationSent: 'vigil:sent:',
  /** Hash: one aggregation group of the notifier (alerts, timer, who was told when; services/notifier/groups.ts). */
  group: (groupKey: string) => `vigil:group:${groupKey}`,
  /** Set of the group keys that have a group hash: the sweeper re-arms their timers. */
  groups: 'vigil:groups',
  /** List of JSON DeliveryLogEntry, newest first, capped: the last deliveries to a channel (libs/alerts/delivery-log.ts). */
  deliveryLog: (channelId: string) => `vigil:deliveries:${channelId}`,
  /** String: a channel's rate-limit window (services/notifier/rate-limit.ts). */
  channelRate: (channelId: string) => `vigil:rate:${channelId}`,
  /** Hash silence id → JSON Silence: label matchers muting notifications for a time (libs/alerts/silences.ts). */
  silences: 'vigil:silences',
  /** Hash fingerprint → JSON Acknowledgement: alerts someone took on; they stop repeating and escalating (libs/alerts/acks.ts). */
  acks: 'vigil:acks',
  /** Hash window id → JSON MaintenanceWindow: one-off or recurring maintenance (libs/alerts/maintenance.ts). */
  maintenanceWindows: 'vigil:maintenance:windows',
  /**
   * String (JSON WatchState, services/evaluator/watches/watch-state.ts): the evaluator's state of one
   * watch on one host ("watch:<watch>@<host>"): firing alerts per path and what the watch's rules need.
   */
  watchState: (subject: string) => `vigil:watch-state:${subject}`,
  /** Sorted set of batch (job) ids applied to a watch subject → when, the last 10 minutes: a batch delivered again is not applied twice. */
  watchBatches: (subject: string) => `vigil:watch-batches:${subject}`,
  /** Set of every watch subject with a stored state (apart from `subjects`, which reconcile reads as checks). */
  watchSubjects: 'vigil:watch-subjects',
  /** String (JSON ConfigVerdictState): the ConfigRejected alerts firing, by configuration source (services/evaluator/watches/config-verdict.ts). */
  configVerdict: 'vigil:config:verdict',
  /** String, epoch ms: when an evaluator last applied probe results (written at most once a second per evaluator). */
  pipelineLastResult: 'vigil:pipeline:last-result',
  /** String (JSON `{firing?}`): the PipelineStalled alert, if it fires (services/evaluator/pipeline-watchdog.ts). */
  pipelineWatchdog: 'vigil:pipeline:watchdog',
  /** Hash path → JSON FileOffset {dev, ino, position}: where the watcher's tailer of each followed file got to (services/watcher/tailer.ts). */
  watchOffsets: (watchId: string) => `vigil:watch:offsets:${watchId}`,
  /** Hash path → JSON FileFingerprint: a watch's integrity baseline (services/watcher/integrity.ts). */
  watchBaseline: (watchId: string) => `vigil:watch:baseline:${watchId}`,
  /** Hash check id → ping token of a heartbeat check, made when first asked for (libs/heartbeats/tokens.ts). */
  heartbeatTokens: 'vigil:heartbeat:tokens',
  /** Hash sha256 (hex) of a ping token → check id: how a ping finds its check in one lookup, never comparing tokens. */
  heartbeatDigests: 'vigil:heartbeat:digests',
  /** String with a TTL: pings counted in one rate-limit window of one token (by its digest; services/api/routes/ping.ts). */
  heartbeatRate: (digest: string, windowIndex: number) => `vigil:heartbeat:rate:${digest}:${windowIndex}`,
  /** List of InfluxDB line-protocol strings waiting to be written. */
  metricsBuffer: 'vigil:metrics:buffer',
  /** String with a TTL: held by the one process flushing the metrics buffer. */
  metricsFlushLock: 'vigil:metrics:flush-lock',
} as const;
