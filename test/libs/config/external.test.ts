/** The external check type (issue 11): results pushed by agents, evaluated like probes. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../libs/config/index.js';

const checkOf = (yaml: string) => parseConfig(yaml).checks[0]!;

describe('external checks', () => {
  it('take the common check fields: interval for NoData, thresholds, regions agents report from', () => {
    expect(checkOf('checks:\n  - { id: office, type: external, interval: 5m, failureThreshold: 2, regions: [berlin] }\n'))
      .toMatchObject({ type: 'external', intervalMs: 300_000, failureThreshold: 2, regions: ['berlin'] });
  });

  it('default to the default region', () => {
    expect(checkOf('checks:\n  - { id: office, type: external }\n').regions).toEqual(['default']);
  });

  it('reject a probe field, naming it', () => {
    try {
      parseConfig('checks:\n  - { id: office, type: external, url: "http://127.0.0.1/" }\n');
      expect.unreachable('the configuration should be rejected');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((problem) => problem.path)).toEqual(['checks[0].url']);
    }
  });
});
