import { afterEach, describe, expect, it } from 'vitest';
import { createServiceRegistry } from '../../../libs/self-monitoring/registry.js';
import { createNotifierMetrics } from '../../../services/notifier/metrics.js';
import { eventually } from '../../support/infra.js';
import { checkDown, configOf, startNotifierStack } from '../../support/notifier-stack.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';
import { RecordingReceiver } from '../../support/recording-receiver.js';

describe('notifier metrics', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts delivery attempts by channel and outcome: a refused attempt as retrying, the next as delivered', async () => {
    const hook = new RecordingReceiver((index) => ({ status: index === 0 ? 503 : 200 }));
    await hook.start();
    cleanups.push(() => hook.stop());
    const registry = createServiceRegistry('notifier', { defaultMetrics: false });
    const config = configOf(`channels:\n  - { id: ops-hook, type: webhook, url: "${hook.url}", timeout: 2s }\ndefaultRoute: { groupWait: 0s, groupInterval: 200ms, repeatInterval: 1h }\n`);
    const stack = await startNotifierStack(config, { metrics: createNotifierMetrics(registry) });
    cleanups.push(() => stack.close());

    await stack.raise(checkDown('shop-api'));
    const deliveries = async (outcome: string) => sampleValue(parsePrometheusText(await registry.metrics()), 'vigil_deliveries_total', { service: 'notifier', channel: 'ops-hook', outcome });
    await eventually('the delivered attempt counted', async () => (await deliveries('delivered')) === 1 || undefined);
    expect(await deliveries('retrying')).toBe(1);
    expect(await deliveries('failed')).toBeUndefined();
  });
});
