import { z } from 'zod';
import { CHECK_TYPES, type CheckConfig } from '../config/index.js';
import { WATCH_EVENTS, type WatchEvent } from '../config/watches.js';

/**
 * Every job payload Vigil puts on a queue, defined once. Consumers validate `job.data`
 * with the matching schema before touching it (see queues.ts), so a malformed job fails
 * loudly instead of corrupting state.
 */

/**
 * probes-<region>: every check of one region and cadence that is due in one slot of time
 * (one job per slot, not per probe: a Redis round trip is the dominant cost of a probe).
 * The due time is in the job id (see scheduledAtOf). Workers look the checks up by id in
 * the check registry (libs/check-registry.ts); specHash tells them when their copy is stale.
 */
export interface ProbeSlotJob {
  region: string;
  /** The cadence this slot belongs to: a check's interval, or its retryInterval while failing. */
  intervalMs: number;
  /**
   * The job is due this long before the slot starts, so a worker holds it before its first
   * probe is due and queue pick-up latency never delays a probe.
   */
  leadMs: number;
  /** phaseMs: when in the slot the check is due (its own offset), so probes stay spread. */
  checks: Array<{ id: string; specHash: string; phaseMs: number }>;
}

/**
 * Why a probe failed. `unsupported`: this worker cannot run the probe at all (no ping
 * binary, not permitted), which says nothing about the target.
 */
export const ERROR_CLASSES = ['timeout', 'dns', 'refused', 'reset', 'tls', 'status', 'assertion', 'protocol', 'unsupported', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * Milliseconds. The phases are durations of their own (they add up to about totalMs, and
 * over redirects each is the sum over every hop); a phase that did not happen is absent
 * (no dnsMs for an IP address, no tlsMs over plain TCP). icmp: totalMs is the average
 * round trip.
 */
export interface ProbeTimings {
  /** Name resolution. */
  dnsMs?: number;
  /** TCP handshake. */
  connectMs?: number;
  /** TLS handshake. */
  tlsMs?: number;
  /** From the request (or the connection, for a banner) to the first byte of the answer. */
  firstByteMs?: number;
  totalMs: number;
}

/** What one probe found. A down target is an outcome with ok: false, never a thrown error. */
export interface ProbeOutcome {
  ok: boolean;
  errorClass?: ErrorClass;
  /** Human-readable reason for a failure ("expected status 2xx, got 503"). */
  message?: string;
  statusCode?: number;
  timings: ProbeTimings;
  /** Days until the leaf certificate expires (negative once expired), whenever the probe spoke TLS. */
  certDaysLeft?: number;
  /** icmp: share of echo requests without a reply, 0 to 100. */
  lossPercent?: number;
}

/** What one probe measured, as it travels in a ProbeResultBatch. */
export interface ProbeResult extends ProbeOutcome {
  checkId: string;
  checkType: CheckConfig['type'];
  region: string;
  /** Epoch ms the probe was scheduled for; the InfluxDB timestamp and the state machine's tick. */
  scheduledAt: number;
  startedAt: number;
  workerId: string;
}

export const HEARTBEAT_PING_KINDS = ['success', 'start', 'fail'] as const;
export type HeartbeatPingKind = (typeof HEARTBEAT_PING_KINDS)[number];

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** alerts: a transition of one alert, in Alertmanager's vocabulary. */
export interface AlertEvent {
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO 8601. */
  startsAt: string;
  /** ISO 8601; set when resolved. */
  endsAt?: string;
}

/** group-flushes: a group's timer; the flush it asks for is due at flushAtMs (services/notifier/flush.ts). */
export interface GroupFlushJob {
  groupKey: string;
  flushAtMs: number;
}

/** deliveries: one notification to one channel. The channel's address is looked up at send time. */
export interface DeliveryJob {
  /** The idempotency key: the same for every attempt and replica (Standard Webhooks `webhook-id`). */
  notificationId: string;
  channelId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: AlertEvent[];
}

const stringRecord = z.record(z.string(), z.string());

const alertEventSchema = z.object({
  fingerprint: z.string().min(1),
  status: z.enum(ALERT_STATUSES),
  labels: stringRecord,
  annotations: stringRecord,
  startsAt: z.string(),
  endsAt: z.string().optional(),
});

const probeResultSchema = z.object({
  checkId: z.string().min(1),
  checkType: z.enum(CHECK_TYPES),
  region: z.string(),
  scheduledAt: z.number(),
  startedAt: z.number(),
  ok: z.boolean(),
  errorClass: z.enum(ERROR_CLASSES).optional(),
  message: z.string().optional(),
  statusCode: z.number().optional(),
  timings: z.object({
    dnsMs: z.number().optional(),
    connectMs: z.number().optional(),
    tlsMs: z.number().optional(),
    firstByteMs: z.number().optional(),
    totalMs: z.number(),
  }),
  certDaysLeft: z.number().optional(),
  lossPercent: z.number().min(0).max(100).optional(),
  workerId: z.string(),
});

const fileDescriptionSchema = z.object({
  kind: z.enum(['file', 'dir', 'symlink', 'other']),
  sha256: z.string().optional(),
  sizeBytes: z.number().nonnegative(),
  mode: z.string(),
  owner: z.string(),
  mtimeMs: z.number(),
});

const watchObservationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), event: z.enum(WATCH_EVENTS), path: z.string().min(1), atMs: z.number(), before: fileDescriptionSchema.optional(), after: fileDescriptionSchema.optional() }),
  z.object({ kind: z.literal('lines'), path: z.string().min(1), atMs: z.number(), read: z.number().int().nonnegative(), matched: z.number().int().nonnegative(), samples: z.array(z.string()), truncated: z.number().int().nonnegative(), rotated: z.enum(['renamed', 'truncated']).optional() }),
  z.object({ kind: z.literal('stat'), path: z.string().min(1), atMs: z.number(), exists: z.boolean(), sizeBytes: z.number().nonnegative().optional(), mtimeMs: z.number().optional() }),
  z.object({ kind: z.literal('problem'), path: z.string(), atMs: z.number(), code: z.string(), message: z.string() }),
]);

