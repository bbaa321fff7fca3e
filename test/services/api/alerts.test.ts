import { describe, expect, it } from 'vitest';
import { listAcknowledgements } from '../../../libs/alerts/index.js';
import { apiHarness, fireAlert } from './support.js';

describe('GET /alerts', () => {
  const harness = apiHarness();

  it('lists the alerts firing now, oldest first, as the evaluator stored them', async () => {
    const later = await fireAlert(harness.redis, 'web', '2026-12-03T11:00:00.000Z');
    const earlier = await fireAlert(harness.redis, 'db', '2026-12-03T10:00:00.000Z');
    const api = await harness.start();
    const { status, body } = await api.call('GET', '/alerts');
    expect(status).toBe(200);
    expect(body.alerts.map((alert: { fingerprint: string }) => alert.fingerprint)).toEqual([earlier, later]);
    expect(body.alerts[0]).toEqual({
      fingerprint: earlier, rule: 'down', subject: 'db@default', labels: { alertname: 'CheckDown', check: 'db' },
      annotations: { description: 'connect ECONNREFUSED' }, startsAt: '2026-12-03T10:00:00.000Z',
    });
  });

  it('shows who acknowledged an alert', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { by: 'alice', comment: 'on it' } });
    const [alert] = (await api.call('GET', '/alerts')).body.alerts;
    expect(alert.acknowledged).toMatchObject({ by: 'alice', comment: 'on it' });
  });

  it('answers an empty list when nothing fires', async () => {
    const api = await harness.start();
    expect((await api.call('GET', '/alerts')).body).toEqual({ alerts: [] });
  });
});

describe('POST /alerts/:fingerprint/ack', () => {
  const harness = apiHarness();

  it('acknowledges a firing alert and stores it where the notifier reads it', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web', '2026-12-03T10:00:00.000Z');
    const api = await harness.start();
    const answer = await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { by: 'alice' } });
    expect(answer).toMatchObject({ status: 200, body: { fingerprint, startsAt: '2026-12-03T10:00:00.000Z', by: 'alice', comment: '' } });
    expect(await listAcknowledgements(harness.redis)).toEqual([expect.objectContaining({ fingerprint, by: 'alice' })]);
  });

  it('answers 404 for a fingerprint that is not firing', async () => {
    const api = await harness.start();
    expect(await api.call('POST', '/alerts/0123456789abcdef/ack', { body: { by: 'alice' } })).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND' } });
  });

  it('does not take a check id for a fingerprint', async () => {
    await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    expect((await api.call('POST', '/alerts/web/ack', { body: { by: 'alice' } })).status).toBe(404);
    expect(await listAcknowledgements(harness.redis)).toEqual([]);
  });

  it('answers 400 naming body.by when it is missing', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    const answer = await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { comment: 'x' } });
    expect(answer).toMatchObject({ status: 400, body: { code: 'VIGIL_API_INVALID', problems: [{ field: 'body.by' }] } });
  });

  it('answers 400 naming body.by when it is blank', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    const answer = await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { by: '   ' } });
    expect(answer).toMatchObject({ status: 400, body: { problems: [{ field: 'body.by', reason: 'must not be empty' }] } });
  });

  it('answers 400 naming an unknown field', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    const answer = await api.call('POST', `/alerts/${fingerprint}/ack`, { body: { by: 'alice', commment: 'typo' } });
    expect(answer).toMatchObject({ status: 400, body: { problems: [{ field: 'body', reason: expect.stringMatching(/commment/) }] } });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    expect(await api.call('POST', `/alerts/${fingerprint}/ack`, { body: '{by: alice' })).toMatchObject({ status: 400, body: { code: 'VIGIL_API_INVALID' } });
  });

  it('answers 400 to a request without a body', async () => {
    const fingerprint = await fireAlert(harness.redis, 'web');
    const api = await harness.start();
    expect(await api.call('POST', `/alerts/${fingerprint}/ack`)).toMatchObject({ status: 400, body: { problems: [{ field: 'body' }] } });
  });
});
