import { parseConfig, type WatchConfig } from '../../../../libs/config/index.js';
import type { FileDescription, WatchObservation, WatchObservationBatch } from '../../../../libs/queues/index.js';

/** One watch from its YAML flow mapping (without id and paths, which are given). */
export function watchOf(fields = ''): WatchConfig {
  return parseConfig(`watches:\n  - { id: w, paths: [/srv]${fields ? `, ${fields}` : ''} }\n`).watches[0]!;
}

export const HOST = 'web-1';
export const AGENT_START = 1_000;

export function batchOf(...observations: WatchObservation[]): WatchObservationBatch {
  return { source: 'watch', watchId: 'w', host: HOST, agentStartedAt: AGENT_START, observations };
}

export function file(fields: Partial<FileDescription> = {}): FileDescription {
  return { kind: 'file', sha256: 'a'.repeat(64), sizeBytes: 10, mode: '0644', owner: '0:0', mtimeMs: 5_000, ...fields };
}
