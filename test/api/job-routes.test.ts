import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext, JobQueue } from '../../src/domain/ports/job-queue.js';
import type { JsonValue } from '../../src/domain/jobs.js';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../src/api/app-deps.js';
import { createJobRoutes } from '../../src/api/routes/job-routes.js';
import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { jobEnded, jobRunning, observeSubscriptions, within } from '../support/wait.js';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads a text/event-stream body to its end (or until `stopAfter` says so), parsing events and
 * counting comments (`onComment` hears the count as it grows).
 */
async function readSse(
  body: ReadableStream<Uint8Array>,
  stopAfter?: (e: SseEvent) => boolean,
  onComment?: (count: number) => void,
): Promise<{ events: SseEvent[]; comments: number }> {
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) {
        comments += 1;
        onComment?.(comments);
        continue;
      }
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      events.push({ event, data });
      if (stopAfter?.(events[events.length - 1]!)) {
        await reader.cancel();
        return { events, comments };
      }
    }
  }
  return { events, comments };
}

for (const kind of STORE_KINDS) {
  describe(`job routes (${kind})`, () => {
    let platform: TestPlatform;
    let jobs: JobQueue;
    let baseUrl: string;
    const gates = new Map<string, () => void>();
    const gate = (name: string) => new Promise<void>((resolve) => gates.set(name, resolve));

    before(async () => {
      platform = await openTestPlatform(kind);
      jobs = platform.services.jobs;
      await jobs.startWorkers(
        {
          async train(ctx: JobContext): Promise<JsonValue> {
            const payload = ctx.payload as { gate?: string; fail?: boolean };
            if (payload.gate) {
              ctx.reportProgress({ fraction: 0, phase: 'waiting' });
              await Promise.race([
                gate(payload.gate),
                new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
              ]);
            }
            for (let epoch = 1; epoch <= 3; epoch++) {
              ctx.reportProgress({ fraction: epoch / 3, phase: 'train', epoch, totalEpochs: 3, throughput: 500, throughputUnit: 'docs/s' });
              ctx.log(`epoch ${epoch}: loss ${(1 / epoch).toFixed(3)}`);
              await sleep(20);
            }
            if (payload.fail) throw new Error('diverged');
            return { f1: 0.97 };
          },
        },
        { concurrency: 2 },
      );
      await platform.app.listen({ host: '127.0.0.1', port: 0 });
      const address = platform.app.server.address();
      baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(async () => {
      for (const release of gates.values()) release();
      await platform.close();
    });

    const open = async (gateName: string) => {
      const job = await jobs.enqueue({ kind: 'train', payload: { gate: gateName } });
      await jobRunning(jobs, job.id);
      return job;
    };
    const waitDone = (id: string) => jobEnded(jobs, id);

    it('shows a job with state, progress, attempts, result and timestamps (viewer)', async () => {
      const job = await jobs.enqueue({ kind: 'train', payload: {} });
      await waitDone(job.id);
      const res = await platform.app.inject({ method: 'GET', url: `/jobs/${job.id}`, headers: await platform.auth('viewer') });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.state, 'succeeded');
      assert.deepEqual(body.result, { f1: 0.97 });
      assert.equal(body.attempts, 1);
      assert.equal(body.progress.fraction, 1);
      assert.equal(body.progress.epoch, 3);
      assert.equal(body.progress.throughput, 500);
      assert.equal(body.progress.etaSeconds, 0);
      assert.ok(body.startedAt > 0 && body.finishedAt >= body.startedAt);
      assert.equal('leaseUntil' in body, false);
      const missing = await platform.app.inject({ method: 'GET', url: '/jobs/nope', headers: await platform.auth('viewer') });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'JOB_NOT_FOUND');
    });

    it('lists jobs filtered and paginated, and rejects a bad filter naming the field', async () => {
      const failed = await jobs.enqueue({ kind: 'train', payload: { fail: true }, maxAttempts: 1 });
      await waitDone(failed.id);
      const headers = await platform.auth('viewer');
      const res = await platform.app.inject({ method: 'GET', url: '/jobs?state=failed&kind=train&limit=1', headers });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().jobs.map((j: { id: string }) => j.id), [failed.id]);
      assert.equal(res.json().jobs[0].error.message, 'diverged');
      const all = await platform.app.inject({ method: 'GET', url: '/jobs?limit=1', headers });
      assert.equal(all.json().jobs.length, 1);
      const next = await platform.app.inject({ method: 'GET', url: `/jobs?limit=1&pageToken=${all.json().nextPageToken}`, headers });
      assert.equal(next.statusCode, 200);
      assert.notEqual(next.json().jobs[0].id, all.json().jobs[0].id);
      // A repeated kind lists jobs of any of them.
      const several = await platform.app.inject({ method: 'GET', url: '/jobs?kind=evaluate&kind=train&state=failed&limit=1', headers });
      assert.equal(several.statusCode, 200, several.body);
      assert.deepEqual(several.json().jobs.map((j: { id: string }) => j.id), [failed.id]);
      const unknownKind = await platform.app.inject({ method: 'GET', url: '/jobs?kind=train&kind=nap', headers });
      assert.equal(unknownKind.statusCode, 400);
      assert.match(unknownKind.json().error.field, /^query\.kind/);
      const bad = await platform.app.inject({ method: 'GET', url: '/jobs?state=bogus', headers });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.field, 'query.state');
      const forged = await platform.app.inject({ method: 'GET', url: '/jobs?pageToken=abc', headers });
      assert.equal(forged.statusCode, 400);
      assert.equal(forged.json().error.field, 'pageToken');
    });

    it('serves logs after a sequence number', async () => {
      const job = await jobs.enqueue({ kind: 'train', payload: {} });
      await waitDone(job.id);
      const headers = await platform.auth('viewer');
      const res = await platform.app.inject({ method: 'GET', url: `/jobs/${job.id}/logs?afterSeq=1`, headers });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().logs.map((l: { line: string }) => l.line), ['epoch 2: loss 0.500', 'epoch 3: loss 0.333']);
    });

    it('cancels: editor only; a running job ends cancelled; a finished one answers 409', async () => {
      const job = await open(`cancel-${kind}`);
      const url = `/jobs/${job.id}/cancel`;
      assert.equal((await platform.app.inject({ method: 'POST', url })).statusCode, 401);
      assert.equal((await platform.app.inject({ method: 'POST', url, headers: await platform.auth('viewer') })).statusCode, 403);
      const res = await platform.app.inject({ method: 'POST', url, headers: await platform.auth('editor') });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().cancelRequested, true);
      assert.equal((await waitDone(job.id)).state, 'cancelled');
      const again = await platform.app.inject({ method: 'POST', url, headers: await platform.auth('editor') });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'JOB_NOT_CANCELLABLE');
    });

    it('streams a snapshot, live progress and logs, then the terminal state, and closes (SSE)', async () => {
      const job = await open(`sse-${kind}`);
      const subscriptions = observeSubscriptions(jobs);
      let reading: ReturnType<typeof readSse>;
      try {
        const res = await fetch(`${baseUrl}/jobs/${job.id}/events`, { headers: await platform.auth('viewer') });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.ok(res.headers.get('x-request-id'));
        reading = readSse(res.body!);
        // The route is subscribed: everything the job does from now on reaches the stream.
        await subscriptions.subscribed(job.id);
      } finally {
        subscriptions.restore();
      }
      gates.get(`sse-${kind}`)!();
      const { events, comments } = await reading; // ends because the server closes the stream
      assert.ok(comments >= 1);
      assert.equal(events[0]?.event, 'snapshot');
      assert.equal((events[0]?.data.job as { state: string }).state, 'running');
      const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.progress as { epoch?: number; phase: string });
      assert.deepEqual(progress.filter((p) => p.phase === 'train').map((p) => p.epoch), [1, 2, 3]);
      const logs = events.filter((e) => e.event === 'log').map((e) => (e.data.log as { line: string }).line);
      assert.deepEqual(logs, ['epoch 1: loss 1.000', 'epoch 2: loss 0.500', 'epoch 3: loss 0.333']);
      const last = events[events.length - 1]!;
      assert.equal(last.event, 'state');
      assert.equal((last.data.job as { state: string }).state, 'succeeded');
    });

    it('answers a finished job with its final snapshot only, and an unknown one with a JSON 404', async () => {
      const job = await jobs.enqueue({ kind: 'train', payload: {} });
      await waitDone(job.id);
      const res = await fetch(`${baseUrl}/jobs/${job.id}/events`, { headers: await platform.auth('viewer') });
      const { events } = await readSse(res.body!);
      assert.equal(events.length, 1);
      assert.equal((events[0]?.data.job as { state: string }).state, 'succeeded');
      assert.equal((events[0]?.data.logs as unknown[]).length, 3);
      const missing = await fetch(`${baseUrl}/jobs/nope/events`, { headers: await platform.auth('viewer') });
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'JOB_NOT_FOUND');
      const anonymous = await fetch(`${baseUrl}/jobs/${job.id}/events`);
      assert.equal(anonymous.status, 401);
    });

    it('ends the subscription when the client disconnects', async () => {
      const job = await open(`disconnect-${kind}`);
      // Observe (not replace) the real subscribe to see the route's subscription end.
      const subscriptions = observeSubscriptions(jobs);
      try {
        const controller = new AbortController();
        const res = await fetch(`${baseUrl}/jobs/${job.id}/events`, { headers: await platform.auth('viewer'), signal: controller.signal });
        await readSse(res.body!, (e) => e.event === 'snapshot');
        const subscription = await subscriptions.subscribed(job.id);
        controller.abort();
        await within(subscription.ended, 3_000, 'the server to unsubscribe after the client left');
      } finally {
        subscriptions.restore();
        gates.get(`disconnect-${kind}`)!();
      }
      assert.equal((await waitDone(job.id)).state, 'succeeded');
    });
  });
}

