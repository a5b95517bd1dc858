/**
 * kill -9 a worker process mid-job, start another, and check the job finishes exactly
 * once: succeeded, attempts = 2, one registered version, on both queues.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from '../../src/domain/jobs.js';
import type { JobQueue } from '../../src/domain/ports/job-queue.js';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import type { CrashWorkerConfig } from '../fixtures/crash-worker.js';
import { TEST_PG_URL, TEST_REDIS_URL, openTestDatabase, tempDir, uniqueName, type TestDatabase } from '../support/stores.js';
import { dropRedisPrefix } from '../support/redis.js';
import type { ChildProcess } from 'node:child_process';
import { startChildWorker, stopChild } from '../support/child-worker.js';
import { waitForJobWhere } from '../support/training.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/crash-worker.ts', import.meta.url));
const LEASE_MS = 1_000;




function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

interface Setup {
  queue: JobQueue;
  config: Omit<CrashWorkerConfig, 'outcomeFile' | 'callsFile'>;
  cleanup(): Promise<void>;
}

const SCENARIOS = [
  { name: 'killed while training (before the version is registered)', killWhen: (job: Job) => (job.progress?.step ?? 0) >= 2 && job.progress?.phase === 'train' },
  { name: 'killed after registering, before the job completed', killWhen: (job: Job) => job.progress?.phase === 'finalize' },
] as const;

function crashSuite(name: string, setUp: () => Promise<Setup>): void {
  describe(`kill -9 mid-job: ${name}`, () => {
    let setup: Setup;
    const dir = tempDir('warden-crash-');
    const children: ChildProcess[] = [];
    before(async () => {
      setup = await setUp();
    });
    after(async () => {
      await Promise.all(children.map((child) => stopChild(child, 'SIGKILL')));
      await setup.cleanup();
      dir.remove();
    });

    for (const [index, scenario] of SCENARIOS.entries()) {
      it(`${scenario.name}: the job finishes once, attempts = 2, no duplicate version`, async () => {
        const config: CrashWorkerConfig = {
          ...setup.config,
          outcomeFile: path.join(dir.dir, `outcomes-${index}.jsonl`),
          callsFile: path.join(dir.dir, `calls-${index}.txt`),
        };
        const first = await startChildWorker(FIXTURE, config, 90_000);
        children.push(first);
        const job = await setup.queue.enqueue({ kind: 'train', payload: { model: 'spam-detector' } });
        const midway = await waitForJobWhere(setup.queue, job.id, (j) => scenario.killWhen(j) || j.state !== 'queued' && j.state !== 'running', 60_000);
        assert.equal(midway.state, 'running', 'the job is mid-run when the worker is killed');
        await stopChild(first, 'SIGKILL');

        const orphan = await setup.queue.get(job.id);
        assert.equal(orphan.state, 'running', 'a killed worker leaves its job running');
        assert.equal(orphan.attempts, 1);

        const second = await startChildWorker(FIXTURE, config, 90_000);
        children.push(second);
        const done = await waitForJobWhere(setup.queue, job.id, (j) => j.state !== 'queued' && j.state !== 'running', 60_000);
        assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
        assert.equal(done.attempts, 2);
        assert.equal((done.result as { pid: number }).pid, second.pid, 'the second process finished it');

        const outcomes = lines(config.outcomeFile).map((l) => JSON.parse(l) as { key: string; version: number; pid: number });
        assert.equal(outcomes.length, 1, 'exactly one version registered');
        assert.equal(outcomes[0]!.key, `${job.id}:register-version`);
        assert.equal((done.result as { version: number }).version, outcomes[0]!.version);
        assert.equal(lines(config.callsFile).length, 1, 'the registration ran once: once() replayed it after the crash');
        const logs = await setup.queue.logs(job.id);
        assert.ok(logs.some((l) => /stopped mid-job/.test(l.line)), 'the log says why the job ran again');
        await stopChild(second, 'SIGTERM');
      });
    }
  });
}

crashSuite('in-process queue on a SQLite file', async () => {
  const test: TestDatabase = await openTestDatabase('sqlite');
  const queue = new LocalJobQueue(new SqlJobStore(test.database), { clock: systemClock, ids: randomIds });
  return {
    queue,
    config: { queue: 'local', storeUrl: test.url, steps: 6, stepMs: 150, finalizeMs: 1_500, leaseMs: LEASE_MS },
    async cleanup() {
      await queue.close();
      await test.cleanup();
    },
  };
});

crashSuite('BullMQ on Redis with a PostgreSQL job store', async () => {
  const test: TestDatabase = await openTestDatabase('postgres');
  const prefix = uniqueName('wcrash');
  const queue = new BullMqJobQueue(new SqlJobStore(test.database), {
    url: TEST_REDIS_URL,
    prefix,
    queueName: 'jobs',
    clock: systemClock,
    ids: randomIds,
  });
  return {
    queue,
    config: {
      queue: 'bullmq',
      storeUrl: TEST_PG_URL,
      pgSchema: test.schema!,
      redisUrl: TEST_REDIS_URL,
      prefix,
      steps: 6,
      stepMs: 150,
      finalizeMs: 1_500,
      leaseMs: LEASE_MS,
    },
    async cleanup() {
      await queue.close();
      await dropRedisPrefix(prefix);
      await test.cleanup();
    },
  };
});
