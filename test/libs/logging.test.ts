import { describe, expect, it } from 'vitest';
import { createLogger } from '../../libs/logging.js';

describe('service logger', () => {
  it('logs at the level LOG_LEVEL names', () => {
    expect(createLogger('test', 'debug').level).toBe('debug');
  });

  it('falls back to info for an unknown LOG_LEVEL instead of refusing to start', () => {
    expect(createLogger('test', 'loud').level).toBe('info');
  });
});
