/**
 * The benchmark's probe target: answers every path with 200 "ok" and closes nothing early,
 * so the probes' fresh connections measure the stack, not the target. Loopback only.
 */
import { createServer } from 'node:http';

const port = Number(process.env.TARGET_PORT ?? 0);
/** Requests to /c/* (the checks' URLs), so the bench can compare probes made with points stored. */
let checkRequests = 0;
const server = createServer((req, res) => {
  if (req.url === '/__count') {
    res.end(String(checkRequests));
    return;
  }
  if (req.url?.startsWith('/c/')) checkRequests += 1;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 1_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
