import { z } from 'zod';
import { CHECK_TYPES, type CheckConfig } from '../config/index.js';

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

export const payloadSchemas = {
  probes: z.object({
    region: z.string(),
    intervalMs: z.number().int().positive(),
    leadMs: z.number().int().min(0),
    checks: z.array(z.object({ id: z.string(), specHash: z.string(), phaseMs: z.number().int().min(0) })),
  }),
  results: z.object({
    source: z.literal('probe').optional(),
    region: z.string(),
    results: z.array(probeResultSchema),
    dropped: z.object({ count: z.number().int().positive(), fromMs: z.number(), toMs: z.number() }).optional(),
  }).refine((batch) => batch.results.length > 0 || batch.dropped !== undefined, { message: 'a batch holds results or a dropped count', path: ['results'] }),
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

/**
 * results: everything the evaluator consumes, one member per source of observations, told apart
 * by `source`. Probe results today; file events (watcher) and heartbeats (api) each add a member
 * here and an adapter in services/evaluator/observations.ts, and go through the same evaluator.
 */
export type ObservationBatch = ProbeResultBatch;

export interface QueuePayloads {
  probes: ProbeSlotJob;
  results: ObservationBatch;
  alerts: AlertEvent;
  'group-flushes': GroupFlushJob;
  deliveries: DeliveryJob;
}

export type QueueKind = keyof QueuePayloads;
