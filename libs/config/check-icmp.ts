import { z } from 'zod';
import { CHECK_DEFAULTS, checkSchema, type WithCheckDefaults } from './check-common.js';
import type { ConfigProblem } from './errors.js';
import { boundedInt, duration, hostOrIp, inMs } from './fields.js';

export const MAX_ICMP_COUNT = 20;

export const icmpCheck = checkSchema({
  type: z.literal('icmp'),
  host: hostOrIp,
  /** Echo requests per probe. */
  count: boundedInt(1, MAX_ICMP_COUNT, 'a number of echo requests').default(CHECK_DEFAULTS.icmpCount),
  /** Without maxLossPercent, one reply is enough. */
  expect: inMs(z.strictObject({
    maxLossPercent: z.number().min(0).max(100).optional(),
    maxResponseTime: duration.optional(),
  }), ['maxResponseTime']).prefault({}),
});

export type IcmpCheckConfig = WithCheckDefaults<z.output<typeof icmpCheck>>;

export function icmpCheckProblems(check: IcmpCheckConfig, at: string): ConfigProblem[] {
  const neededMs = check.count * CHECK_DEFAULTS.icmpIntervalMs;
  if (neededMs >= check.timeoutMs) {
    return [{ path: `${at}.count`, message: `${check.count} echo requests, ${CHECK_DEFAULTS.icmpIntervalMs}ms apart, need a timeout longer than ${neededMs}ms (timeout is ${check.timeoutMs}ms)` }];
  }
  return [];
}
