import { describe, expect, it } from 'vitest';
import {
  EMPTY_OUTCOME_RING,
  failuresInLast,
  isDownXOfY,
  recordOutcome,
  type OutcomeRing,
  type XOfYRule,
} from '../../../../services/evaluator/rules/x-of-y.js';

/** Feeds outcomes ('1' failed, '0' passed) in order and returns whether the check is down after each. */
function downAfterEach(outcomes: string, rule: XOfYRule): boolean[] {
  let ring: OutcomeRing = EMPTY_OUTCOME_RING;
  return [...outcomes].map((outcome) => {
    ring = recordOutcome(ring, outcome === '1', rule.of);
    return isDownXOfY(ring, rule);
  });
}

const downAtEnd = (outcomes: string, rule: XOfYRule) => downAfterEach(outcomes, rule).at(-1);

describe('outcome ring', () => {
  it.each([
    ['', true, 4, '1'],
    ['010', false, 4, '0100'],
    ['0101', true, 4, '1011'],
    ['111111', false, 3, '110'],
  ])('%s + failed=%s with Y=%s is %s', (ring, failed, of, next) => {
    expect(recordOutcome(ring, failed, of)).toBe(next);
  });

  it('survives a JSON round trip unchanged', () => {
    const ring = recordOutcome(recordOutcome(EMPTY_OUTCOME_RING, true, 4), false, 4);
    expect(JSON.parse(JSON.stringify({ ring })).ring).toBe(ring);
  });

  it('counts only the last Y outcomes of a ring stored under a larger Y', () => {
    expect(failuresInLast('111000', 3)).toBe(0);
  });
});

describe('X of Y rule', () => {
  const twoOfFour = { failures: 2, of: 4 };
  const threeOfFive = { failures: 3, of: 5 };

  it.each<[string, string, XOfYRule, boolean]>([
    ['exactly X of Y failed fires (2 of 4)', '0011', twoOfFour, true],
    ['exactly X of Y failed fires (3 of 5)', '10101', threeOfFive, true],
    ['one fewer than X stays up', '10001', threeOfFive, false],
    ['all Y failed fires', '11111', threeOfFive, true],
    ['no failures stays up', '00000', threeOfFive, false],
    ['failures older than Y no longer count', '1110000', threeOfFive, false],
    ['1-0-1-0 flapping fires with X=2, Y=4', '1010', twoOfFour, true],
    ['X=1 fires on any failure in the window', '0001', { failures: 1, of: 4 }, true],
    ['X larger than Y never fires', '11111', { failures: 6, of: 5 }, false],
  ])('%s (%s)', (_name, outcomes, rule, down) => {
    expect(downAtEnd(outcomes, rule)).toBe(down);
  });

  it('catches 1-0-1-0 flapping on the second failure, which 2 failures in a row never would', () => {
    expect(downAfterEach('1010', twoOfFour)).toEqual([false, false, true, true]);
  });

  it.each<[string, string, XOfYRule, boolean[]]>([
    ['does not fire on the first failure when X > 1', '1', threeOfFive, [false]],
    ['with fewer than Y results, fires once X have failed', '111', threeOfFive, [false, false, true]],
    ['with fewer than Y results, fewer than X failures stay up', '1011', { failures: 4, of: 5 }, [false, false, false, false]],
  ])('%s', (_name, outcomes, rule, downs) => {
    expect(downAfterEach(outcomes, rule)).toEqual(downs);
  });

  it('comes back up once failures drop below X in the window', () => {
    expect(downAfterEach('110000', { failures: 2, of: 4 })).toEqual([false, true, true, true, false, false]);
  });
});
