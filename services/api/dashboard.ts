/**
 * The dashboard: plain HTML, ES modules and CSS from services/api/dashboard/, no build step,
 * over the same /api/v1 routes and stream any client uses. Pages: `/` (overview), `/checks/:id`,
 * `/status` (public, read-only). uPlot comes from node_modules.
 *
 * Files are read once, when the server is built: the set served is a fixed map (no path from
 * a request ever reaches the file system), each with an ETag so a reload revalidates cheaply.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const DASHBOARD_DIR = join(import.meta.dirname, 'dashboard');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * No inline script or style anywhere, so none is allowed: data that slipped into markup could
 * not run. uPlot styles through the CSSOM (element.style), which style-src does not govern.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Our own files change with each deployment and carry no version in their names: always revalidate. */
const OWN_CACHE = 'no-cache';
/** uPlot changes only with package.json; an hour keeps reloads from asking at all. */
const VENDOR_CACHE = 'public, max-age=3600';

interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

function staticFile(path: string, cacheControl: string): StaticFile {
  const body = readFileSync(path);
  const contentType = CONTENT_TYPES[extname(path)];
  if (contentType === undefined) throw new Error(`the dashboard serves no files of type ${extname(path)} (${path})`);
  return { body, contentType, cacheControl, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every file the dashboard serves, by URL. */
export function dashboardFiles(dir = DASHBOARD_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir).sort()) {
    if (CONTENT_TYPES[extname(name)] === undefined || name.endsWith('.html')) continue;
    files.set(`/ui/${name}`, staticFile(join(dir, name), OWN_CACHE));
  }
  const require = createRequire(import.meta.url);
  for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) files.set(`/ui/vendor/${name}`, staticFile(require.resolve(`uplot/dist/${name}`), VENDOR_CACHE));
  return files;
}

/** The pages, by route: the page's script reads what it shows (a check id) from the location. */
const PAGES = { '/': 'index.html', '/checks/:id': 'check.html', '/status': 'status.html' } as const;

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  void reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.code(200).type(file.contentType).send(file.body);
}

export function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): void {
  const assets = dashboardFiles(dir);
  for (const [url, name] of Object.entries(PAGES)) {
    const page = staticFile(join(dir, name), OWN_CACHE);
    app.get(url, (request, reply) => send(request, reply, page));
  }
  app.get('/ui/*', (request, reply) => {
    const file = assets.get(request.url.split('?')[0]!);
    if (file === undefined) return reply.code(404).send({ code: 'VIGIL_API_NOT_FOUND', message: `no dashboard file ${request.url.split('?')[0]}` });
    return send(request, reply, file);
  });
}
