/**
 * The JobQueue contract: the in-process queue (on SQLite and PostgreSQL job stores)
 * and the BullMQ queue run this suite. Timings are shortened by the factory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalid } from '../../src/domain/errors.js';
import { isTerminal, type Job, type JobEvent, type JsonObject, type JsonValue } from '../../src/domain/jobs.js';
import type { JobContext, JobHandlers, JobQueue } from '../../src/domain/ports/job-queue.js';
import { jobRunning, until } from '../support/wait.js';

export interface JobQueueFixture {
  readonly queue: JobQueue;
  /** Another queue on the same store (and Redis): another process's worth. Closed by the suite. */
  peer(): Promise<JobQueue>;
  cleanup(): Promise<void>;
}

/** Timings every factory must use so the suite is fast and its backoff assertions hold. */
export const CONTRACT_TIMINGS = { leaseMs: 2_000, heartbeatMs: 100, progressIntervalMs: 50 };
export const CONTRACT_RETRY = { baseDelayMs: 150, maxDelayMs: 400 };

interface Probe {
  starts: Map<string, number[]>;
  running: number;
  maxRunning: number;
  onceCalls: Map<string, number>;
  /** Runs of scheduled jobs, by the schedule's tag. */
  ticks: Map<string, Array<{ jobId: string; key: string; runAt: number; at: number }>>;
}

function handlersFor(probe: Probe): JobHandlers {
  const handler = async (ctx: JobContext): Promise<JsonValue | void> => {
    const starts = probe.starts.get(ctx.job.id) ?? [];
    starts.push(Date.now());
    probe.starts.set(ctx.job.id, starts);
    probe.running += 1;
    probe.maxRunning = Math.max(probe.maxRunning, probe.running);
    try {
      const payload = ctx.payload as JsonObject & { behavior?: string; ms?: number };
      switch (payload.behavior) {
        case 'succeed':
          return { echo: payload.value ?? null, attempt: ctx.attempt };
        case 'fail-always':
          throw new Error(`boom on attempt ${ctx.attempt}`);
        case 'fail-once':
          if (ctx.attempt === 1) throw new Error('transient');
          return { attempt: ctx.attempt };
        case 'permanent':
          throw invalid('payload.model', 'no such model');
        case 'sleep':
          await sleep(payload.ms ?? 100);
          return null;
        case 'wait-cancel':
          ctx.reportProgress({ fraction: 0.1, phase: 'waiting' });
          if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          ctx.log('saw the cancel');
          ctx.signal.throwIfAborted();
          return 'not reached';
        case 'progress': {
          const total = 5;
          for (let step = 1; step <= total; step++) {
            await sleep(60);
            ctx.reportProgress({
              fraction: step / total,
              phase: 'train',
              epoch: step,
              totalEpochs: total,
              step: step * 10,
              totalSteps: total * 10,
              throughput: 100,
              throughputUnit: 'docs/s',
            });
            ctx.log(`epoch ${step} done`);
          }
          return { epochs: total };
        }
        case 'tick': {
          const tag = String(payload.tag);
          const ticks = probe.ticks.get(tag) ?? [];
          ticks.push({ jobId: ctx.job.id, key: ctx.job.idempotencyKey ?? '', runAt: ctx.job.runAt, at: Date.now() });
          probe.ticks.set(tag, ticks);
          return null;
        }
        case 'once-then-fail': {
          const value = await ctx.once('expensive', async () => {
            probe.onceCalls.set(ctx.job.id, (probe.onceCalls.get(ctx.job.id) ?? 0) + 1);
            return { computedOnAttempt: ctx.attempt };
          });
          if (ctx.attempt === 1) throw new Error('crash after the checkpoint');
          return { value, key: ctx.idempotencyKey('register') };
        }
        default:
          throw invalid('payload.behavior', `unknown behavior ${String(payload.behavior)}`);
      }
    } finally {
      probe.running -= 1;
    }
  };
  return { train: handler, evaluate: handler, retrain: handler, backfill: handler };
}

/** Subscribes and collects every event until the terminal one. */
async function watch(queue: JobQueue, id: string, timeoutMs = 15_000): Promise<{ events: JobEvent[]; job: Job }> {
  const events: JobEvent[] = [];
  const subscription = await queue.subscribe(id, (event) => events.push(event));
  const timer = setTimeout(() => subscription.unsubscribe(), timeoutMs);
  await subscription.ended;
  clearTimeout(timer);
  const last = events[events.length - 1];
  assert.ok(last && (last.type === 'state' || last.type === 'snapshot') && isTerminal(last.job.state), `job ${id} did not finish in ${timeoutMs} ms`);
  return { events, job: last.job };
}

