import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-stack/ports.js';
import { launchChromium, screenshotPath, watchedPage, type WatchedPage } from '../support/browser.js';
import { startHttpServer, type TestServer } from '../support/http-servers.js';
import { eventually, influxUrl, isolatedRedisUrl, uniqueName } from '../support/infra.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../support/services.js';
import { ADMIN_TOKEN } from '../services/api/support.js';

/** A target a test switches between 200 and 500. */
async function switchableTarget(): Promise<TestServer & { fail(): void }> {
  let status = 200;
  const server = await startHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : 'boom');
  });
  return { ...server, fail: () => { status = 500; } };
}

/** What the page functions below touch in the browser (the project's types have no DOM). */
interface BrowserGlobals {
  localStorage: { setItem(key: string, value: string): void };
  notReloaded?: boolean;
}

const XSS = '<script>alert(1)</script>';

/**
 * The dashboard in a real browser (Debian's chromium, headless) over the real stack:
 * scheduler → probe-worker → evaluator (Redis, InfluxDB) and the api process serving the
 * pages, with real HTTP targets. Each test has its own check, so none depends on another.
 */
describe('the dashboard in a browser', () => {
  const services: ServiceProcess[] = [];
  const targets = new Map<string, Awaited<ReturnType<typeof switchableTarget>>>();
  const pages: WatchedPage[] = [];
  let browser: Browser;
  let dir: string;
  let apiUrl: string;
  let publicUrl: string;

  const config = (publicRead: boolean) => [
    'checks:',
    ...[...targets].map(([id, target]) => [
      `  - id: ${id}`,
      '    type: http',
      `    url: ${target.url}/healthz`,
      '    interval: 1s',
      '    timeout: 500ms',
      '    failureThreshold: 2',
      `    labels: { team: shop${id === 'notes' ? `, note: "${XSS}"` : ''} }`,
    ].join('\n')),
    'api:',
    `  publicRead: ${publicRead}`,
    '  tokens:',
    '    - { id: ops, token: "${API_ADMIN_TOKEN}", scope: admin }',
    '',
  ].join('\n');

  const fail = (err: unknown): never => {
    throw new Error(`${String(err)}\n${describeOutput(services)}`);
  };

  beforeAll(async () => {
    for (const id of ['shop-api', 'billing', 'notes', 'search', 'payments', 'cart']) targets.set(id, await switchableTarget());
    dir = mkdtempSync(join(tmpdir(), 'vigil-browser-'));
    writeFileSync(join(dir, 'vigil.yaml'), config(false));
    writeFileSync(join(dir, 'public.yaml'), config(true));
    const [port, publicPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${port}`;
    publicUrl = `http://127.0.0.1:${publicPort}`;
    const env = {
      REDIS_URL: await isolatedRedisUrl(), INFLUX_URL: influxUrl(), INFLUX_VERSION: '1', INFLUX_DATABASE: uniqueName('vigil_browser'),
      VIGIL_CONFIG: join(dir, 'vigil.yaml'), API_PORT: String(port), API_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info',
    };
    for (const name of ['evaluator', 'probe-worker', 'scheduler', 'api']) services.push(spawnService(name, env));
    // A second api process on the same stores, with publicRead: the status page's case.
    services.push({ ...spawnService('api', { ...env, VIGIL_CONFIG: join(dir, 'public.yaml'), API_PORT: String(publicPort) }), name: 'api (publicRead)' });
    [browser] = await Promise.all([launchChromium(), ...services.map((service) => started(service, 60_000))]).catch(fail);
  }, 180_000);

  afterEach(async () => {
    for (const { page } of pages.splice(0)) await page.context().close();
  });

  afterAll(async () => {
    await browser?.close();
    for (const service of [...services].reverse()) await service.stop();
    for (const target of targets.values()) await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page with the admin token saved, as the token form saves it. */
  const open = async (path: string, { token = ADMIN_TOKEN, base = apiUrl }: { token?: string | null; base?: string } = {}) => {
    const watched = await watchedPage(browser);
    pages.push(watched);
    if (token !== null) await watched.page.context().addInitScript((value) => (globalThis as unknown as BrowserGlobals).localStorage.setItem('vigil.token', value), token);
    await watched.page.goto(`${base}${path}`);
    return watched;
  };
  const card = (watched: WatchedPage, id: string) => watched.page.locator(`.card[data-check-id="${id}"]`);
  const cardIn = async (watched: WatchedPage, id: string, state: string, timeout = 30_000) => {
    await watched.page.locator(`.card[data-check-id="${id}"][data-state="${state}"]`).waitFor({ timeout }).catch(fail);
  };
  const noScriptProblems = (watched: WatchedPage) => watched.problems.filter((problem) => /page error|Content Security Policy|Refused to/i.test(problem));

  it('shows a check going down within seconds, without a reload', async () => {
    const watched = await open('/');
    await cardIn(watched, 'shop-api', 'up');
    await expect(card(watched, 'shop-api').locator('.state').textContent()).resolves.toBe('up');
    // A marker a reload would wipe.
    await watched.page.evaluate(() => { (globalThis as unknown as BrowserGlobals).notReloaded = true; });
    const switchedAt = Date.now();
    targets.get('shop-api')!.fail();
    await cardIn(watched, 'shop-api', 'down', 15_000);
    expect(Date.now() - switchedAt).toBeLessThan(15_000);
    await expect(card(watched, 'shop-api').locator('.state').textContent()).resolves.toBe('down');
    expect(await watched.page.evaluate(() => (globalThis as unknown as BrowserGlobals).notReloaded)).toBe(true);
    await expect(watched.page.locator('#live').getAttribute('data-live')).resolves.toBe('live');
    expect(noScriptProblems(watched)).toEqual([]);
  }, 90_000);

  it('acknowledges an alert from the page with the token entered in the form', async () => {
    const watched = await open('/', { token: null });
    await watched.page.locator('#token-form [name=token]').fill(ADMIN_TOKEN);
    await watched.page.locator('#token-form [name=name]').fill('ana');
    await watched.page.locator('#token-form button[type=submit]').click();
    await cardIn(watched, 'billing', 'up');
    targets.get('billing')!.fail();
    const alert = watched.page.locator('.alert', { has: watched.page.locator('a', { hasText: 'billing@default' }) });
    await alert.waitFor({ timeout: 20_000 }).catch(fail);
    await alert.locator('button[data-action=ack]').click();
    await alert.locator('[data-acknowledged=true]').waitFor({ timeout: 10_000 }).catch(fail);
    await expect(alert.locator('.acked').textContent()).resolves.toMatch(/^acknowledged by ana/);
    const { alerts } = await (await fetch(`${apiUrl}/api/v1/alerts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { alerts: Array<{ labels: Record<string, string>; acknowledged?: { by: string } }> };
    expect(alerts.find((firing) => firing.labels.check === 'billing')?.acknowledged).toMatchObject({ by: 'ana' });
    expect(noScriptProblems(watched)).toEqual([]);
  }, 60_000);

  it('silences an alert for an hour from the page', async () => {
    const watched = await open('/');
    await cardIn(watched, 'cart', 'up');
    targets.get('cart')!.fail();
    const alert = watched.page.locator('.alert', { has: watched.page.locator('a', { hasText: 'cart@default' }) });
    await alert.waitFor({ timeout: 20_000 }).catch(fail);
    await alert.locator('button[data-action=silence]').click();
    await alert.locator('button[data-action=silence]', { hasText: /^silenced until/ }).waitFor({ timeout: 10_000 }).catch(fail);
    const { silences } = await (await fetch(`${apiUrl}/api/v1/silences`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { silences: Array<{ status: string; matchers: Array<{ name: string; value: string }>; startsAt: string; endsAt: string }> };
    const silence = silences.find((candidate) => candidate.matchers.some((matcher) => matcher.name === 'check' && matcher.value === 'cart'));
    expect(silence).toMatchObject({ status: 'active' });
    expect(Date.parse(silence!.endsAt) - Date.parse(silence!.startsAt)).toBe(3_600_000);
    expect(noScriptProblems(watched)).toEqual([]);
  }, 60_000);

  it('shows a label holding a script tag as text, and runs nothing', async () => {
    const watched = await open('/');
    await cardIn(watched, 'notes', 'up');
    const label = card(watched, 'notes').locator('.label', { hasText: 'note=' });
    await expect(label.textContent()).resolves.toBe(`note=${XSS}`);
    expect(await card(watched, 'notes').locator('script').count()).toBe(0);
    await watched.page.goto(`${apiUrl}/checks/notes`);
    await watched.page.locator('#check-labels .label', { hasText: 'note=' }).waitFor().catch(fail);
    await expect(watched.page.locator('#check-labels .label', { hasText: 'note=' }).textContent()).resolves.toBe(`note=${XSS}`);
    expect(watched.dialogs).toEqual([]);
    expect(noScriptProblems(watched)).toEqual([]);
  });

  it('refuses to run an inline script, as its Content-Security-Policy says', async () => {
    const watched = await open('/');
    await cardIn(watched, 'notes', 'up');
    // What an injection that got past textContent would do; the policy must still stop it.
    await watched.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(tag: string): { textContent: string }; body: { append(node: unknown): void } } }).document;
      const script = doc.createElement('script');
      script.textContent = 'globalThis.injected = true';
      doc.body.append(script);
    });
    await eventually('the violation reported', () => watched.problems.some((problem) => /Content Security Policy/.test(problem))).catch(fail);
    expect(await watched.page.evaluate(() => (globalThis as unknown as { injected?: boolean }).injected)).toBeUndefined();
  });

  it('shows a check page with its latency chart, uptime and state changes', async () => {
    const watched = await open('/checks/search');
    await watched.page.locator('#check-title .state', { hasText: 'up' }).waitFor({ timeout: 30_000 }).catch(fail);
    await watched.page.locator('#timeline .transition[data-to="up"]').first().waitFor({ timeout: 30_000 }).catch(fail);
    await watched.page.locator('#ranges button[data-range="1h"]').click();
    // Results reach InfluxDB through the evaluator's batches: the chart appears once the range holds one.
    await eventually('the latency chart', async () => {
      if ((await watched.page.locator('#latency-chart canvas').count()) > 0) return true;
      await watched.page.locator('#ranges button[data-range="1h"]').click();
      return undefined;
    }, 60_000, 1_000).catch(fail);
    await expect(watched.page.locator('#ranges button[data-range="1h"]').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await watched.page.locator('#uptime .tile').count()).toBe(3);
    await expect(watched.page.locator('#uptime .tile[data-window="24h"] .tile-value').textContent()).resolves.toMatch(/%$/);
    await watched.page.screenshot({ path: screenshotPath('check.png'), fullPage: true });
    expect(noScriptProblems(watched)).toEqual([]);
  }, 90_000);

  it('shows read data without a token when reads are public, with the actions disabled', async () => {
    const watched = await open('/', { token: null, base: publicUrl });
    await cardIn(watched, 'payments', 'up');
    targets.get('payments')!.fail();
    await cardIn(watched, 'payments', 'down', 15_000);
    const alert = watched.page.locator('.alert', { has: watched.page.locator('a', { hasText: 'payments@default' }) });
    await alert.waitFor({ timeout: 20_000 }).catch(fail);
    expect(await alert.locator('button[data-action=ack]').isDisabled()).toBe(true);
    expect(await alert.locator('button[data-action=silence]').isDisabled()).toBe(true);
    expect(noScriptProblems(watched)).toEqual([]);
  }, 60_000);

  it('draws a latency sparkline and the 24 h uptime on each probed card', async () => {
    const watched = await open('/');
    // The overview's numbers come from InfluxDB (cached 30 s by the api): reload until they are there.
    await eventually('the sparkline of search', async () => {
      if ((await card(watched, 'search').locator('.sparkline canvas').count()) > 0) return true;
      await watched.page.reload();
      await cardIn(watched, 'search', 'up');
      return undefined;
    }, 75_000, 2_000).catch(fail);
    await expect(card(watched, 'search').locator('[data-metric=uptime24h]').textContent()).resolves.toMatch(/%$/);
    await expect(card(watched, 'search').locator('[data-metric=latency]').textContent()).resolves.toMatch(/ms$/);
    await watched.page.screenshot({ path: screenshotPath('overview.png'), fullPage: true });
    expect(noScriptProblems(watched)).toEqual([]);
  }, 90_000);

  it('serves a read-only public status page with every check\'s state, following the stream', async () => {
    const watched = await open('/status', { token: null, base: publicUrl });
    await watched.page.locator('.status-item[data-check-id="search"][data-state="up"]').waitFor({ timeout: 30_000 }).catch(fail);
    expect(await watched.page.locator('.status-item').count()).toBe(targets.size);
    await watched.page.locator('#live[data-live="live"]').waitFor({ timeout: 10_000 }).catch(fail);
    expect(await watched.page.locator('button').count()).toBe(0);
    await watched.page.screenshot({ path: screenshotPath('status.png'), fullPage: true });
    expect(noScriptProblems(watched)).toEqual([]);
  });

  it('tells a visitor without a token that the status page is not public when reads need one', async () => {
    const watched = await open('/status', { token: null });
    await watched.page.locator('#notice', { hasText: 'not public' }).waitFor({ timeout: 10_000 }).catch(fail);
  });
});
