import { afterEach, describe, expect, it } from 'vitest';
import { InfluxV2Writer, MetricsWriteError, toLine } from '../../../libs/metrics/index.js';
import { RecordingReceiver, type Responder } from '../../support/recording-receiver.js';

/**
 * InfluxDB 2.x is not packaged for Debian, so these tests talk to a real HTTP server that
 * answers /api/v2/write the way InfluxDB 2 does (204, or an error status with a JSON body).
 */
describe('InfluxDB 2.x writer', () => {
  let receiver: RecordingReceiver | undefined;
  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
  });

  async function writerAnswering(responder: Responder): Promise<InfluxV2Writer> {
    receiver = new RecordingReceiver(responder);
    await receiver.start();
    return new InfluxV2Writer({ url: `http://127.0.0.1:${receiver.port}`, token: 'secret-token', org: 'ops', bucket: 'vigil' });
  }

  const lines = (count: number) => Array.from({ length: count }, (_, i) => toLine({ measurement: 'probe', tags: { check: `c${i}` }, fields: { total_ms: i }, timestampMs: 1_700_000_000_000 + i }));

  it('writes lines to /api/v2/write with the org, bucket, millisecond precision and token', async () => {
    const writer = await writerAnswering(() => ({ status: 204 }));
    await writer.write(lines(2));
    expect(receiver!.requests).toHaveLength(1);
    const [request] = receiver!.requests;
    expect(request!.path).toBe('/api/v2/write?org=ops&bucket=vigil&precision=ms');
    expect(request!.headers.authorization).toBe('Token secret-token');
    expect(request!.body).toBe(lines(2).join('\n'));
    await writer.close();
  });

  it('sends a large write in several requests and resolves only when all were accepted', async () => {
    const writer = await writerAnswering(() => ({ status: 204 }));
    await writer.write(lines(25_000));
    expect(receiver!.requests).toHaveLength(3);
    await writer.close();
  });

  it('reports a 503 as retryable, so the buffered points stay for the next attempt', async () => {
    const writer = await writerAnswering(() => ({ status: 503, body: '{"code":"unavailable","message":"busy"}' }));
    const failure = await writer.write(lines(1)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MetricsWriteError);
    expect(failure).toMatchObject({ retryable: true, status: 503 });
    await writer.close();
  });

  it('reports a 400 as permanent, naming what InfluxDB said', async () => {
    const writer = await writerAnswering(() => ({ status: 400, body: '{"code":"invalid","message":"unable to parse line 1"}' }));
    const failure = await writer.write(lines(1)).catch((err: unknown) => err);
    expect(failure).toMatchObject({ retryable: false, status: 400 });
    expect((failure as Error).message).toContain('unable to parse');
    await writer.close();
  });
});
