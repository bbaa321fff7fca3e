import { describe, expect, it } from 'vitest';
import { acknowledge, listActiveAlerts } from '../../../../libs/alerts/index.js';
import { parseConfig, type Config } from '../../../../libs/config/index.js';
import { createQueue, jobIdOf, type AlertEvent, type ConfigObservationBatch, type WatchObservation, type WatchObservationBatch } from '../../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../../libs/redis-keys.js';
import { evaluatorHarness } from '../../../support/evaluator.js';
import { eventually } from '../../../support/infra.js';

const HOST = 'web-1';
/** Every test uses its own watch id, so none sees another's states or alerts. */
const configWith = (...watches: string[]): Config => parseConfig(`watches:\n${watches.map((watch) => `  - ${watch}\n`).join('')}`);
const subjectOf = (watchId: string) => `watch:${watchId}@${HOST}`;

describe('the evaluator on file watches and configuration verdicts', () => {
  const harness = evaluatorHarness();
  const start = (config: Config) => harness.start(config, { watchSweepEveryMs: 200 });
  let sent = 0;

  /** Queues observations of a watch and waits until the evaluator has applied them. */
  async function observe(watchId: string, ...observations: WatchObservation[]): Promise<void> {
    const batch: WatchObservationBatch = { source: 'watch', watchId, host: HOST, agentStartedAt: 1, observations };
    await queueBatch(batch);
    const newest = Math.max(...observations.map((observation) => observation.atMs));
    await eventually('the observations evaluated', async () => {
      const text = await harness.redis.get(REDIS_KEYS.watchState(subjectOf(watchId)));
      return text !== null && (JSON.parse(text) as { seenUntilMs: number }).seenUntilMs >= newest;
    });
  }

  async function queueBatch(batch: WatchObservationBatch | ConfigObservationBatch): Promise<void> {
    const results = createQueue('results', harness.redis);
    sent += 1;
    await results.add('results', batch, { jobId: jobIdOf('test', 'watch', sent) });
    await results.close();
  }

  async function alertsWhere(label: string, value: string): Promise<AlertEvent[]> {
    const alerts = createQueue('alerts', harness.redis);
    const jobs = await alerts.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
    await alerts.close();
    return jobs.map((job) => job.data).filter((alert) => alert.labels[label] === value).sort((a, b) => a.status.localeCompare(b.status));
  }

  const until = (label: string, value: string, count: number) => eventually(`${count} alert events for ${value}`, async () => {
    const found = await alertsWhere(label, value);
    return found.length >= count ? found : undefined;
  });

  const change = (atMs: number, sha = 'b'.repeat(64)): WatchObservation => ({
    kind: 'event', event: 'change', path: '/etc/app.conf', atMs,
    before: { kind: 'file', sha256: 'a'.repeat(64), sizeBytes: 10, mode: '0644', owner: '0:0', mtimeMs: atMs - 1_000 },
    after: { kind: 'file', sha256: sha, sizeBytes: 12, mode: '0644', owner: '0:0', mtimeMs: atMs },
  });

  it('raises FileChanged once for a change delivered twice, saying what changed', async () => {
    start(configWith('{ id: changed-once, paths: [/etc], integrity: true, labels: { team: ops } }'));
    const atMs = Date.now();
    await observe('changed-once', change(atMs));
    await observe('changed-once', change(atMs));
    await observe('changed-once', change(atMs + 1));

    const [alert] = await until('watch', 'changed-once', 1);
    expect(alert).toMatchObject({
      status: 'firing',
      labels: { alertname: 'FileChanged', watch: 'changed-once', host: HOST, path: '/etc/app.conf', team: 'ops', severity: 'warning' },
      annotations: { summary: `/etc/app.conf changed on ${HOST}`, old_sha256: 'a'.repeat(64), new_sha256: 'b'.repeat(64), old_size: '10', new_size: '12' },
    });
    expect(await alertsWhere('watch', 'changed-once')).toHaveLength(1);
    expect((await listActiveAlerts(harness.redis)).filter((active) => active.labels.watch === 'changed-once')).toEqual([expect.objectContaining({ rule: 'file-change', subject: subjectOf('changed-once') })]);
    expect(await harness.redis.sismember(REDIS_KEYS.watchSubjects, subjectOf('changed-once'))).toBe(1);
    expect(await harness.redis.sismember(REDIS_KEYS.subjects, subjectOf('changed-once'))).toBe(0);
  });

  it('resolves FileChanged after resolveAfter when nobody acknowledges it', async () => {
    start(configWith('{ id: changed-expires, paths: [/etc], resolveAfter: 1s }'));
    await observe('changed-expires', change(Date.now()));

    const alerts = await until('watch', 'changed-expires', 2);
    expect(alerts.map((alert) => `${alert.status}:${alert.annotations.resolved_reason ?? ''}`)).toEqual(['firing:', 'resolved:expired']);
    const history = (await harness.redis.lrange(REDIS_KEYS.stateHistory(subjectOf('changed-expires')), 0, -1)).map((text) => JSON.parse(text) as { to: string });
    expect(history.map((transition) => transition.to)).toEqual(['up', 'down']);
  });

  it('resolves FileChanged once someone acknowledges it', async () => {
    start(configWith('{ id: changed-acked, paths: [/etc] }'));
    await observe('changed-acked', change(Date.now()));
    const [firing] = await until('watch', 'changed-acked', 1);

    await acknowledge(harness.redis, { target: firing!.fingerprint, by: 'ana' });

    const alerts = await until('watch', 'changed-acked', 2);
    expect(alerts[1]).toMatchObject({ status: 'resolved', fingerprint: firing!.fingerprint, annotations: { resolved_reason: 'acknowledged', description: 'acknowledged by ana' } });
  });

  it('raises FileStale for a file older than maxAge and resolves it when the file changes', async () => {
    start(configWith('{ id: stale-backup, paths: [/backups/db.tar], maxAge: 1h }'));
    const nowMs = Date.now();
    await observe('stale-backup', { kind: 'stat', path: '/backups/db.tar', atMs: nowMs, exists: true, sizeBytes: 100, mtimeMs: nowMs - 2 * 3_600_000 });
    expect((await until('watch', 'stale-backup', 1))[0]).toMatchObject({ status: 'firing', labels: { alertname: 'FileStale', path: '/backups/db.tar' } });

    await observe('stale-backup', { kind: 'event', event: 'change', path: '/backups/db.tar', atMs: nowMs + 1 });

    expect((await until('watch', 'stale-backup', 2)).map((alert) => alert.status)).toEqual(['firing', 'resolved']);
  });

  it('raises LogPatternMatched with sample lines at the threshold and resolves it when the window empties', async () => {
    start(configWith('{ id: log-errors, paths: [/var/log/app.log], match: ERROR, threshold: { count: 2, within: 1s } }'));
    await observe('log-errors', { kind: 'lines', path: '/var/log/app.log', atMs: Date.now(), read: 5, matched: 2, samples: ['ERROR disk full', 'ERROR disk still full'], truncated: 0 });

    const alerts = await until('watch', 'log-errors', 2);
    expect(alerts[0]).toMatchObject({ status: 'firing', labels: { alertname: 'LogPatternMatched' }, annotations: { samples: 'ERROR disk full\nERROR disk still full' } });
    expect(alerts[1]!.status).toBe('resolved');
  });

  it('resolves the alerts of a watch removed from the configuration as removed, and forgets its state', async () => {
    const evaluator = start(configWith('{ id: removed-watch, paths: [/etc], mustExist: true, on: [change] }', '{ id: kept-watch, paths: [/srv] }'));
    const nowMs = Date.now();
    await observe('removed-watch', change(nowMs), { kind: 'stat', path: '/etc/needed.conf', atMs: nowMs + 1, exists: false });
    await until('watch', 'removed-watch', 2);

    await evaluator.apply(configWith('{ id: kept-watch, paths: [/srv] }'));

    const alerts = await until('watch', 'removed-watch', 4);
    expect(alerts.filter((alert) => alert.status === 'resolved').map((alert) => `${alert.labels.alertname}:${alert.annotations.resolved_reason}`).sort())
      .toEqual(['FileChanged:removed', 'FileMissing:removed']);
    expect(await harness.redis.exists(REDIS_KEYS.watchState(subjectOf('removed-watch')))).toBe(0);
    expect(await harness.redis.sismember(REDIS_KEYS.watchSubjects, subjectOf('removed-watch'))).toBe(0);
  });

  it('raises ConfigRejected for a rejected configuration once, and resolves it when one is accepted', async () => {
    start(parseConfig('watches: []'));
    const verdict = (atMs: number, accepted: boolean, sha: string): ConfigObservationBatch => ({
      source: 'config', configSource: '/etc/vigil/vigil.yaml', atMs, sha, accepted, ...(accepted ? {} : { problems: ['checks[0].interval: expected a duration like "30s", got "thirty" (line 3)'] }),
    });
    const nowMs = Date.now();
    await queueBatch(verdict(nowMs, false, 'bad'));
    await queueBatch(verdict(nowMs + 1, false, 'bad'));
    const [firing] = await until('alertname', 'ConfigRejected', 1);
    expect(firing).toMatchObject({
      status: 'firing',
      labels: { alertname: 'ConfigRejected', source: '/etc/vigil/vigil.yaml', severity: 'warning' },
      annotations: { summary: 'configuration rejected, running the last accepted one', description: expect.stringContaining('checks[0].interval: expected a duration') },
    });

    await queueBatch(verdict(nowMs + 2, true, 'good'));

    expect((await until('alertname', 'ConfigRejected', 2)).map((alert) => alert.status)).toEqual(['firing', 'resolved']);
    expect(await alertsWhere('alertname', 'ConfigRejected')).toHaveLength(2);
  });
});
