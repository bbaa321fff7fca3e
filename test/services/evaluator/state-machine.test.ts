import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, step, type CheckState, type Observation } from '../../../services/evaluator/state-machine.js';

const thresholds = { failureThreshold: 3, successThreshold: 2 };

/** Runs a sequence of ok/fail results (ticks 1, 2, 3, ...) and returns every step. */
function run(sequence: string, from: CheckState = INITIAL_STATE, limits = thresholds) {
  let state = from;
  return [...sequence].map((mark, index) => {
    const observation: Observation = { ok: mark === '+', scheduledAt: index + 1, ...(mark === '-' ? { message: `fail ${index}` } : {}) };
    const result = step(state, observation, limits);
    state = result.state;
    return result;
  });
}

describe('check state machine', () => {
  it.each([
    ['+', 'up'],
    ['-', 'pending'],
    ['--', 'pending'],
    ['---', 'down'],
    ['---+', 'down'],
    ['---++', 'up'],
    ['--+', 'up'],
    ['+--+--', 'pending'],
    ['---+-++', 'up'],
  ])('after %s the check is %s', (sequence, status) => {
    expect(run(sequence).at(-1)!.state.status).toBe(status);
  });

  it('fires exactly once when the check goes down, however long it stays down', () => {
    const transitions = run('+------').flatMap((s) => (s.transition ? [s.transition.kind] : []));
    expect(transitions).toEqual(['down']);
  });

  it('resolves exactly once after successThreshold successes in a row', () => {
    const transitions = run('---++++').flatMap((s) => (s.transition ? [s.transition.kind] : []));
    expect(transitions).toEqual(['down', 'recovered']);
  });

  it('dates the alert from the first failure of the streak, not the one that crossed the threshold', () => {
    const steps = run('++---');
    expect(steps.at(-1)!.transition).toMatchObject({ kind: 'down', startsAt: 3 });
  });

  it('a single success while down does not reset when the outage started', () => {
    const steps = run('---+-++');
    expect(steps.at(-1)!.transition).toMatchObject({ kind: 'recovered', startsAt: 1, endsAt: 7 });
  });

  it('carries the failure reason into the down transition', () => {
    expect(run('---').at(-1)!.transition).toMatchObject({ kind: 'down', message: 'fail 2' });
  });

  it('ignores a result for a tick it has already seen (a retried probe job)', () => {
    const first = step(INITIAL_STATE, { ok: false, scheduledAt: 10 }, thresholds);
    const repeat = step(first.state, { ok: false, scheduledAt: 10 }, thresholds);
    expect(repeat.ignored).toBe(true);
    expect(repeat.state).toBe(first.state);
  });

  it('ignores a result older than the last one applied', () => {
    const first = step(INITIAL_STATE, { ok: true, scheduledAt: 20 }, thresholds);
    expect(step(first.state, { ok: false, scheduledAt: 15 }, thresholds).ignored).toBe(true);
  });

  it('goes down on the first failure with failureThreshold 1 and up on the first success with successThreshold 1', () => {
    const kinds = run('-+', INITIAL_STATE, { failureThreshold: 1, successThreshold: 1 }).map((s) => s.transition?.kind);
    expect(kinds).toEqual(['down', 'recovered']);
  });
});

describe('check state machine with X of Y', () => {
  // failureThreshold out of reach, so only X of Y can take the check down.
  const xOfY = { failureThreshold: 100, successThreshold: 1, xOfY: { failures: 3, of: 5 } };
  const statusAfter = (sequence: string) => run(sequence, INITIAL_STATE, xOfY).at(-1)!.state.status;

  it.each([
    ['-+-+-', 'down'],
    ['-+-+', 'up'],
    ['-++--', 'down'],
    ['-+++--', 'pending'],
    ['--+++-', 'pending'],
  ])('after %s the check is %s (down at exactly 3 failures among the last 5)', (sequence, status) => {
    expect(statusAfter(sequence)).toBe(status);
  });

  it('stays down while 2 of the last 4 still fail, though every other probe passes', () => {
    const twoOfFour = { ...xOfY, xOfY: { failures: 2, of: 4 } };
    expect(run('-+-+-+-+', INITIAL_STATE, twoOfFour).slice(2).map((s) => s.state.status)).toEqual(['down', 'down', 'down', 'down', 'down', 'down']);
  });

  it('comes back up once fewer than 3 of the last 5 failed', () => {
    const steps = run('-+-+-++', INITIAL_STATE, xOfY);
    expect(steps.map((s) => s.transition?.kind).filter(Boolean)).toEqual(['down', 'recovered']);
  });

  it('keeps only the last 5 outcomes in the state', () => {
    expect(run('-+-+-+-+-', INITIAL_STATE, xOfY).at(-1)!.state.outcomes).toBe('10101');
  });
});
