/**
 * The JobStore contract: every adapter (SQLite, PostgreSQL) runs this suite.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { planEnqueue, type EnqueueRequest, type Job } from '../../src/domain/jobs.js';
import type { JobStore } from '../../src/domain/ports/job-store.js';

export interface JobStoreFixture {
  readonly store: JobStore;
  cleanup(): Promise<void>;
}

let counter = 0;
function newId(): string {
  counter += 1;
  return `job${Date.now().toString(36)}${counter.toString().padStart(5, '0')}`;
}

export function jobStoreContract(name: string, open: () => Promise<JobStoreFixture>): void {
  describe(`JobStore contract: ${name}`, () => {
    let fixture: JobStoreFixture;
    let store: JobStore;
    before(async () => {
      fixture = await open();
      store = fixture.store;
    });
    after(async () => {
      await fixture.cleanup();
    });

    const T0 = 1_700_000_000_000;
    async function create(request: Partial<EnqueueRequest> = {}, now = T0): Promise<Job> {
      const { job } = await store.create(planEnqueue({ kind: 'train', payload: { n: 1 }, ...request }, newId(), now));
      return job;
    }
    const lease = (workerId: string, now = T0 + 1000, leaseMs = 30_000) => ({ workerId, now, leaseMs });

    it('deleteFinished removes ended jobs of the given kinds finished before the cutoff, with their logs; never queued or running ones', async () => {
      const kind = 'sweep-artifacts' as const;
      const old = await create({ kind });
      await store.start(old.id, lease('w-retention'));
      await store.appendLogs(old.id, ['swept'], T0 + 1_500);
      await store.settle(old.id, 'w-retention', { state: 'succeeded', result: null }, T0 + 2_000);
      const cancelled = await create({ kind });
      await store.cancelQueued(cancelled.id, T0 + 2_000);
      const recent = await create({ kind });
      await store.start(recent.id, lease('w-retention'));
      await store.settle(recent.id, 'w-retention', { state: 'failed', error: { code: 'X', message: 'm', retryable: false } }, T0 + 9_000);
      const queued = await create({ kind });
      const running = await create({ kind });
      await store.start(running.id, lease('w-retention-2'));
      const otherKind = await create({ kind: 'evaluate' });
      await store.cancelQueued(otherKind.id, T0 + 2_000);

      assert.equal(await store.deleteFinished([kind], T0 + 5_000, 1), 1, 'at most limit');
      assert.equal(await store.deleteFinished([kind], T0 + 5_000, 100), 1);
      assert.equal(await store.deleteFinished([], T0 + 5_000, 100), 0);
      assert.equal(await store.get(old.id), undefined);
      assert.equal(await store.get(cancelled.id), undefined);
      assert.deepEqual(await store.logs(old.id, 0, 10), []);
      for (const kept of [recent, queued, running, otherKind]) assert.ok(await store.get(kept.id), `${kept.id} kept`);
      await store.settle(running.id, 'w-retention-2', { state: 'succeeded', result: null }, T0 + 3_000);
      await store.cancelQueued(queued.id, T0 + 3_000);
    });

    it('creates a queued job and reads it back', async () => {
      const job = await create({ payload: { model: 'spam', deep: { a: [1, 2] } }, maxAttempts: 4 });
      assert.equal(job.state, 'queued');
      assert.equal(job.attempts, 0);
      assert.equal(job.maxAttempts, 4);
      assert.deepEqual(job.payload, { model: 'spam', deep: { a: [1, 2] } });
      assert.equal(job.revision, 1);
      assert.deepEqual(await store.get(job.id), job);
      assert.equal(await store.get('nope'), undefined);
    });

    it('dedups by idempotency key, also under concurrent creates', async () => {
      const key = `key-${newId()}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.create(planEnqueue({ kind: 'evaluate', idempotencyKey: key }, newId(), T0))),
      );
      const ids = new Set(results.map((r) => r.job.id));
      assert.equal(ids.size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
    });

    it('dedups by dedupe key while the job is queued or running, also under concurrent creates; the key is free once it ended', async () => {
      const key = `dedupe-${newId()}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => store.create(planEnqueue({ kind: 'retrain', dedupeKey: key }, newId(), T0))));
      assert.equal(new Set(results.map((r) => r.job.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      const first = results[0]!.job;
      const running = await store.start(first.id, lease('w-dedupe'));
      assert.equal(running?.state, 'running');
      const whileRunning = await store.create(planEnqueue({ kind: 'retrain', dedupeKey: key }, newId(), T0));
      assert.deepEqual([whileRunning.job.id, whileRunning.created], [first.id, false]);
      await store.settle(first.id, 'w-dedupe', { state: 'succeeded', result: null }, T0 + 2_000);
      const afterwards = await store.create(planEnqueue({ kind: 'retrain', dedupeKey: key }, newId(), T0 + 3_000));
      assert.equal(afterwards.created, true, 'an ended job frees its dedupe key');
      assert.notEqual(afterwards.job.id, first.id);
      const other = await store.create(planEnqueue({ kind: 'retrain', dedupeKey: `${key}-other` }, newId(), T0));
      assert.equal(other.created, true);
      // Leave no queued job behind for the listing and claiming tests.
      for (const job of [afterwards.job, other.job]) assert.ok(await store.cancelQueued(job.id, T0 + 4_000));
    });

    it('claims each due job exactly once under concurrent claimers, oldest first, only wanted kinds', async () => {
      const kind = 'backfill';
      const created: Job[] = [];
      for (let i = 0; i < 8; i++) created.push(await create({ kind }, T0 + i));
      const later = await create({ kind, runAt: T0 + 60_000 });
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimNext([kind], lease(`w${i}`))));
      const claimed = claims.filter((j): j is Job => j !== undefined);
      assert.equal(claimed.length, 8);
      assert.deepEqual(new Set(claimed.map((j) => j.id)), new Set(created.map((j) => j.id)));
      for (const job of claimed) {
        assert.equal(job.state, 'running');
        assert.equal(job.attempts, 1);
        assert.equal(job.leaseUntil, T0 + 1000 + 30_000);
      }
      assert.equal(await store.claimNext(['redteam'], lease('w')), undefined);
      assert.equal((await store.get(later.id))?.state, 'queued', 'a job not yet due is not claimed');
      const due = await store.claimNext([kind], lease('w', T0 + 60_000));
      assert.equal(due?.id, later.id);
    });

    it('heartbeats extend the lease of the owner only, and report a cancel request', async () => {
      const job = await create({ kind: 'redteam' });
      const running = await store.claimNext(['redteam'], lease('owner'));
      assert.equal(running?.id, job.id);
      assert.deepEqual(await store.heartbeat(job.id, lease('owner', T0 + 5000)), { owned: true, cancelRequested: false });
      assert.equal((await store.get(job.id))?.leaseUntil, T0 + 5000 + 30_000);
      assert.equal((await store.heartbeat(job.id, lease('intruder', T0 + 5000))).owned, false);
      await store.requestCancel(job.id, T0 + 6000);
      assert.deepEqual(await store.heartbeat(job.id, lease('owner', T0 + 7000)), { owned: true, cancelRequested: true });
    });

    it('settles an attempt once: a second settle or another worker writes nothing', async () => {
      const job = await create({ kind: 'evaluate' });
      await store.start(job.id, lease('w1'));
      assert.equal(await store.settle(job.id, 'w2', { state: 'succeeded', result: 1 }, T0 + 2000), undefined);
      const done = await store.settle(job.id, 'w1', { state: 'succeeded', result: { f1: 0.9 } }, T0 + 2000);
      assert.equal(done?.state, 'succeeded');
      assert.deepEqual(done?.result, { f1: 0.9 });
      assert.equal(done?.finishedAt, T0 + 2000);
      assert.equal(await store.settle(job.id, 'w1', { state: 'failed', error: { code: 'X', message: 'm', retryable: false } }, T0 + 3000), undefined);
      assert.equal((await store.get(job.id))?.state, 'succeeded');
      assert.equal(await store.start(job.id, lease('w3')), undefined, 'a terminal job never starts again');
    });

    it('requeues for a retry with the error kept, then counts the next attempt', async () => {
      const job = await create({ kind: 'evaluate' });
      await store.start(job.id, lease('w1'));
      const error = { code: 'JOB_FAILED', message: 'flaky', retryable: true };
      const queued = await store.settle(job.id, 'w1', { state: 'queued', runAt: T0 + 9000, error }, T0 + 2000);
      assert.equal(queued?.state, 'queued');
      assert.equal(queued?.runAt, T0 + 9000);
      assert.deepEqual(queued?.error, error);
      assert.equal(queued?.finishedAt, null);
      const again = await store.start(job.id, lease('w2', T0 + 9000));
      assert.equal(again?.attempts, 2);
      assert.equal(again?.workerId, 'w2');
    });

    it('takes a running job over only from the named lost worker', async () => {
      const job = await create({ kind: 'evaluate' });
      await store.start(job.id, lease('dead'));
      assert.equal(await store.start(job.id, lease('w2')), undefined);
      assert.equal(await store.start(job.id, lease('w2'), 'someone-else'), undefined);
      const taken = await store.start(job.id, lease('w2'), 'dead');
      assert.equal(taken?.workerId, 'w2');
      assert.equal(taken?.attempts, 2);
      assert.equal((await store.heartbeat(job.id, lease('dead'))).owned, false);
    });

    it('recovery settle honours the lease guard', async () => {
      const job = await create({ kind: 'evaluate' });
      await store.start(job.id, lease('w1', T0, 1000));
      const decision = { state: 'queued' as const, runAt: T0, error: { code: 'WORKER_LOST', message: 'm', retryable: true } };
      assert.equal(await store.settle(job.id, 'w1', decision, T0 + 500, T0 + 500), undefined, 'lease still valid');
      const recovered = await store.settle(job.id, 'w1', decision, T0 + 2000, T0 + 2000);
      assert.equal(recovered?.state, 'queued');
      assert.ok(!(await store.listRunning()).some((j) => j.id === job.id));
    });

    it('cancels queued jobs at once and flags running ones', async () => {
      const queued = await create({ kind: 'retrain' });
      const cancelled = await store.cancelQueued(queued.id, T0 + 1);
      assert.equal(cancelled?.state, 'cancelled');
      assert.equal(cancelled?.finishedAt, T0 + 1);
      assert.equal(await store.cancelQueued(queued.id, T0 + 2), undefined);
      assert.equal(await store.requestCancel(queued.id, T0 + 2), undefined);

      const running = await create({ kind: 'retrain' });
      await store.start(running.id, lease('w'));
      assert.equal(await store.cancelQueued(running.id, T0 + 3), undefined);
      const flagged = await store.requestCancel(running.id, T0 + 3);
      assert.equal(flagged?.state, 'running');
      assert.equal(flagged?.cancelRequested, true);
      assert.ok((flagged?.revision ?? 0) > running.revision);
    });

    it('stores progress only for the owning worker', async () => {
      const job = await create();
      await store.start(job.id, lease('w'));
      const progress = { fraction: 0.5, phase: 'train', epoch: 2, totalEpochs: 4, etaSeconds: 3, updatedAt: T0 + 5 };
      assert.equal(await store.saveProgress(job.id, 'other', progress), false);
      assert.equal(await store.saveProgress(job.id, 'w', progress), true);
      assert.deepEqual((await store.get(job.id))?.progress, progress);
    });

    it('appends logs in order with gapless sequence numbers, also concurrently', async () => {
      const job = await create();
      await store.appendLogs(job.id, ['one', 'two'], T0);
      await Promise.all(Array.from({ length: 5 }, (_, i) => store.appendLogs(job.id, [`c${i}a`, `c${i}b`], T0 + 1)));
      const all = await store.logs(job.id, 0, 1000);
      assert.deepEqual(all.map((l) => l.seq), Array.from({ length: 12 }, (_, i) => i + 1));
      assert.deepEqual(all.slice(0, 2).map((l) => l.line), ['one', 'two']);
      assert.deepEqual((await store.logs(job.id, 10, 10)).map((l) => l.seq), [11, 12]);
      assert.deepEqual((await store.tailLogs(job.id, 3)).map((l) => l.seq), [10, 11, 12]);
    });

    it('keeps the first checkpoint value for a key', async () => {
      const job = await create();
      assert.equal(await store.getCheckpoint(job.id, 'register'), undefined);
      assert.deepEqual(await store.putCheckpoint(job.id, 'register', { version: 3 }, T0), { version: 3 });
      assert.deepEqual(await store.putCheckpoint(job.id, 'register', { version: 4 }, T0), { version: 3 });
      assert.deepEqual(await store.getCheckpoint(job.id, 'register'), { value: { version: 3 } });
    });

    it('lists newest first with filters and page tokens', async () => {
      const base = T0 + 10_000_000;
      const made: Job[] = [];
      for (let i = 0; i < 5; i++) made.push(await create({ kind: 'retrain' }, base + i));
      await store.cancelQueued(made[0]!.id, base + 10);
      const first = await store.list({ kind: 'retrain', state: 'queued', limit: 2 });
      assert.deepEqual(first.items.map((j) => j.id), [made[4]!.id, made[3]!.id]);
      assert.ok(first.nextPageToken);
      const second = await store.list({ kind: 'retrain', state: 'queued', limit: 2, pageToken: first.nextPageToken });
      assert.deepEqual(second.items.map((j) => j.id), [made[2]!.id, made[1]!.id]);
      assert.equal(second.nextPageToken, undefined, 'the last page has no token');
      const all = await store.list({ kind: 'retrain', state: 'queued', limit: 4 });
      assert.equal(all.items.length, 4);
      assert.equal(all.nextPageToken, undefined);
      const cancelled = await store.list({ kind: 'retrain', state: 'cancelled' });
      assert.ok(cancelled.items.some((j) => j.id === made[0]!.id));
      // Several kinds: jobs of any of them, newest first, paged alike; none and an unknown one name the field.
      const evaluation = await create({ kind: 'evaluate' }, base + 20);
      const tick = await create({ kind: 'monitor-models' }, base + 21);
      const requested = await store.list({ kind: ['evaluate', 'retrain', 'retrain'], state: 'queued', limit: 3 });
      assert.deepEqual(requested.items.map((j) => j.id), [evaluation.id, made[4]!.id, made[3]!.id]);
      assert.ok(!requested.items.some((j) => j.id === tick.id));
      const rest = await store.list({ kind: ['evaluate', 'retrain'], state: 'queued', limit: 2, pageToken: requested.nextPageToken });
      assert.deepEqual(rest.items.map((j) => j.id), [made[2]!.id, made[1]!.id]);
      await assert.rejects(store.list({ kind: [] }), { code: 'VALIDATION_FAILED', field: 'kind' });
      await assert.rejects(store.list({ kind: ['retrain', 'nap' as 'retrain'] }), { code: 'VALIDATION_FAILED', field: 'kind' });
      await assert.rejects(store.list({ pageToken: 'garbage!' }), { code: 'VALIDATION_FAILED', field: 'pageToken' });
    });
  });
}
