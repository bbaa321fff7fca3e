/**
 * The Vigil services, defined once. `npm start`, `npm run service` and the tests read this
 * list; the Dockerfile runs services/$SERVICE/main.ts and docker-compose.yml lists one
 * container per service, and test/docker-compose.test.ts checks both against it (and against
 * the services/ folders).
 */

/**
 * In stop order: the api first (it only reads and writes the alert store for people, so no
 * other service waits on it, and nobody should act on a stack that is stopping), then the
 * scheduler (no new work is planned), then the probe-workers finish what they are probing, the
 * evaluator stores those results, the notifier delivers the alerts they raised, and the
 * watcher goes last. They start the other way round.
 */
export const SERVICE_NAMES = ['api', 'scheduler', 'probe-worker', 'evaluator', 'notifier', 'watcher'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** One process of the local stack: its name in the logs and the service it runs. */
export interface StackProcess {
  name: string;
  service: ServiceName;
}

/** The processes of `npm start` in start order; probe-workers are numbered from 1. */
export function stackProcesses(probeWorkers: number): StackProcess[] {
  return [...SERVICE_NAMES].reverse().flatMap((service): StackProcess[] => (service === 'probe-worker'
    ? Array.from({ length: probeWorkers }, (_, i) => ({ name: `probe-worker-${i + 1}`, service }))
    : [{ name: service, service }]));
}

/** Groups to stop one after the other; the processes of one service stop in parallel. */
export function stopGroups(processes: StackProcess[]): string[][] {
  return SERVICE_NAMES.map((service) => processes.filter((p) => p.service === service).map((p) => p.name)).filter((group) => group.length > 0);
}
