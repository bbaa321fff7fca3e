/**
 * The benchmark's probe target: answers every path with 200 "ok" and closes nothing early,
 * so the probes' fresh connections measure the stack, not the target. Loopback only.
 *
 * It listens on the same port of 127.0.0.1 and of TARGET_HOSTS - 1 more loopback addresses
 * (127.0.0.2, 127.0.0.3 ...), so checks can be spread over several target hosts and the
 * probe-worker's per-host cap (PROBE_HOST_CONCURRENCY) does not bind as it would on one host.
 */
import { createServer, type RequestListener } from 'node:http';

const hostCount = Number(process.env.TARGET_HOSTS ?? 1);
/** Requests to /c/* (the checks' URLs), so the bench can compare probes made with points stored. */
let checkRequests = 0;
const answer: RequestListener = (req, res) => {
  if (req.url === '/__count') {
    res.end(String(checkRequests));
    return;
  }
  if (req.url?.startsWith('/c/')) checkRequests += 1;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
};

function listen(address: string, port: number): Promise<{ port: number; close: () => void }> {
  const server = createServer(answer);
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      const bound = server.address();
      resolve({ port: typeof bound === 'object' && bound ? bound.port : port, close: () => server.close() });
    });
  });
}

const first = await listen('127.0.0.1', Number(process.env.TARGET_PORT ?? 0));
const servers = [first];
for (let i = 2; i <= hostCount; i++) servers.push(await listen(`127.0.0.${i}`, first.port));
process.stdout.write(`${JSON.stringify({ port: first.port, hosts: servers.map((_, i) => `127.0.0.${i + 1}`) })}\n`);
process.on('SIGTERM', () => {
  for (const server of servers) server.close();
  process.exit(0);
});
