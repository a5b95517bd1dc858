import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobKind } from '../../src/domain/jobs.js';
import { PERIODIC_KINDS, periodicHandlers, periodicSchedules, type PeriodicWorkDeps } from '../../src/services/periodic-work.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import { PredictionLog } from '../../src/services/prediction-log.js';
import { NO_SERVING_METRICS } from '../../src/domain/ports/serving-metrics.js';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/stores.js';

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 11, 1);

for (const kind of STORE_KINDS) {
  describe(`periodic work: cleanup-events on ${kind}`, () => {
    let test: TestDatabase;
    let jobs: SqlJobStore;
    let serial = 0;

    before(async () => {
      test = await openTestDatabase(kind);
      jobs = new SqlJobStore(test.database);
    });
    after(() => test.cleanup());

    /** A job of `jobKind` that ran with one log line and ended `daysAgo` days before NOW (or still runs). */
    async function jobEnded(jobKind: JobKind, daysAgo: number | 'running'): Promise<string> {
      const id = `job-${kind}-${++serial}`;
      const startedAt = NOW - (daysAgo === 'running' ? 400 : daysAgo + 1) * DAY;
      await jobs.create({ id, kind: jobKind, payload: {}, idempotencyKey: null, dedupeKey: null, maxAttempts: 1, runAt: startedAt, createdAt: startedAt });
      const lease = { workerId: 'w1', now: startedAt, leaseMs: 10 * 365 * DAY };
      assert.ok(await jobs.start(id, lease));
      await jobs.appendLogs(id, ['a line'], startedAt);
      if (daysAgo !== 'running') assert.ok(await jobs.settle(id, 'w1', { state: 'succeeded', result: null }, NOW - daysAgo * DAY));
      return id;
    }

    function cleanup(retention: { periodicDays: number; requestedDays: number }, deletedEvents: () => Promise<number>) {
      const unused = (): never => assert.fail('cleanup-events must not sweep, scan or retrain');
      const deps: PeriodicWorkDeps = {
        artifacts: { sweep: unused },
        freshData: { scanFresh: unused },
        training: { reconcileFreshData: unused },
        predictionLog: { deleteExpired: unused },
        deployments: { checkAll: unused },
        monitoring: { monitorAll: unused },
        retraining: { tick: unused, repairLost: unused },
        sweepIntervalMs: 60_000,
        deleteDeliveredEvents: deletedEvents,
        jobs,
        periodicJobRetentionMs: retention.periodicDays * DAY,
        jobRetentionMs: retention.requestedDays * DAY,
        clock: { now: () => NOW },
      };
      return periodicHandlers(deps)['cleanup-events']!;
    }

    it('deletes ended ticks past their retention and requested jobs (with their logs) past theirs; running jobs stay', async () => {
      const oldTick = await jobEnded('sweep-artifacts', 2);
      const recentTick = await jobEnded('scan-fresh-data', 0.5);
      const oldTrain = await jobEnded('train', 100);
      const trainInsideRetention = await jobEnded('retrain', 2);
      const runningForAges = await jobEnded('evaluate', 'running');
      let eventsCleaned = 0;
      const handler = cleanup({ periodicDays: 1, requestedDays: 90 }, async () => {
        eventsCleaned++;
        return 7;
      });

      const result = await handler({} as never);

      assert.deepEqual(result, { deleted: 7, jobsDeleted: 2, ticksDeleted: 1, requestedDeleted: 1 });
      assert.equal(eventsCleaned, 1);
      assert.equal(await jobs.get(oldTick), undefined);
      assert.equal(await jobs.get(oldTrain), undefined);
      assert.deepEqual(await jobs.logs(oldTrain, 0, 10), [], 'the log goes with its job');
      for (const kept of [recentTick, trainInsideRetention, runningForAges]) assert.ok(await jobs.get(kept), `${kept} is kept`);
      assert.equal((await jobs.logs(trainInsideRetention, 0, 10)).length, 1);
    });

    it('a requested job is never deleted under the ticks\' shorter retention', async () => {
      const train = await jobEnded('train', 3);
      const result = await cleanup({ periodicDays: 1, requestedDays: 30 }, async () => 0)({} as never);
      assert.equal((result as { requestedDeleted: number }).requestedDeleted, 0);
      assert.ok(await jobs.get(train));
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`periodic work: cleanup-predictions on ${kind}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await openTestDatabase(kind);
    });
    after(() => test.cleanup());

    it('deletes the predictions older than WARDEN_PREDICTION_RETENTION_MS and keeps the rest', async () => {
      const store = new SqlPredictionStore(test.database);
      const clock = { now: () => NOW };
      const log = new PredictionLog({ store, clock, metrics: NO_SERVING_METRICS, maxBuffer: 10, batchSize: 10, flushIntervalMs: 60_000, retentionMs: 30 * DAY });
      const at = (id: string, daysAgo: number) => ({ id, requestId: id, model: 'm', version: 1, semver: 'v1.0', arm: 'production', label: 0, probability: 0.2, score: -1, latencyMs: 1, chars: 3, nonAsciiShare: 0, urlCount: 0, createdAt: NOW - daysAgo * DAY });
      await store.insertMany([at('old', 31), at('older', 400), at('recent', 29)]);
      const unused = (): never => assert.fail('cleanup-predictions only deletes predictions');
      const handler = periodicHandlers({
        artifacts: { sweep: unused },
        freshData: { scanFresh: unused },
        training: { reconcileFreshData: unused },
        predictionLog: log,
        deployments: { checkAll: unused },
        monitoring: { monitorAll: unused },
        retraining: { tick: unused, repairLost: unused },
        sweepIntervalMs: 60_000,
        deleteDeliveredEvents: unused,
        jobs: { deleteFinished: unused },
        periodicJobRetentionMs: DAY,
        jobRetentionMs: DAY,
        clock,
      })['cleanup-predictions']!;
      assert.deepEqual(await handler({} as never), { deleted: 2 });
      assert.deepEqual((await store.findByIds(['old', 'older', 'recent'])).map((p) => p.id), ['recent']);
    });
  });
}

describe('periodic schedules', () => {
  it('one schedule per periodic kind, named after it: housekeeping at the sweep interval, deployment checks and monitoring at theirs', () => {
    assert.deepEqual(
      periodicSchedules({ sweepMs: 60_000, deploymentCheckMs: 2_000, monitorMs: 30_000 }),
      PERIODIC_KINDS.map((kind) => ({ name: kind, everyMs: kind === 'check-deployments' ? 2_000 : kind === 'monitor-models' ? 30_000 : 60_000, kind })),
    );
  });
});
