import { z } from 'zod';
import { checkSchema, type WithCheckDefaults } from './check-common.js';

/**
 * An external check: nothing in Vigil probes it; an agent that can reach what Vigil cannot
 * pushes its results (POST /api/v1/events), and they take the probe path from there:
 * thresholds, rules, alerts, points. `interval` is how often results are expected, so an agent
 * that falls silent brings NoData; `regions` are where agents may report from.
 */
export const externalCheck = checkSchema({
  type: z.literal('external'),
});

export type ExternalCheckConfig = WithCheckDefaults<z.output<typeof externalCheck>>;
