import { describe, expect, it } from 'vitest';
import { ParsedStates } from '../../../services/evaluator/parsed-states.js';
import type { StoredState } from '../../../services/evaluator/stored-state.js';

const up = { status: 'up', consecutiveFailures: 0, consecutiveSuccesses: 3 } as unknown as StoredState;

describe('the parsed states an evaluator keeps', () => {
  it('hands back the very object it committed when Redis still holds the text it wrote', () => {
    const states = new ParsedStates();
    const text = JSON.stringify(up);
    states.remember('shop@eu', text, up);
    expect(states.take('shop@eu', text)).toBe(up);
  });

  it('parses what another evaluator wrote instead of trusting its own older copy', () => {
    const states = new ParsedStates();
    states.remember('shop@eu', JSON.stringify(up), up);
    const theirs = { ...up, status: 'down' } as StoredState;
    const taken = states.take('shop@eu', JSON.stringify(theirs));
    expect(taken).toEqual(theirs);
    expect(taken).not.toBe(up);
  });

  it('gives a committed object out once, so a plan that lost a conflict cannot leave a changed copy behind', () => {
    const states = new ParsedStates();
    const text = JSON.stringify(up);
    states.remember('shop@eu', text, up);
    states.take('shop@eu', text);
    const again = states.take('shop@eu', text);
    expect(again).toEqual(up);
    expect(again).not.toBe(up);
  });

  it('forgets the subject written longest ago beyond its limit', () => {
    const states = new ParsedStates(2);
    for (const subject of ['a@eu', 'b@eu', 'c@eu']) states.remember(subject, JSON.stringify(up), up);
    expect(states.size).toBe(2);
    expect(states.take('a@eu', JSON.stringify(up))).not.toBe(up);
    expect(states.take('c@eu', JSON.stringify(up))).toBe(up);
  });
});