export const payloadSchemas = {
  probes: z.object({
    region: z.string(),
    intervalMs: z.number().int().positive(),
    leadMs: z.number().int().min(0),
    checks: z.array(z.object({ id: z.string(), specHash: z.string(), phaseMs: z.number().int().min(0) })),
  }),
  results: z.union([
    z.object({
      source: z.literal('probe').optional(),
      region: z.string(),
      results: z.array(probeResultSchema),
      dropped: z.object({ count: z.number().int().positive(), fromMs: z.number(), toMs: z.number() }).optional(),
    }).refine((batch) => batch.results.length > 0 || batch.dropped !== undefined, { message: 'a batch holds results or a dropped count', path: ['results'] }),
    z.object({
      source: z.literal('watch'),
      watchId: z.string().min(1),
      host: z.string().min(1),
      agentStartedAt: z.number(),
      observations: z.array(watchObservationSchema).min(1),
    }),
    z.object({
      source: z.literal('config'),
      configSource: z.string(),
      atMs: z.number(),
      sha: z.string(),
      accepted: z.boolean(),
      problems: z.array(z.string()).optional(),
    }),
    z.object({
      source: z.literal('heartbeat'),
      pings: z.array(z.object({
        checkId: z.string().min(1),
        kind: z.enum(HEARTBEAT_PING_KINDS),
        atMs: z.number(),
        exitCode: z.number().int().optional(),
      })).min(1),
    }),
  ]),
  alerts: alertEventSchema,
  'group-flushes': z.object({
    groupKey: z.string().min(1),
    flushAtMs: z.number().int().nonnegative(),
  }),
  deliveries: z.object({
    notificationId: z.string().min(1),
    channelId: z.string(),
    groupKey: z.string(),
    groupLabels: stringRecord,
    alerts: z.array(alertEventSchema).min(1),
  }),
} as const satisfies { [K in QueueKind]: z.ZodType<QueuePayloads[K]> };

