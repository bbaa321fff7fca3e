export * from './types.js';
export { PROBES, runProbe } from './registry.js';
export { classifyError, ProbeError } from './classify.js';
export { createIcmpProbe, PING_MISSING_MESSAGE } from './icmp.js';