describe('job events stream heartbeat', () => {
  it('sends heartbeat comments while a job is quiet', async () => {
    const test = await openTestDatabase('sqlite');
    const queue = new LocalJobQueue(new SqlJobStore(test.database), { clock: systemClock, ids: randomIds, pollIntervalMs: 50 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await queue.startWorkers({ train: async () => held });
    // Just the job routes on a bare app: this test is about the stream, not auth.
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await createJobRoutes({ heartbeatMs: 50 })(app, { services: { jobs: queue } } as unknown as AppDeps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const job = await queue.enqueue({ kind: 'train' });
      const address = app.server.address();
      const res = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jobs/${job.id}/events`);
      // Released once the greeting and three heartbeats came (50 ms apart); a silent stream times out.
      let fourComments!: () => void;
      const heartbeats = new Promise<void>((resolve) => (fourComments = resolve));
      const reading = readSse(res.body!, undefined, (count) => count >= 4 && fourComments());
      await within(heartbeats, 5_000, 'the greeting and three heartbeat comments of a quiet job');
      release();
      const { events, comments } = await reading;
      assert.ok(comments >= 4, `${comments} comment lines (greeting + heartbeats)`);
      const last = events[events.length - 1]!;
      assert.equal((last.data.job as { state: string }).state, 'succeeded');
    } finally {
      await app.close();
      await queue.close();
      await test.cleanup();
    }
  });
});