/**
 * From probe workers: the results of one probe slot, evaluated together; or a worker's periodic
 * count of probes it dropped (results empty), which the evaluator stores as a probes_dropped point.
 */
export interface ProbeResultBatch {
  /** Optional only so batches queued before sources existed still read as probe results. */
  source?: 'probe';
  region: string;
  results: ProbeResult[];
  dropped?: { count: number; fromMs: number; toMs: number };
}

/** What the watcher knows of a file for integrity reports: the baseline's terms. */
export interface FileDescription {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  sha256?: string;
  sizeBytes: number;
  /** Permission bits, four octal digits ("0644"). */
  mode: string;
  /** "uid:gid". */
  owner: string;
  mtimeMs: number;
}

/**
 * One thing a file agent saw under a watch. Paths are absolute. `atMs` is when the agent saw it.
 * - event: chokidar reported add, change, unlink, addDir or unlinkDir (only kinds in the watch's
 *   `on`, plus every kind when the watch has maxAge, mustExist or maxSize, which need them).
 *   With `integrity`, `before`/`after` describe the file against its baseline (absent: not there).
 * - lines: appended lines of a followed file were read and matched; `matched` of them matched.
 * - stat: the file as it is now (sent at agent start and on every event for maxAge, mustExist and
 *   maxSize watches), so the evaluator knows ages and sizes without reading the disk.
 * - problem: the path could not be watched or read (permission, loop, inotify limit); shown, not alerted.
 */
export type WatchObservation =
  | { kind: 'event'; event: WatchEvent; path: string; atMs: number; before?: FileDescription; after?: FileDescription }
  | { kind: 'lines'; path: string; atMs: number; read: number; matched: number; samples: string[]; truncated: number; rotated?: 'renamed' | 'truncated' }
  | { kind: 'stat'; path: string; atMs: number; exists: boolean; sizeBytes?: number; mtimeMs?: number }
  | { kind: 'problem'; path: string; atMs: number; code: string; message: string };

/**
 * From a file agent (services/watcher): what one watch saw on one host since its last batch,
 * in the order seen. `startedAt` is the agent's start: a batch from a newer agent start than the
 * stored state's tells the evaluator the agent restarted (its view of the files was re-taken).
 */
export interface WatchObservationBatch {
  source: 'watch';
  watchId: string;
  host: string;
  agentStartedAt: number;
  observations: WatchObservation[];
}

/**
 * From the configuration publisher (services/watcher): a configuration file was rejected (with
 * every problem) or accepted. The evaluator raises and resolves the `ConfigRejected` alert.
 */
export interface ConfigObservationBatch {
  source: 'config';
  /** The file (or other source) the text came from. */
  configSource: string;
  atMs: number;
  /** The sha of the text looked at. */
  sha: string;
  accepted: boolean;
  /** Rejected only: "path: reason" for each problem. */
  problems?: string[];
}

/**
 * One ping of a heartbeat check. `start`: a run began; `success` / `fail`: it ended (exitCode
 * when the ping gave one: /ping/TOKEN/EXIT_CODE).
 */
export interface HeartbeatPing {
  checkId: string;
  kind: HeartbeatPingKind;
  /** When the api service received the ping. */
  atMs: number;
  exitCode?: number;
}

/**
 * From the api service's ping endpoint: the pings one api process received within a few
 * milliseconds, in the order received (services/api/ping-batcher.ts), so a busy endpoint queues
 * one job per batch, not one per ping.
 */
export interface HeartbeatObservationBatch {
  source: 'heartbeat';
  pings: HeartbeatPing[];
}

/**
 * results: everything the evaluator consumes, one member per source of observations, told apart
 * by `source`: probe results, file agents' observations, the configuration publisher's verdicts,
 * heartbeat pings (api).
 */
export type ObservationBatch = ProbeResultBatch | WatchObservationBatch | ConfigObservationBatch | HeartbeatObservationBatch;

export interface QueuePayloads {
  probes: ProbeSlotJob;
  results: ObservationBatch;
  alerts: AlertEvent;
  'group-flushes': GroupFlushJob;
  deliveries: DeliveryJob;
}

export type QueueKind = keyof QueuePayloads;
