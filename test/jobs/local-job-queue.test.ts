import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobEnded, until } from '../support/wait.js';
import { planEnqueue } from '../../src/domain/jobs.js';
import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { MAX_LOG_LINES_PER_ATTEMPT } from '../../src/jobs/job-runner.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { CONTRACT_RETRY, CONTRACT_TIMINGS, jobQueueContract } from '../contract/job-queue.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  jobQueueContract(`in-process on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    const open = () =>
      new LocalJobQueue(new SqlJobStore(test.database), {
        clock: systemClock,
        ids: randomIds,
        timings: CONTRACT_TIMINGS,
        retryPolicy: CONTRACT_RETRY,
        pollIntervalMs: 50,
        subscriptionPollMs: 200,
      });
    const queue = open();
    return {
      queue,
      peer: async () => open(),
      async cleanup() {
        await queue.close();
        await test.cleanup();
      },
    };
  });
}

describe('in-process queue: crash recovery at start', () => {
  it('re-queues jobs whose worker lease expired, fails those out of attempts, leaves live leases alone', async () => {
    const test = await openTestDatabase('sqlite');
    const store = new SqlJobStore(test.database);
    const queue = new LocalJobQueue(store, { clock: systemClock, ids: randomIds, timings: CONTRACT_TIMINGS, pollIntervalMs: 50 });
    try {
      const now = Date.now();
      const make = async (maxAttempts: number) => (await store.create(planEnqueue({ kind: 'train', maxAttempts }, randomIds.next(), now))).job;
      const expired = await make(3);
      const spent = await make(1);
      const live = await make(3);
      // Workers on another host: only their leases tell whether they are alive.
      await store.start(expired.id, { workerId: 'other-host/41/aaaaaa', now: now - 10_000, leaseMs: 1_000 });
      await store.start(spent.id, { workerId: 'other-host/42/bbbbbb', now: now - 10_000, leaseMs: 1_000 });
      await store.start(live.id, { workerId: 'other-host/43/cccccc', now, leaseMs: 60_000 });
      const ran: string[] = [];
      await queue.startWorkers({
        async train(ctx) {
          ran.push(ctx.job.id);
          return { attempt: ctx.attempt };
        },
      });
      const done = (id: string) => jobEnded(queue, id, 5_000);
      const recovered = await done(expired.id);
      assert.equal(recovered.state, 'succeeded');
      assert.equal(recovered.attempts, 2);
      assert.deepEqual(recovered.result, { attempt: 2 });
      const failed = await done(spent.id);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error?.code, 'WORKER_LOST');
      assert.equal((await queue.get(live.id)).state, 'running', 'a job whose worker still holds its lease is not taken');
      assert.deepEqual(ran, [expired.id]);
      assert.ok((await queue.logs(expired.id)).some((l) => l.line.includes('other-host/41/aaaaaa stopped mid-job')));
    } finally {
      await queue.close();
      await test.cleanup();
    }
  });
});

describe('in-process queue: a busy handler keeps its job', () => {
  it('a handler that blocks the event loop past its lease is not taken back by its own process', async () => {
    const test = await openTestDatabase('sqlite');
    const queue = new LocalJobQueue(new SqlJobStore(test.database), {
      clock: systemClock,
      ids: randomIds,
      timings: { leaseMs: 300, heartbeatMs: 100, progressIntervalMs: 20 },
      pollIntervalMs: 50,
    });
    try {
      let starts = 0;
      await queue.startWorkers({
        async train() {
          starts += 1;
          for (let round = 0; round < 3; round++) {
            const until = Date.now() + 700; // a synchronous step longer than the lease
            while (Date.now() < until);
            await sleep(150); // lets the heartbeat and the sweep run
          }
          return 'done';
        },
      });
      const job = await queue.enqueue({ kind: 'train' });
      const current = await jobEnded(queue, job.id, 10_000);
      assert.equal(current.state, 'succeeded');
      assert.equal(current.attempts, 1);
      assert.equal(starts, 1);
    } finally {
      await queue.close();
      await test.cleanup();
    }
  });
});

describe('in-process queue: an attempt another worker took over', () => {
  it('once() and confirmOwnership() stop the stale attempt before its side effect; the new owner keeps the job', async () => {
    const test = await openTestDatabase('sqlite');
    const store = new SqlJobStore(test.database);
    // The heartbeat alone would not notice in time: only the explicit checks can.
    const queue = new LocalJobQueue(store, { clock: systemClock, ids: randomIds, timings: { leaseMs: 60_000, heartbeatMs: 50_000, progressIntervalMs: 20 }, pollIntervalMs: 50 });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const sideEffects: string[] = [];
      let stale: { onceError?: unknown; confirmError?: unknown; aborted?: unknown } = {};
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      await queue.startWorkers({
        async train(ctx) {
          await ctx.once('before', async () => 'recorded while owned');
          started();
          await gate;
          await ctx.once('register', async () => {
            sideEffects.push('registered');
            return 1;
          }).catch((error: unknown) => (stale = { ...stale, onceError: error }));
          await ctx.confirmOwnership().catch((error: unknown) => (stale = { ...stale, confirmError: error }));
          stale = { ...stale, aborted: ctx.signal.reason };
          throw new Error('a stale attempt ends somehow');
        },
      });
      const job = await queue.enqueue({ kind: 'train' });
      await running;
      const mine = await store.get(job.id);
      const other = 'other-host/77/abcdef';
      assert.ok(await store.start(job.id, { workerId: other, now: Date.now(), leaseMs: 60_000 }, mine!.workerId!), 'taken over');
      release();
      await until(() => stale.aborted !== undefined || undefined, 'the stale attempt to finish', { timeoutMs: 5_000 });
      assert.deepEqual(sideEffects, [], "the stale attempt's step never ran");
      assert.equal((stale.onceError as { reason?: string }).reason, 'lost');
      assert.equal((stale.confirmError as { reason?: string }).reason, 'lost');
      assert.equal((stale.aborted as { reason?: string }).reason, 'lost');
      await sleep(200);
      const after = await store.get(job.id);
      assert.equal(after?.state, 'running', 'the stale attempt settled nothing');
      assert.equal(after?.workerId, other);
      assert.equal(await store.getCheckpoint(job.id, 'register'), undefined);
      assert.deepEqual(await store.getCheckpoint(job.id, 'before'), { value: 'recorded while owned' });
    } finally {
      await queue.close();
      await test.cleanup();
    }
  });
});

describe('in-process queue: log volume', () => {
  it('keeps at most MAX_LOG_LINES_PER_ATTEMPT lines per attempt, then a note', async () => {
    const test = await openTestDatabase('sqlite');
    const queue = new LocalJobQueue(new SqlJobStore(test.database), { clock: systemClock, ids: randomIds, pollIntervalMs: 50 });
    try {
      await queue.startWorkers({
        async train(ctx) {
          for (let i = 1; i <= MAX_LOG_LINES_PER_ATTEMPT + 50; i++) {
            ctx.log(`line ${i}`);
            if (i % 1_000 === 0) await sleep(1);
          }
        },
      });
      const job = await queue.enqueue({ kind: 'train' });
      assert.equal((await jobEnded(queue, job.id, 30_000)).state, 'succeeded');
      const tail = await queue.logs(job.id, { afterSeq: MAX_LOG_LINES_PER_ATTEMPT - 1 });
      assert.deepEqual(tail.map((l) => l.seq), [MAX_LOG_LINES_PER_ATTEMPT, MAX_LOG_LINES_PER_ATTEMPT + 1]);
      assert.equal(tail[0]!.line, `line ${MAX_LOG_LINES_PER_ATTEMPT}`);
      assert.match(tail[1]!.line, /the rest are dropped/);
    } finally {
      await queue.close();
      await test.cleanup();
    }
  });
});
