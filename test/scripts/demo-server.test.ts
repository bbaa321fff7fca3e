import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeNotification, startDemoServer, type DemoServer } from '../../scripts/demo-server.js';

const firing = {
  version: '4',
  status: 'firing',
  receiver: 'demo',
  alerts: [{
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'demo-app', severity: 'critical' },
    annotations: { summary: 'demo-app is down: expected status 2xx, got 503' },
    startsAt: '2026-01-02T15:04:05.000Z',
  }],
};

describe('demo server', () => {
  let demo: DemoServer;
  let lines: string[];

  beforeEach(async () => {
    lines = [];
    demo = await startDemoServer({ port: 0, onLine: (line) => lines.push(line) });
  });
  afterEach(async () => {
    await demo.close();
  });

  it('answers /healthz with 200 while up and 503 while down, toggled by /down and /up', async () => {
    let response = await fetch(`${demo.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });

    expect((await fetch(`${demo.url}/down`, { method: 'POST' })).status).toBe(200);
    response = await fetch(`${demo.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'down' });
    expect(demo.isUp()).toBe(false);

    // GET works too, for a browser.
    expect((await fetch(`${demo.url}/up`)).status).toBe(200);
    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    expect(lines).toEqual([expect.stringContaining('DOWN'), expect.stringContaining('UP')]);
  });

  it('records webhook bodies and prints one line per alert', async () => {
    const response = await fetch(`${demo.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(firing) });
    expect(response.status).toBe(200);
    expect(lines).toEqual(['webhook received: FIRING demo-app (CheckDown): demo-app is down: expected status 2xx, got 503']);

    const resolved = { ...firing, status: 'resolved', alerts: [{ ...firing.alerts[0], status: 'resolved', annotations: { summary: 'demo-app is up again' } }] };
    await fetch(`${demo.url}/webhook`, { method: 'POST', body: JSON.stringify(resolved) });
    expect(lines[1]).toBe('webhook received: RESOLVED demo-app (CheckDown): demo-app is up again');

    const stored = await (await fetch(`${demo.url}/webhook`)).json();
    expect(stored).toEqual([firing, resolved]);
    expect(demo.received()).toEqual([firing, resolved]);
  });

  it('keeps only the last 100 bodies', async () => {
    for (let i = 0; i < 105; i += 1) {
      await fetch(`${demo.url}/webhook`, { method: 'POST', body: JSON.stringify({ status: 'firing', alerts: [], n: i }) });
    }
    const stored = (await (await fetch(`${demo.url}/webhook`)).json()) as Array<{ n: number }>;
    expect(stored).toHaveLength(100);
    expect(stored[0]!.n).toBe(5);
    expect(stored[99]!.n).toBe(104);
  });

  it('rejects a body that is not JSON with 400 and a message', async () => {
    const response = await fetch(`${demo.url}/webhook`, { method: 'POST', body: '{"status": firing' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not valid JSON/);
    expect(lines).toEqual([]);
    expect(demo.received()).toEqual([]);
  });

  it('lists its endpoints at / and answers 404 elsewhere', async () => {
    const help = await (await fetch(`${demo.url}/`)).text();
    for (const endpoint of ['/healthz', '/down', '/up', '/webhook']) expect(help).toContain(endpoint);
    expect((await fetch(`${demo.url}/nope`)).status).toBe(404);
    expect((await fetch(`${demo.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});

describe('describeNotification', () => {
  it.each([
    [{ status: 'firing', alerts: [] }, ['FIRING (no alerts in the body)']],
    [{ status: 'firing', alerts: [{ labels: { watch: 'app-errors', alertname: 'WatchTriggered' } }] }, ['FIRING app-errors (WatchTriggered)']],
    [[1, 2], ['a JSON list, not an Alertmanager notification']],
    ['text', ['a JSON string, not an Alertmanager notification']],
  ])('%j → %j', (body, expected) => {
    expect(describeNotification(body)).toEqual(expected);
  });
});
