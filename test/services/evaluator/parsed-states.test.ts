import { describe, expect, it } from 'vitest';
import { ParsedStates, type KeptState } from '../../../services/evaluator/parsed-states.js';
import type { StoredState } from '../../../services/evaluator/stored-state.js';

const up = { status: 'up', consecutiveFailures: 0, consecutiveSuccesses: 3 } as unknown as StoredState;
const kept = (state: StoredState, memoryDirty = false): KeptState => ({ state, memoryWrittenAtMs: 1_000, memoryDirty });

describe('the parsed states an evaluator keeps', () => {
  it('hands back the very object it committed when Redis still holds the text it wrote', () => {
    const states = new ParsedStates();
    const text = JSON.stringify(up);
    states.remember('shop@eu', text, kept(up));
    expect(states.take('shop@eu', text)).toEqual({ state: up, memoryWrittenAtMs: 1_000, memoryDirty: false });
    expect(states.take('shop@eu', text)).toBeUndefined();
  });

  it('does not trust its own copy once another evaluator wrote the state', () => {
    const states = new ParsedStates();
    states.remember('shop@eu', JSON.stringify(up), kept(up));
    expect(states.take('shop@eu', JSON.stringify({ ...up, status: 'down' }))).toBeUndefined();
  });

  it('gives a committed object out once, so a plan that lost a conflict cannot leave a changed copy behind', () => {
    const states = new ParsedStates();
    const text = JSON.stringify(up);
    states.remember('shop@eu', text, kept(up));
    states.take('shop@eu', text);
    expect(states.take('shop@eu', text)).toBeUndefined();
  });

  it('forgets the subject written longest ago beyond its limit', () => {
    const states = new ParsedStates(2);
    for (const subject of ['a@eu', 'b@eu', 'c@eu']) states.remember(subject, JSON.stringify(up), kept(up));
    expect(states.size).toBe(2);
    expect(states.take('a@eu', JSON.stringify(up))).toBeUndefined();
    expect(states.take('c@eu', JSON.stringify(up))?.state).toBe(up);
  });

  it('lists the rule memories newer than Redis holds, for a stopping evaluator to write', () => {
    const states = new ParsedStates();
    const withMemory = (samples: number[]) => ({ ...up, memory: { latency: samples } }) as StoredState;
    states.remember('a@eu', 'a', kept(withMemory([1]), true));
    states.remember('b@eu', 'b', kept(withMemory([2]), false));
    states.remember('c@eu', 'c', kept(up, true));
    expect(states.unwrittenMemories()).toEqual([{ subject: 'a@eu', memory: { latency: [1] } }]);
  });
});
