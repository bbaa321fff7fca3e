import { describe, expect, it } from 'vitest';
import { createSilence, listSilences } from '../../../libs/alerts/index.js';
import { apiHarness, READ_TOKEN } from './support.js';

const NEW_SILENCE = { matchers: ['check="web"'], duration: '2h', createdBy: 'alice', comment: 'deploy' };

describe('silences', () => {
  const harness = apiHarness();

  it('creates a silence from matcher texts and a duration (201)', async () => {
    const api = await harness.start();
    const { status, body } = await api.call('POST', '/silences', { body: NEW_SILENCE });
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'active', matchers: [{ name: 'check', operator: '=', value: 'web' }], createdBy: 'alice', comment: 'deploy', notifyResolved: false });
    expect(Date.parse(body.endsAt) - Date.parse(body.startsAt)).toBe(2 * 3_600_000);
    expect((await listSilences(harness.redis)).map((silence) => silence.id)).toEqual([body.id]);
  });

  it('creates a silence from matcher objects and an end time', async () => {
    const api = await harness.start();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const { status, body } = await api.call('POST', '/silences', { body: { ...NEW_SILENCE, duration: undefined, endsAt, matchers: [{ name: 'team', operator: '=~', value: 'shop|web' }] } });
    expect(status).toBe(201);
    expect(body).toMatchObject({ endsAt, matchers: [{ name: 'team', operator: '=~', value: 'shop|web' }] });
  });

  it('lists active silences', async () => {
    const silence = await createSilence(harness.redis, { matchers: [{ name: 'check', operator: '=', value: 'db' }], durationMs: 60_000, createdBy: 'bob', comment: 'x' });
    const api = await harness.start();
    expect((await api.call('GET', '/silences', { token: READ_TOKEN })).body.silences).toEqual([expect.objectContaining({ id: silence.id, status: 'active', createdBy: 'bob' })]);
  });

  it('expires a silence with DELETE and lists it only with includeExpired', async () => {
    const silence = await createSilence(harness.redis, { matchers: [{ name: 'check', operator: '=', value: 'db' }], durationMs: 60_000, createdBy: 'bob', comment: 'x' });
    const api = await harness.start();
    expect(await api.call('DELETE', `/silences/${silence.id}`)).toMatchObject({ status: 200, body: { id: silence.id, status: 'expired' } });
    expect((await api.call('GET', '/silences')).body.silences).toEqual([]);
    expect((await api.call('GET', '/silences?includeExpired=true')).body.silences).toEqual([expect.objectContaining({ id: silence.id, status: 'expired' })]);
  });

  it('answers 404 to expiring a silence that does not exist', async () => {
    const api = await harness.start();
    expect(await api.call('DELETE', `/silences/${'0'.repeat(32)}`)).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND' } });
  });

  it('answers 409 to expiring a silence again', async () => {
    const silence = await createSilence(harness.redis, { matchers: [{ name: 'check', operator: '=', value: 'db' }], durationMs: 60_000, createdBy: 'bob', comment: 'x' });
    const api = await harness.start();
    await api.call('DELETE', `/silences/${silence.id}`);
    expect(await api.call('DELETE', `/silences/${silence.id}`)).toMatchObject({ status: 409, body: { code: 'VIGIL_API_CONFLICT' } });
  });

  it.each([
    { name: 'no matchers', body: { ...NEW_SILENCE, matchers: [] }, field: 'body.matchers' },
    { name: 'a matcher that does not parse', body: { ...NEW_SILENCE, matchers: ['check=="web"'] }, field: 'body.matchers[0]' },
    { name: 'a matcher with an unknown operator', body: { ...NEW_SILENCE, matchers: [{ name: 'check', operator: '~', value: 'web' }] }, field: 'body.matchers[0]' },
    { name: 'neither duration nor endsAt', body: { ...NEW_SILENCE, duration: undefined }, field: 'body.endsAt' },
    { name: 'a bad duration', body: { ...NEW_SILENCE, duration: 'two hours' }, field: 'body.duration' },
    { name: 'an endsAt without an offset', body: { ...NEW_SILENCE, duration: undefined, endsAt: '2030-01-01T00:00:00' }, field: 'body.endsAt' },
    { name: 'no createdBy', body: { ...NEW_SILENCE, createdBy: undefined }, field: 'body.createdBy' },
    { name: 'an empty comment', body: { ...NEW_SILENCE, comment: '' }, field: 'body.comment' },
    { name: 'notifyResolved that is not a boolean', body: { ...NEW_SILENCE, notifyResolved: 'yes' }, field: 'body.notifyResolved' },
  ])('answers 400 naming $field for $name', async ({ body, field }) => {
    const api = await harness.start();
    const answer = await api.call('POST', '/silences', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toContainEqual(expect.objectContaining({ field }));
  });

  it('answers 400 with the library\'s reason for a silence that would mute every alert', async () => {
    const api = await harness.start();
    const answer = await api.call('POST', '/silences', { body: { ...NEW_SILENCE, matchers: ['check=~".*"'] } });
    expect(answer).toMatchObject({ status: 400, body: { code: 'VIGIL_API_INVALID', message: expect.stringMatching(/mute every alert/) } });
  });

  it('answers 400 naming query.includeExpired for a value that is not true or false', async () => {
    const api = await harness.start();
    expect(await api.call('GET', '/silences?includeExpired=yes')).toMatchObject({ status: 400, body: { problems: [{ field: 'query.includeExpired' }] } });
  });
});
