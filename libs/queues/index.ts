export * from './payloads.js';
export * from './queues.js';
export * from './connection.js';
