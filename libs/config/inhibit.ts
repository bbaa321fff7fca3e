import { z } from 'zod';
import { labelMatcherText } from '../alerts/matchers.js';
import { labelName } from './fields.js';

/**
 * Inhibition, as in Alertmanager: while an alert matching `source` fires, alerts matching
 * `target` that have the same values for every `equal` label are not sent (the gateway is
 * down, so the services behind it need not page too). A check's `dependsOn: [gateway]` is the
 * short form for "while gateway is down, my alerts are muted".
 */
export const inhibitRule = z.strictObject({
  source: z.array(labelMatcherText).min(1),
  target: z.array(labelMatcherText).min(1),
  equal: z.array(labelName).default(() => []),
});

export type InhibitRule = z.output<typeof inhibitRule>;
