import { describe, expect, it } from 'vitest';
import {
  INITIAL_FLAPPING_STATE,
  changesInWindow,
  isFlapping,
  recordChange,
  settled,
  type FlappingRule,
  type FlappingState,
} from '../../../../services/evaluator/rules/flapping.js';

const MINUTE = 60_000;
const rule: FlappingRule = { maxChanges: 3, windowMs: 10 * MINUTE };

/** Records changes at the given minutes, alternating up → down → up ..., starting from up. */
function changesAt(minutes: number[], limits: FlappingRule = rule, from: FlappingState = INITIAL_FLAPPING_STATE): FlappingState {
  return minutes.reduce((state, minute, index) => {
    const [previous, next] = index % 2 === 0 ? ['up', 'down'] : ['down', 'up'];
    return recordChange(state, { atMs: minute * MINUTE, from: previous!, to: next! }, limits);
  }, from);
}

describe('flapping rule', () => {
  it.each([
    { minutes: [], flapping: false },
    { minutes: [1], flapping: false },
    { minutes: [1, 2, 3], flapping: false }, // exactly maxChanges: "more than N" is not met
    { minutes: [1, 2, 3, 4], flapping: true },
    { minutes: [1, 2, 3, 11], flapping: false }, // the change at minute 1 aged out before minute 11
    { minutes: [1, 2, 3, 10.99], flapping: true },
    { minutes: [0, 5, 10, 15, 20], flapping: false }, // steady changes, never more than 3 in 10 minutes
  ])('after changes at minutes $minutes flapping is $flapping', ({ minutes, flapping }) => {
    expect(isFlapping(changesAt(minutes))).toBe(flapping);
  });

  it.each([
    { ageMinutes: 9.99, counted: 1 },
    { ageMinutes: 10, counted: 0 },
  ])('a change $ageMinutes minutes old counts $counted in a 10-minute window', ({ ageMinutes, counted }) => {
    expect(changesInWindow(changesAt([0]), rule, ageMinutes * MINUTE)).toBe(counted);
  });

  it('keeps at most maxChanges + 1 change times, so the stored state stays small however long it flaps', () => {
    const state = changesAt([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(state.changeTimes).toEqual([5, 6, 7, 8].map((m) => m * MINUTE));
  });

  it('stores plain JSON that survives a round trip', () => {
    const state = changesAt([1, 2, 3, 4]);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('ignores a change older than the last one recorded (a replayed result)', () => {
    const state = changesAt([1, 2, 3]);
    expect(recordChange(state, { atMs: 2 * MINUTE, from: 'up', to: 'down' }, rule)).toBe(state);
  });

  it('does not settle while the window still holds more than maxChanges', () => {
    const state = changesAt([1, 2, 3, 4]);
    const result = settled(state, rule, 10 * MINUTE);
    expect(result.summary).toBeUndefined();
    expect(isFlapping(result.state)).toBe(true);
  });

  it('settles once changes age out and the window holds maxChanges or fewer', () => {
    const state = changesAt([1, 2, 3, 4]);
    const result = settled(state, rule, 11 * MINUTE);
    expect(result.summary).toBeDefined();
    expect(isFlapping(result.state)).toBe(false);
  });

  it.each([
    { quietMinutes: 4.99, settles: false },
    { quietMinutes: 5, settles: true },
  ])('with settleMs of 5 minutes, $quietMinutes quiet minutes settles: $settles', ({ quietMinutes, settles }) => {
    const longWindow: FlappingRule = { maxChanges: 3, windowMs: 60 * MINUTE, settleMs: 5 * MINUTE };
    const state = changesAt([1, 2, 3, 4], longWindow);
    expect(settled(state, longWindow, (4 + quietMinutes) * MINUTE).summary !== undefined).toBe(settles);
  });

  it('summarises the episode: changes held, the state before it, the state it settled in, and since when', () => {
    const state = changesAt([1, 2, 3, 4, 5, 6, 7]);
    expect(settled(state, rule, 20 * MINUTE).summary).toEqual({
      since: 4 * MINUTE,
      settledAt: 20 * MINUTE,
      changes: 4,
      firstState: 'down',
      lastState: 'down',
    });
  });

  it('produces the summary once: settling an already settled check says nothing', () => {
    const first = settled(changesAt([1, 2, 3, 4]), rule, 20 * MINUTE);
    expect(settled(first.state, rule, 21 * MINUTE).summary).toBeUndefined();
  });

  it('a check that never flapped has nothing to settle', () => {
    expect(settled(changesAt([1, 2]), rule, 20 * MINUTE)).toEqual({ state: changesAt([1, 2]) });
  });

  it('starts a new episode when the check flaps again after settling', () => {
    const calm = settled(changesAt([1, 2, 3, 4]), rule, 30 * MINUTE).state;
    expect(isFlapping(changesAt([31, 32, 33], rule, calm))).toBe(false);
    expect(isFlapping(changesAt([31, 32, 33, 34], rule, calm))).toBe(true);
  });
});
