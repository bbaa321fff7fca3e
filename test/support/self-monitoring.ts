import { eventually } from './infra.js';
import { describeOutput, type ServiceProcess } from './services.js';
import { parsePrometheusText, type Sample } from './prometheus-text.js';

/** The base URL of a service's self-monitoring listener, once it logged its port (VIGIL_HEALTH_PORT=0). */
export async function healthUrlOf(service: ServiceProcess, timeoutMs = 30_000): Promise<string> {
  const port = await eventually(`${service.name} to log its self-monitoring port`, () => {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited\n${describeOutput([service])}`);
    for (const line of service.output) {
      if (!line.includes('self-monitoring listening')) continue;
      const parsed = JSON.parse(line) as { port?: number };
      if (typeof parsed.port === 'number') return parsed.port;
    }
    return undefined;
  }, timeoutMs);
  return `http://127.0.0.1:${port}`;
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** GET /metrics, parsed (throws if it is not valid Prometheus text). */
export async function scrape(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}
