import { describe, expect, it } from 'vitest';
import { diffKeyed, sseFrame, streamEvents, type StreamSnapshot } from '../../../services/api/stream-diff.js';

const up = { id: 'shop', states: [{ region: 'default', status: 'up' }] };
const down = { id: 'shop', states: [{ region: 'default', status: 'down', lastMessage: 'HTTP 500' }] };
const db = { id: 'db', states: [{ region: 'default', status: 'up' }] };

const snapshot = (checks: object[] = [], alerts: Array<{ fingerprint: string }> = []): StreamSnapshot => ({
  checks: new Map(checks.map((check) => [(check as { id: string }).id, check])),
  watches: new Map(),
  alerts: new Map(alerts.map((alert) => [alert.fingerprint, alert])),
});

describe('diffKeyed', () => {
  it.each([
    { name: 'nothing changed', before: [up, db], after: [up, db], changed: [], removed: [] },
    { name: 'a state changed', before: [up, db], after: [down, db], changed: [down], removed: [] },
    { name: 'an item appeared', before: [db], after: [up, db], changed: [up], removed: [] },
    { name: 'an item went away', before: [up, db], after: [db], changed: [], removed: ['shop'] },
    { name: 'one changed, one went away', before: [up, db], after: [down], changed: [down], removed: ['db'] },
    { name: 'from nothing', before: [], after: [up], changed: [up], removed: [] },
  ])('$name', ({ before, after, changed, removed }) => {
    const byId = (items: Array<{ id: string }>) => new Map(items.map((item) => [item.id, item]));
    expect(diffKeyed(byId(before), byId(after))).toEqual({ changed, removed });
  });

  it('sees a change nested deep in an item', () => {
    const acked = { fingerprint: 'f1', labels: { check: 'shop' }, acknowledged: { by: 'ana' } };
    expect(diffKeyed(new Map([['f1', { fingerprint: 'f1', labels: { check: 'shop' } }]]), new Map([['f1', acked]])).changed).toEqual([acked]);
  });
});

describe('streamEvents', () => {
  it('sends a client that has seen nothing every stream in full, even empty ones', () => {
    expect(streamEvents(undefined, snapshot([up]))).toEqual([
      { event: 'checks', data: { changed: [up], removed: [], full: true } },
      { event: 'watches', data: { changed: [], removed: [], full: true } },
      { event: 'alerts', data: { changed: [], removed: [], full: true } },
    ]);
  });

  it('sends nothing when nothing changed', () => {
    expect(streamEvents(snapshot([up, db]), snapshot([up, db]))).toEqual([]);
  });

  it('sends only the streams that changed, with only what changed', () => {
    expect(streamEvents(snapshot([up, db]), snapshot([down, db], [{ fingerprint: 'f1' }]))).toEqual([
      { event: 'checks', data: { changed: [down], removed: [] } },
      { event: 'alerts', data: { changed: [{ fingerprint: 'f1' }], removed: [] } },
    ]);
  });

  it('names a resolved alert as removed', () => {
    expect(streamEvents(snapshot([up], [{ fingerprint: 'f1' }]), snapshot([up]))).toEqual([{ event: 'alerts', data: { changed: [], removed: ['f1'] } }]);
  });
});

describe('sseFrame', () => {
  it('writes one event with its data on one line, even when a label holds line breaks', () => {
    const frame = sseFrame({ event: 'checks', data: { changed: [{ id: 'x', labels: { note: 'a\nb\r\nc' } }], removed: [] } });
    expect(frame).toBe('event: checks\ndata: {"changed":[{"id":"x","labels":{"note":"a\\nb\\r\\nc"}}],"removed":[]}\n\n');
    expect(frame.trimEnd().split('\n')).toHaveLength(2);
  });
});
