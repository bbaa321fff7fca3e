import { Client } from 'undici';

/**
 * The ceiling: bare undici requests, each on a fresh connection (as a probe makes them),
 * against the same target, for a fixed time with a fixed number in flight.
 */
export async function bareRequestRate(baseUrl: string, durationMs: number, inFlight: number): Promise<number> {
  const deadline = Date.now() + durationMs;
  let done = 0;
  const loop = async (lane: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const client = new Client(baseUrl, { pipelining: 1 });
      try {
        const response = await client.request({ path: `/ceiling/${lane}/${i}`, method: 'GET' });
        await response.body.dump();
        done += 1;
      } finally {
        await client.destroy();
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inFlight }, (_, lane) => loop(lane)));
  return done / ((Date.now() - started) / 1_000);
}
