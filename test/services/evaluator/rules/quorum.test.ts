import { describe, expect, it } from 'vitest';
import type { CheckStatus } from '../../../../services/evaluator/state-machine.js';
import { effectiveQuorum, evaluateQuorum, type QuorumVerdict } from '../../../../services/evaluator/rules/quorum.js';

type Statuses = Record<string, CheckStatus>;

describe('region quorum', () => {
  it.each<[string, Statuses, number, QuorumVerdict]>([
    ['one region down of three stays up with quorum 2', { eu: 'down', us: 'up', ap: 'up' }, 2, { down: false, failingRegions: ['eu'], reportingRegions: 3 }],
    ['exactly K regions down is down', { eu: 'down', us: 'down', ap: 'up' }, 2, { down: true, failingRegions: ['eu', 'us'], reportingRegions: 3 }],
    ['more than K regions down is down', { eu: 'down', us: 'down', ap: 'down' }, 2, { down: true, failingRegions: ['ap', 'eu', 'us'], reportingRegions: 3 }],
    ['pending regions are not failing yet', { eu: 'down', us: 'pending', ap: 'up' }, 2, { down: false, failingRegions: ['eu'], reportingRegions: 3 }],
    ['unknown regions count as neither up nor down', { eu: 'down', us: 'unknown', ap: 'unknown' }, 2, { down: false, failingRegions: ['eu'], reportingRegions: 1 }],
    ['K larger than the regions present needs all of them down', { eu: 'down', us: 'down' }, 3, { down: true, failingRegions: ['eu', 'us'], reportingRegions: 2 }],
    ['K larger than the regions present is not down with one region up', { eu: 'down', us: 'up' }, 3, { down: false, failingRegions: ['eu'], reportingRegions: 2 }],
    ['a single region with quorum 2 alerts on its own', { eu: 'down' }, 2, { down: true, failingRegions: ['eu'], reportingRegions: 1 }],
    ['an unknown region still counts towards K capped at the regions present', { eu: 'down', us: 'unknown' }, 2, { down: false, failingRegions: ['eu'], reportingRegions: 1 }],
    ['no regions is not down', {}, 2, { down: false, failingRegions: [], reportingRegions: 0 }],
    ['all regions up is not down', { eu: 'up', us: 'up' }, 1, { down: false, failingRegions: [], reportingRegions: 2 }],
  ])('%s', (_name, statuses, quorum, verdict) => {
    expect(evaluateQuorum(statuses, quorum)).toEqual(verdict);
  });

  it.each([
    [2, 3, 2],
    [3, 3, 3],
    [5, 3, 3],
    [0, 3, 1],
  ])('quorum %s over %s regions needs %s down', (quorum, regions, needed) => {
    expect(effectiveQuorum(quorum, regions)).toBe(needed);
  });

  it('lists failing regions in a stable order whatever order the statuses come in', () => {
    const a = evaluateQuorum({ us: 'down', eu: 'down' }, 2).failingRegions;
    const b = evaluateQuorum({ eu: 'down', us: 'down' }, 2).failingRegions;
    expect(a).toEqual(b);
  });
});
