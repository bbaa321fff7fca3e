import { z } from 'zod';
import type { CheckConfig } from '../config/index.js';

/**
 * Every job payload Vigil puts on a queue, defined once. Consumers validate `job.data`
 * with the matching schema before touching it (see queues.ts), so a malformed job fails
 * loudly instead of corrupting state.
 */

/** probes-<region>: one probe of one check. The scheduled time is in the job id (see scheduledAtOf). */
export interface ProbeJob {
  region: string;
  /** sha of the check's definition, so a worker can tell a stale template after a config change. */
  specHash: string;
  check: CheckConfig;
}

export const ERROR_CLASSES = ['timeout', 'dns', 'refused', 'reset', 'tls', 'status', 'assertion', 'protocol', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface ProbeTimings {
  connectMs?: number;
  firstByteMs?: number;
  totalMs: number;
}

/** results: what one probe measured. A target that is down is `ok: false`, never a failed job. */
export interface ProbeResult {
  checkId: string;
  checkType: CheckConfig['type'];
  region: string;
  /** Epoch ms the probe was scheduled for; the InfluxDB timestamp and the state machine's tick. */
  scheduledAt: number;
  startedAt: number;
  ok: boolean;
  errorClass?: ErrorClass;
  /** Human-readable reason for a failure ("expected status 2xx, got 503"). */
  message?: string;
  statusCode?: number;
  timings: ProbeTimings;
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

/** deliveries: one notification to one channel. The channel's address is looked up at send time. */
export interface DeliveryJob {
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

export const payloadSchemas = {
  probes: z.object({
    region: z.string(),
    specHash: z.string(),
    check: z.looseObject({ id: z.string(), type: z.string() }),
  }),
  results: z.object({
    checkId: z.string().min(1),
    checkType: z.string(),
    region: z.string(),
    scheduledAt: z.number(),
    startedAt: z.number(),
    ok: z.boolean(),
    errorClass: z.enum(ERROR_CLASSES).optional(),
    message: z.string().optional(),
    statusCode: z.number().optional(),
    timings: z.object({ connectMs: z.number().optional(), firstByteMs: z.number().optional(), totalMs: z.number() }),
    workerId: z.string(),
  }),
  alerts: alertEventSchema,
  deliveries: z.object({
    channelId: z.string(),
    groupKey: z.string(),
    groupLabels: stringRecord,
    alerts: z.array(alertEventSchema).min(1),
  }),
} as const;

export interface QueuePayloads {
  probes: ProbeJob;
  results: ProbeResult;
  alerts: AlertEvent;
  deliveries: DeliveryJob;
}

export type QueueKind = keyof QueuePayloads;
