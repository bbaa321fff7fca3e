import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiHarness } from './support.js';

const DASHBOARD_DIR = join(import.meta.dirname, '../../../services/api/dashboard');

describe('the dashboard files', () => {
  const harness = apiHarness();

  it.each(['/', '/checks/shop-api', '/status'])('serves the page %s as HTML with a strict Content-Security-Policy', async (path) => {
    const api = await harness.start();
    const response = await fetch(`${api.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['/ui/overview.js', 'text/javascript; charset=utf-8', 'no-cache'],
    ['/ui/style.css', 'text/css; charset=utf-8', 'no-cache'],
    ['/ui/vendor/uPlot.iife.min.js', 'text/javascript; charset=utf-8', 'public, max-age=3600'],
    ['/ui/vendor/uPlot.min.css', 'text/css; charset=utf-8', 'public, max-age=3600'],
  ])('serves %s as %s, cached with %s', async (path, contentType, cacheControl) => {
    const api = await harness.start();
    const response = await fetch(`${api.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('cache-control')).toBe(cacheControl);
    expect((await response.text()).length).toBeGreaterThan(100);
  });

  it('answers 304 to a reload that presents the ETag', async () => {
    const api = await harness.start();
    const first = await fetch(`${api.url}/ui/overview.js`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${api.url}/ui/overview.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it.each(['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/vendor/../../server.ts', '/ui/index.html', '/ui/nothing.js'])('serves nothing outside its files: %s is 404', async (path) => {
    const api = await harness.start();
    const response = await fetch(`${api.url}${path}`);
    expect(response.status).toBe(404);
  });

  it('keeps the pages out of the OpenAPI document', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    expect(Object.keys(body.paths).every((path) => path.startsWith('/api/v1/'))).toBe(true);
  });

  it('has no inline script, inline style or innerHTML in any of its files', () => {
    for (const name of readdirSync(DASHBOARD_DIR)) {
      const text = readFileSync(join(DASHBOARD_DIR, name), 'utf8');
      if (name.endsWith('.html')) {
        expect([...text.matchAll(/<script\b[^>]*>/g)].every(([tag]) => /\ssrc=/.test(tag)), name).toBe(true);
        expect(text, name).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
      }
      if (name.endsWith('.js')) expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
