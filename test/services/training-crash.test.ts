/**
 * kill -9 a worker process in the middle of a REAL training job (the platform's training
 * handlers), start another: the job finishes once — succeeded, attempts = 2, one run
 * reused, exactly one registered version. On both queues: the in-process queue on a
 * SQLite file, and BullMQ on Redis with a PostgreSQL store.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createPlatform, type Platform } from '../../src/main.js';
import { tempDir } from '../support/stores.js';
import type { ChildProcess } from 'node:child_process';
import { startChildWorker, stopChild } from '../support/child-worker.js';
import { SMALL_FEATURES, localQueueSetup, redisQueueSetup, syntheticRows, waitForJobWhere, type WorkerTestSetup } from '../support/training.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/training-worker.ts', import.meta.url));



function crashSuite(name: string, setUp: () => Promise<WorkerTestSetup>): void {
  describe(`kill -9 during a real training job: ${name}`, () => {
    let setup: WorkerTestSetup;
    let platform: Platform;
    const home = tempDir('warden-train-crash-');
    const children: ChildProcess[] = [];
    const adminToken = `test-admin-${randomBytes(16).toString('hex')}`;

    before(async () => {
      setup = await setUp();
      // This process only enqueues and inspects (no workers).
      const config = loadConfig({ WARDEN_HOME: home.dir, WARDEN_ADMIN_TOKEN: adminToken, WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', ...setup.env, WARDEN_WORKER_CONCURRENCY: '0' });
      platform = await createPlatform(config, { database: setup.db.database });
      await platform.services.datasets.registerRows(syntheticRows(300), { name: 'synth', origin: 'upload' });
    });
    after(async () => {
      await Promise.all(children.map((c) => stopChild(c, 'SIGKILL')));
      await platform.close();
      await setup.cleanup();
      home.remove();
    });

    it('the job finishes in the next process: attempts = 2, one run, one version', async () => {
      const args = { home: home.dir, storeUrl: setup.db.url, pgSchema: setup.db.schema, adminToken, env: setup.env };
      const first = await startChildWorker(FIXTURE, args, 60_000);
      children.push(first);
      const queued = await platform.services.training.enqueueTraining(
        { model: 'crashy', family: 'lr', dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 40 } } },
        { name: 'test' },
      );
      const midway = await waitForJobWhere(platform.services.jobs, queued.id, (j) => (j.progress?.phase === 'training' && (j.progress.epoch ?? 0) >= 3) || j.state === 'succeeded' || j.state === 'failed', 60_000);
      assert.equal(midway.state, 'running', 'still training when killed');
      await stopChild(first, 'SIGKILL');
      assert.equal((await platform.services.jobs.get(queued.id)).state, 'running', 'a killed worker leaves its job running');

      const second = await startChildWorker(FIXTURE, args, 60_000);
      children.push(second);
      const done = await waitForJobWhere(platform.services.jobs, queued.id, (j) => j.state === 'succeeded' || j.state === 'failed', 120_000);
      const logs = (await platform.services.jobs.logs(queued.id)).map((l) => l.line).join('\n');
      assert.equal(done.state, 'succeeded', `${JSON.stringify(done.error)}\n${logs}`);
      assert.equal(done.attempts, 2, logs);

      const versions = await platform.services.registry.searchVersions('crashy');
      assert.equal(versions.items.length, 1, 'exactly one version');
      const version = versions.items[0]!;
      assert.equal(version.semver, 'v1.0');
      const experiment = await platform.services.tracking.getExperiment('train-crashy');
      const runs = await platform.services.tracking.searchRuns({ experimentIds: [experiment.id] });
      assert.equal(runs.runs.length, 1, 'the second attempt reused the run');
      assert.equal(runs.runs[0]?.id, version.sourceRunId);
      assert.equal(runs.runs[0]?.status, 'FINISHED');
      assert.match(logs, /attempt 2/);
      await stopChild(second, 'SIGTERM');
    });
  });
}

crashSuite('in-process queue on a SQLite file', () => localQueueSetup('sqlite'));

// A short lease so the dead worker's job is taken back in seconds, not 30 s.
crashSuite('BullMQ on Redis with a PostgreSQL store', () => redisQueueSetup('wtrain', { WARDEN_JOB_LEASE_MS: '2000' }));