export function jobQueueContract(name: string, open: () => Promise<JobQueueFixture>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fixture: JobQueueFixture;
    let queue: JobQueue;
    let peer: JobQueue;
    const probe: Probe = { starts: new Map(), running: 0, maxRunning: 0, onceCalls: new Map(), ticks: new Map() };

    before(async () => {
      fixture = await open();
      queue = fixture.queue;
      await queue.startWorkers(handlersFor(probe), { concurrency: 2 });
    });
    after(async () => {
      await fixture.cleanup();
    });

    describe('schedules', () => {
    // Only scheduled (backfill) jobs for the peer, so the other tests' counts stay this queue's.
    before(async () => {
      peer = await fixture.peer();
      await peer.startWorkers({ backfill: handlersFor(probe).backfill! });
    });
    after(async () => {
      await peer.close();
    });

    const tickTag = () => `tick-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

    /**
     * Instead of sleeping to see that nothing more comes: a marker job due just after the
     * next two windows of `everyMs` has run, so a tick still scheduled for those windows
     * (due earlier, claimed in due order) would have run by then.
     */
    const ranAfterTheNextWindows = async (stopped: number, everyMs: number) => {
      const marker = tickTag();
      const runAt = (Math.floor(stopped / everyMs) + 2) * everyMs + 50;
      const job = await peer.enqueue({ kind: 'backfill', payload: { behavior: 'tick', tag: marker }, runAt });
      assert.equal((await watch(peer, job.id)).job.state, 'succeeded');
    };

    it('a schedule declared (twice) by two processes fires about every everyMs, each tick once, until unscheduled', async () => {
      const tag = tickTag();
      const everyMs = 400;
      const request = { name: tag, everyMs, kind: 'backfill' as const, payload: { behavior: 'tick', tag } };
      const started = Date.now();
      await Promise.all([queue.schedule(request), peer.schedule(request)]);
      await Promise.all([queue.schedule(request), peer.schedule(request)]);
      await until(() => (probe.ticks.get(tag) ?? []).length >= 5, 'five ticks', { timeoutMs: everyMs * 20 });
      await Promise.all([queue.unschedule(tag), peer.unschedule(tag)]);
      const stopped = Date.now();
      await ranAfterTheNextWindows(stopped, everyMs);
      const ticks = probe.ticks.get(tag) ?? [];
      const windows = Math.floor(stopped / everyMs) - Math.floor(started / everyMs) + 1;
      assert.ok(ticks.length >= windows - 1 && ticks.length <= windows, `${ticks.length} ticks in ${windows} windows`);
      assert.equal(new Set(ticks.map((t) => t.jobId)).size, ticks.length, 'each job ran once');
      assert.equal(new Set(ticks.map((t) => t.key)).size, ticks.length, 'each window ran once');
      const times = ticks.map((t) => t.at).sort((a, b) => a - b);
      const meanGap = (times[times.length - 1]! - times[0]!) / (times.length - 1);
      assert.ok(meanGap > everyMs * 0.6 && meanGap < everyMs * 1.5, `mean gap ${meanGap} ms`);
      const firstWindowAfter = (Math.floor(stopped / everyMs) + 1) * everyMs;
      assert.deepEqual(ticks.filter((t) => t.runAt >= firstWindowAfter), [], 'no tick after unschedule');
    });

    it('declaring a schedule with another interval replaces the old one', async () => {
      const tag = tickTag();
      const declare = (everyMs: number) => {
        const request = { name: tag, everyMs, kind: 'backfill' as const, payload: { behavior: 'tick', tag } };
        return Promise.all([queue.schedule(request), peer.schedule(request)]);
      };
      const at = (everyMs: number) => (probe.ticks.get(tag) ?? []).filter((t) => t.key.includes(`:${everyMs}:`));
      await declare(300);
      await until(() => at(300).length >= 3, 'three ticks at 300 ms');
      await declare(1_200);
      const changed = Date.now();
      await until(() => at(1_200).length >= 2, 'two ticks at 1200 ms');
      await Promise.all([queue.unschedule(tag), peer.unschedule(tag)]);
      const stopped = Date.now();
      await ranAfterTheNextWindows(stopped, 1_200);
      const ticks = probe.ticks.get(tag) ?? [];
      const fast = ticks.filter((t) => t.key.includes(':300:'));
      const slow = ticks.filter((t) => t.key.includes(':1200:'));
      assert.equal(fast.length + slow.length, ticks.length);
      assert.ok(fast.length >= 3, `${fast.length} ticks at 300 ms`);
      assert.deepEqual(fast.filter((t) => t.runAt >= changed), [], 'no 300 ms window after the change');
      const windows = Math.floor(stopped / 1_200) - Math.floor(changed / 1_200) + 1;
      assert.ok(slow.length >= windows - 1 && slow.length <= windows, `${slow.length} ticks at 1200 ms in ${windows} windows`);
      assert.equal(new Set(ticks.map((t) => t.key)).size, ticks.length, 'each window ran once');
    });

    it('validates a schedule and names the field', async () => {
      const base = { name: 'ok', everyMs: 1_000, kind: 'backfill' as const };
      await assert.rejects(queue.schedule({ ...base, name: 'Has Space' }), { code: 'VALIDATION_FAILED', field: 'name' });
      await assert.rejects(queue.schedule({ ...base, everyMs: 10 }), { code: 'VALIDATION_FAILED', field: 'everyMs' });
      await assert.rejects(queue.schedule({ ...base, kind: 'nope' as 'train' }), { code: 'VALIDATION_FAILED', field: 'kind' });
    });
    });

    it('runs a job to success and reports every state change, the terminal one last', async () => {
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'succeed', value: 42 } });
      assert.equal(job.state, 'queued');
      const { events, job: done } = await watch(queue, job.id);
      assert.equal(done.state, 'succeeded');
      assert.deepEqual(done.result, { echo: 42, attempt: 1 });
      assert.equal(done.attempts, 1);
      assert.equal(events[0]?.type, 'snapshot');
      const states = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.job.state : ''));
      assert.equal(states[states.length - 1], 'succeeded');
      assert.equal(states.filter((s) => isTerminal(s as Job['state'])).length, 1);
      const stored = await queue.get(job.id);
      assert.equal(stored.state, 'succeeded');
      assert.ok(stored.finishedAt !== null && stored.startedAt !== null && stored.finishedAt >= stored.startedAt);
    });

    it('retries a failing job with exponential backoff, then fails it with the last error', async () => {
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'fail-always' }, maxAttempts: 3 });
      const { job: done, events } = await watch(queue, job.id);
      assert.equal(done.state, 'failed');
      assert.equal(done.attempts, 3);
      assert.match(done.error?.message ?? '', /boom on attempt 3/);
      const starts = probe.starts.get(job.id) ?? [];
      assert.equal(starts.length, 3);
      const gaps = [starts[1]! - starts[0]!, starts[2]! - starts[1]!];
      assert.ok(gaps[0]! >= CONTRACT_RETRY.baseDelayMs - 10, `first backoff ${gaps[0]} ms`);
      assert.ok(gaps[1]! >= 2 * CONTRACT_RETRY.baseDelayMs - 10, `second backoff ${gaps[1]} ms doubles`);
      const queuedAgain = events.filter((e) => e.type === 'state' && e.job.state === 'queued');
      assert.ok(queuedAgain.length >= 1, 'a retry shows as queued again');
    });

    it('succeeds on a retry after a transient failure', async () => {
      const job = await queue.enqueue({ kind: 'evaluate', payload: { behavior: 'fail-once' } });
      const { job: done } = await watch(queue, job.id);
      assert.equal(done.state, 'succeeded');
      assert.equal(done.attempts, 2);
      assert.deepEqual(done.result, { attempt: 2 });
    });

    it('does not retry a failure that would repeat (bad input)', async () => {
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'permanent' }, maxAttempts: 5 });
      const { job: done } = await watch(queue, job.id);
      assert.equal(done.state, 'failed');
      assert.equal(done.attempts, 1);
      assert.equal(done.error?.code, 'VALIDATION_FAILED');
      assert.equal(done.error?.retryable, false);
    });

    it('cancels a queued job at once; it never runs; a terminal job is not cancellable', async () => {
      const due = Date.now() + 400;
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'succeed' }, runAt: due });
      const cancelled = await queue.cancel(job.id);
      assert.equal(cancelled.state, 'cancelled');
      await assert.rejects(queue.cancel(job.id), { code: 'JOB_NOT_CANCELLABLE' });
      // Had it stayed claimable, it would start before a job due after it: wait for that one.
      const later = await queue.enqueue({ kind: 'train', payload: { behavior: 'succeed' }, runAt: due + 100 });
      assert.equal((await watch(queue, later.id)).job.state, 'succeeded');
      assert.equal(probe.starts.has(job.id), false);
      assert.equal((await queue.get(job.id)).state, 'cancelled');
    });

    it('cancels a running job through its abort signal; it ends cancelled, not retried', async () => {
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'wait-cancel' }, maxAttempts: 3 });
      const events: JobEvent[] = [];
      const subscription = await queue.subscribe(job.id, (e) => events.push(e));
      await jobRunning(queue, job.id);
      const requested = await queue.cancel(job.id);
      assert.equal(requested.state, 'running');
      assert.equal(requested.cancelRequested, true);
      await subscription.ended;
      const done = await queue.get(job.id);
      assert.equal(done.state, 'cancelled');
      assert.equal(done.attempts, 1);
      const logs = await queue.logs(job.id);
      assert.ok(logs.some((l) => l.line === 'saw the cancel'));
      const last = events[events.length - 1];
      assert.ok(last?.type === 'state' && last.job.state === 'cancelled');
    });

    it('persists progress and delivers it live with epochs, throughput and an ETA', async () => {
      // Starts a second from now, so the subscription is surely live before the first report.
      const job = await queue.enqueue({ kind: 'retrain', payload: { behavior: 'progress' }, runAt: Date.now() + 1_000 });
      const { events, job: done } = await watch(queue, job.id);
      assert.equal(done.state, 'succeeded');
      const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
      assert.ok(progress.length >= 3, `saw ${progress.length} progress events`);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.updatedAt > progress[i - 1]!.updatedAt);
      assert.deepEqual(
        progress.map((p) => p.epoch),
        [...progress.map((p) => p.epoch)].sort((a, b) => a! - b!),
      );
      const final = progress[progress.length - 1]!;
      assert.equal(final.fraction, 1);
      assert.equal(final.epoch, 5);
      assert.equal(final.throughput, 100);
      assert.ok(progress.some((p) => p.fraction < 1 && typeof p.etaSeconds === 'number' && p.etaSeconds > 0), 'an ETA from the observed rate');
      assert.equal(done.progress?.fraction, 1, 'the stored record has the final progress');
      assert.equal(done.progress?.phase, 'train');
      const logEvents = events.flatMap((e) => (e.type === 'log' ? [e.log.line] : []));
      assert.deepEqual(logEvents, ['epoch 1 done', 'epoch 2 done', 'epoch 3 done', 'epoch 4 done', 'epoch 5 done']);
      assert.deepEqual((await queue.logs(job.id)).map((l) => l.seq), [1, 2, 3, 4, 5]);
      assert.deepEqual((await queue.logs(job.id, { afterSeq: 3 })).map((l) => l.line), ['epoch 4 done', 'epoch 5 done']);
    });

    it('a late subscriber gets the final snapshot with recent logs and ends at once', async () => {
      const job = await queue.enqueue({ kind: 'retrain', payload: { behavior: 'progress' } });
      await watch(queue, job.id);
      const { events } = await watch(queue, job.id);
      assert.equal(events.length, 1);
      const snapshot = events[0];
      assert.ok(snapshot?.type === 'snapshot');
      assert.equal(snapshot.job.state, 'succeeded');
      assert.equal(snapshot.logs.length, 5);
    });

    it('deduplicates enqueues by idempotency key; the job runs once', async () => {
      const key = `dedup-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const [a, b] = await Promise.all([
        queue.enqueue({ kind: 'train', payload: { behavior: 'succeed', value: 1 }, idempotencyKey: key }),
        queue.enqueue({ kind: 'train', payload: { behavior: 'succeed', value: 2 }, idempotencyKey: key }),
      ]);
      assert.equal(a.id, b.id);
      await watch(queue, a.id);
      const again = await queue.enqueue({ kind: 'train', payload: { behavior: 'succeed' }, idempotencyKey: key });
      assert.equal(again.id, a.id);
      assert.equal(again.state, 'succeeded');
      // A second run of the key would be queued before this job and start no later.
      await watch(queue, (await queue.enqueue({ kind: 'train', payload: { behavior: 'succeed' } })).id);
      assert.equal(probe.starts.get(a.id)?.length, 1);
    });

    it('submit() returns the queued or running job of the same dedupe key (created: false); once it ended, a new one runs', async () => {
      const key = `dedupe-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const first = await queue.submit({ kind: 'train', payload: { behavior: 'sleep', ms: 300 }, dedupeKey: key });
      assert.equal(first.created, true);
      const [second, third] = await Promise.all([
        queue.submit({ kind: 'train', payload: { behavior: 'sleep', ms: 300 }, dedupeKey: key }),
        queue.submit({ kind: 'train', payload: { behavior: 'sleep', ms: 300 }, dedupeKey: key }),
      ]);
      assert.deepEqual([second.job.id, second.created, third.job.id, third.created], [first.job.id, false, first.job.id, false]);
      await watch(queue, first.job.id);
      const later = await queue.submit({ kind: 'train', payload: { behavior: 'succeed' }, dedupeKey: key });
      assert.equal(later.created, true);
      assert.notEqual(later.job.id, first.job.id);
      await watch(queue, later.job.id);
      assert.equal(probe.starts.get(first.job.id)?.length, 1);
      await assert.rejects(queue.submit({ kind: 'train', dedupeKey: 'has space' }), { code: 'VALIDATION_FAILED', field: 'dedupeKey' });
    });

    it('respects the worker concurrency', async () => {
      probe.maxRunning = 0;
      const jobs = await Promise.all(
        // Long enough that a loaded machine still overlaps two of them.
        Array.from({ length: 6 }, () => queue.enqueue({ kind: 'evaluate', payload: { behavior: 'sleep', ms: 400 } })),
      );
      await Promise.all(jobs.map((j) => watch(queue, j.id)));
      assert.equal(probe.maxRunning, 2);
    });

    it('once() records a step so a retry does not redo it; idempotency keys are stable', async () => {
      const job = await queue.enqueue({ kind: 'train', payload: { behavior: 'once-then-fail' } });
      const { job: done } = await watch(queue, job.id);
      assert.equal(done.state, 'succeeded');
      assert.equal(done.attempts, 2);
      assert.equal(probe.onceCalls.get(job.id), 1);
      assert.deepEqual(done.result, { value: { computedOnAttempt: 1 }, key: `${job.id}:register` });
    });

    it('gives every job exactly one terminal state under racing cancels', async () => {
      const behaviors = ['succeed', 'fail-always', 'wait-cancel', 'sleep', 'permanent', 'fail-once'];
      const jobs = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          queue.enqueue({ kind: 'train', payload: { behavior: behaviors[i % behaviors.length]!, ms: 50 }, maxAttempts: 2 }),
        ),
      );
      const watched = jobs.map((j) => watch(queue, j.id, 20_000));
      // Cancels race running handlers too, not only queued jobs: one has started.
      await Promise.any(jobs.map((j) => jobRunning(queue, j.id, 10_000)));
      await Promise.all(
        jobs.map((j) => queue.cancel(j.id).catch((error: { code?: string }) => assert.equal(error.code, 'JOB_NOT_CANCELLABLE'))),
      );
      for (const { events, job } of await Promise.all(watched)) {
        assert.ok(isTerminal(job.state));
        const terminalEvents = events.filter((e) => (e.type === 'state' || e.type === 'snapshot') && isTerminal(e.job.state));
        assert.equal(terminalEvents.length, 1, `job ${job.id}: one terminal event`);
        const stored = await queue.get(job.id);
        assert.equal(stored.state, job.state);
        assert.equal(stored.revision, job.revision, 'nothing changed after the terminal state');
      }
    });

    it('validates requests and names the field', async () => {
      await assert.rejects(queue.enqueue({ kind: 'nope' as 'train' }), { code: 'VALIDATION_FAILED', field: 'kind' });
      await assert.rejects(queue.enqueue({ kind: 'train', maxAttempts: 0 }), { code: 'VALIDATION_FAILED', field: 'maxAttempts' });
      await assert.rejects(queue.enqueue({ kind: 'train', idempotencyKey: 'has space' }), { code: 'VALIDATION_FAILED', field: 'idempotencyKey' });
      await assert.rejects(queue.get('missing'), { code: 'JOB_NOT_FOUND' });
      await assert.rejects(queue.cancel('missing'), { code: 'JOB_NOT_FOUND' });
      await assert.rejects(queue.subscribe('missing', () => {}), { code: 'JOB_NOT_FOUND' });
      await assert.rejects(queue.list({ state: 'weird' as 'queued' }), { code: 'VALIDATION_FAILED', field: 'state' });
    });

    it('lists jobs newest first, filtered and paginated', async () => {
      const a = await queue.enqueue({ kind: 'evaluate', payload: { behavior: 'succeed' }, runAt: Date.now() + 3_600_000 });
      await sleep(5);
      const b = await queue.enqueue({ kind: 'evaluate', payload: { behavior: 'succeed' }, runAt: Date.now() + 3_600_000 });
      const page = await queue.list({ kind: 'evaluate', state: 'queued', limit: 1 });
      assert.deepEqual(page.items.map((j) => j.id), [b.id]);
      const next = await queue.list({ kind: 'evaluate', state: 'queued', limit: 1, pageToken: page.nextPageToken });
      assert.deepEqual(next.items.map((j) => j.id), [a.id]);
      await queue.cancel(a.id);
      await queue.cancel(b.id);
    });
  });
}
