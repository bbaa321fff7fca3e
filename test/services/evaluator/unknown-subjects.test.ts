import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { UnknownSubjects } from '../../../services/evaluator/unknown-subjects.js';

describe('results for checks not in the configuration', () => {
  const reporter = () => new UnknownSubjects(pino({ level: 'silent' }), 600_000);

  it('are reported once per subject, however many results arrive', () => {
    const unknown = reporter();
    expect(unknown.due(['ghost@default', 'ghost@default', 'other@eu'], 0)).toEqual(['ghost@default', 'other@eu']);
    expect(unknown.due(['ghost@default'], 1_000)).toEqual([]);
  });

  it('are reported again once the report interval has passed', () => {
    const unknown = reporter();
    unknown.due(['ghost@default'], 0);
    expect(unknown.due(['ghost@default'], 599_999)).toEqual([]);
    expect(unknown.due(['ghost@default'], 600_000)).toEqual(['ghost@default']);
  });
});
