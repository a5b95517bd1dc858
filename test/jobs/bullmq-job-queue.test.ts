import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../support/wait.js';
import type { JobEvent } from '../../src/domain/jobs.js';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { CONTRACT_RETRY, CONTRACT_TIMINGS, jobQueueContract } from '../contract/job-queue.contract.js';
import { dropRedisPrefix } from '../support/redis.js';
import { STORE_KINDS, TEST_REDIS_URL, openTestDatabase, uniqueName } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  jobQueueContract(`BullMQ on Redis with a ${kind} job store`, async () => {
    const test = await openTestDatabase(kind);
    const prefix = uniqueName('wt');
    const open = () =>
      new BullMqJobQueue(new SqlJobStore(test.database), {
        url: TEST_REDIS_URL,
        prefix,
        queueName: 'jobs',
        clock: systemClock,
        ids: randomIds,
        timings: CONTRACT_TIMINGS,
        retryPolicy: CONTRACT_RETRY,
        stalledIntervalMs: 500,
        subscriptionPollMs: 200,
      });
    const queue = open();
    return {
      queue,
      peer: async () => open(),
      async cleanup() {
        await queue.close();
        await dropRedisPrefix(prefix);
        await test.cleanup();
      },
    };
  });
}

describe('BullMQ queue across processes: the API instance is not the worker instance', () => {
  it('delivers live progress and logs to a subscriber elsewhere, and a cancel from elsewhere aborts the handler at once', async () => {
    const test = await openTestDatabase('postgres');
    const prefix = uniqueName('wx');
    // Store polling and heartbeats are slowed to a crawl: only the Redis channel can be this fast.
    const slow = { clock: systemClock, ids: randomIds, url: TEST_REDIS_URL, prefix, queueName: 'jobs', subscriptionPollMs: 60_000 };
    const worker = new BullMqJobQueue(new SqlJobStore(test.database), { ...slow, timings: { leaseMs: 60_000, progressIntervalMs: 20 } });
    const api = new BullMqJobQueue(new SqlJobStore(test.database), slow);
    try {
      let aborted = 0;
      await worker.startWorkers({
        async train(ctx) {
          for (let step = 1; !ctx.signal.aborted; step++) {
            ctx.reportProgress({ fraction: Math.min(0.9, step / 100), phase: 'train', step });
            if (step === 3) ctx.log('three steps in');
            await sleep(50);
          }
          aborted = Date.now();
          ctx.signal.throwIfAborted();
        },
      });
      const job = await api.enqueue({ kind: 'train' });
      const events: JobEvent[] = [];
      let logged!: () => void;
      const firstLog = new Promise<void>((resolve) => (logged = resolve));
      const subscription = await api.subscribe(job.id, (event) => {
        events.push(event);
        if (event.type === 'log') logged();
      });
      await within(firstLog, 10_000, 'the first log line from the other instance');
      assert.ok(events.filter((e) => e.type === 'progress').length >= 2, 'live progress from the other instance');
      assert.ok(events.some((e) => e.type === 'log' && e.log.line === 'three steps in'));
      const cancelledAt = Date.now();
      await api.cancel(job.id);
      await subscription.ended;
      assert.ok(aborted - cancelledAt < 1_000, `the handler saw the cancel after ${aborted - cancelledAt} ms`);
      const last = events[events.length - 1];
      assert.ok(last?.type === 'state' && last.job.state === 'cancelled');
    } finally {
      await api.close();
      await worker.close();
      await dropRedisPrefix(prefix);
      await test.cleanup();
    }
  });
});
