export * from './types.js';
export { PROBES, runProbe } from './registry.js';
export { classifyError } from './classify.js';
