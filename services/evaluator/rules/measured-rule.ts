/**
 * The small interface every rule on measured values implements (latency, certificate, anomaly,
 * trend): fed one reading at a time, it keeps what it needs in a plain JSON `memory` (stored in
 * the subject's state) and says whether its alert should be firing. Raising, updating and
 * resolving the alert from that verdict is the evaluator's job (rule-alerts.ts), the same for
 * every rule, so a rule module stays pure and is tested by tables alone.
 */
import type { CheckConfig } from '../../../libs/config/index.js';

/** One observation of a subject, whatever its source (probe result, later file event or heartbeat). */
export interface Reading {
  /** Epoch ms the observation is for (a probe's scheduled time): the rules' clock. */
  atMs: number;
  ok: boolean;
  /** Successful probes only: a failed probe's time is its timeout, which says nothing about speed. */
  responseMs?: number;
  /** Whenever the probe saw a certificate, pass or fail. */
  certDaysLeft?: number;
}

/**
 * Response times in rule memories are whole microseconds: memories are rewritten on every
 * result, integers print and parse several times faster than fractions (docs/BENCHMARKS.md),
 * and no probe measures finer than a microsecond.
 */
export const toMicros = (ms: number): number => Math.round(ms * 1_000);
export const fromMicros = (micros: number): number => micros / 1_000;

export interface RuleVerdict {
  firing: boolean;
  /** Sets the alert's severity label; changing it updates the one alert rather than raising another. */
  severity?: string;
  /** The measured value behind the verdict, for people ("p95 912ms over 5m"). */
  value: string;
  /** What the alert says while firing. */
  description: string;
}

export interface MeasuredRule<Config, Memory> {
  /** The rule's name in the alert store ("latency"). */
  name: MeasuredRuleName;
  /** The alert it raises ("LatencyHigh"). */
  alertname: string;
  /** The check's settings for this rule; undefined when the check does not use it. */
  configOf(check: CheckConfig): Config | undefined;
  /**
   * The memory after one reading (none for a rule that needs none), and the verdict. No verdict
   * means "nothing to judge by" (too little data, no certificate seen): the alert stays as it is.
   */
  observe(memory: Memory | undefined, reading: Reading, config: Config): { memory?: Memory; verdict?: RuleVerdict };
}

export type MeasuredRuleName = 'latency' | 'certificate' | 'anomaly' | 'trend';
