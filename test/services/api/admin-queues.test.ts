/** bull-board at /admin/queues behind an admin token (Basic auth for browsers, or bearer). */
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, READ_TOKEN, apiHarness } from './support.js';

const api = apiHarness();
const CONFIG = 'checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1, regions: [eu] }\n';
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

describe('the queue board at /admin/queues', () => {
  it('asks a browser for credentials when none are given', async () => {
    const server = await api.start(CONFIG);
    const response = await fetch(`${server.url}/admin/queues`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="Vigil queues"/);
  });

  it('refuses a read-only token', async () => {
    const server = await api.start(CONFIG);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: basic(READ_TOKEN) } })).status).toBe(403);
  });

  it('refuses a wrong password', async () => {
    const server = await api.start(CONFIG);
    expect((await fetch(`${server.url}/admin/queues`, { headers: { authorization: basic('f'.repeat(32)) } })).status).toBe(401);
  });

  it.each([
    ['Basic auth with the admin token as password', basic(ADMIN_TOKEN)],
    ['a bearer admin token', `Bearer ${ADMIN_TOKEN}`],
  ])('shows the board to %s', async (_name, authorization) => {
    const server = await api.start(CONFIG);
    const response = await fetch(`${server.url}/admin/queues`, { headers: { authorization } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('guards the board\'s own API too, and lists the pipeline queues there', async () => {
    const server = await api.start(CONFIG);
    expect((await fetch(`${server.url}/admin/queues/api/queues`)).status).toBe(401);
    const response = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { authorization: basic(ADMIN_TOKEN) } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: Array<{ name: string }> };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual(['alerts', 'deliveries', 'group-flushes', 'probes-eu', 'results']);
  });
});
