/**
 * Alert notifications end to end, on the in-process queue (SQLite) and on Redis (BullMQ,
 * PostgreSQL): an alert fires through AlertService, its outbox event queues a job per
 * webhook, and a real HTTP receiver that fails twice gets the signed alert on the third try.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { validateWebhooks, type AlertSignal } from '../../src/domain/alerts/index.js';
import type { Job } from '../../src/domain/jobs.js';
import type { JobQueue } from '../../src/domain/ports/job-queue.js';
import type { SqlDialectName } from '../../src/store/sql/database.js';
import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { SqlAlertStore } from '../../src/store/sql/sql-alert-store.js';
import { SqlEventOutbox } from '../../src/store/sql/sql-event-outbox.js';
import { AlertService } from '../../src/services/alert-service.js';
import { AlertNotifier } from '../../src/services/alert-notifications.js';
import { OutboxDomainEvents } from '../../src/services/outbox-domain-events.js';
import { HttpWebhookSender } from '../../src/system/http-webhook-sender.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { dropRedisPrefix } from '../support/redis.js';
import { TEST_REDIS_URL, openTestDatabase, uniqueName } from '../support/stores.js';
import { jobEnded, until } from '../support/wait.js';

const SECRET = 'whsec-test-0123456789abcdef';
const RETRY = { baseDelayMs: 150, maxDelayMs: 1_000 };

interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  readonly answered: number;
}

/** A webhook receiver on a loopback port: answers each path's requests with the next status of its script (then 200). */
async function receiver(scripts: Record<string, number[]>) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      const answered = scripts[path]?.shift() ?? 200;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Whether the signature verifies as a receiver would check it: HMAC-SHA256 over `<timestamp>.<body>`, compared whole. */
function verifies(request: Received, secret: string): boolean {
  const timestamp = String(request.headers['x-warden-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`;
  return request.headers['x-warden-signature'] === expected;
}

function drop(model: string, value: number): AlertSignal {
  return { model, version: 3, kind: 'performance', metric: 'accuracy', value, baseline: 0.95 };
}

async function openWiring(kind: SqlDialectName, queueKind: 'local' | 'redis', hookUrl: string) {
  const test = await openTestDatabase(kind);
  const prefix = uniqueName('wa');
  const common = { clock: systemClock, ids: randomIds, retryPolicy: RETRY, timings: { leaseMs: 5_000, heartbeatMs: 100 } };
  const jobs: JobQueue =
    queueKind === 'local'
      ? new LocalJobQueue(new SqlJobStore(test.database), { ...common, pollIntervalMs: 50 })
      : new BullMqJobQueue(new SqlJobStore(test.database), { ...common, url: TEST_REDIS_URL, prefix, queueName: 'jobs', stalledIntervalMs: 500, subscriptionPollMs: 200 });
  const store = new SqlAlertStore(test.database);
  const events = new OutboxDomainEvents({ outbox: new SqlEventOutbox(test.database), clock: systemClock, ids: randomIds, subscriber: uniqueName('alerts'), pollMs: 50, retentionMs: 60_000 });
  const alerts = new AlertService({ store, clock: systemClock, ids: randomIds, events });
  const notifier = new AlertNotifier({
    store,
    jobs,
    webhooks: validateWebhooks([
      { name: 'ops', url: `${hookUrl}/ops?token=path-secret`, secret: SECRET },
      { name: 'chat', url: `${hookUrl}/slack/T000/B000/XXXX`, format: 'slack', minSeverity: 'critical' },
      { name: 'gone', url: `${hookUrl}/gone`, secret: SECRET, minSeverity: 'critical' },
    ]),
    sender: new HttpWebhookSender(),
    clock: systemClock,
    maxAttempts: 5,
    timeoutMs: 2_000,
  });
  events.subscribe('alert-fired', async (event) => void (await notifier.onAlertEvent(event)), { group: 'alert-notifications' });
  events.subscribe('alert-resolved', async (event) => void (await notifier.onAlertEvent(event)), { group: 'alert-notifications' });
  await events.start();
  await jobs.startWorkers(notifier.handlers(), { concurrency: 2 });
  return {
    jobs,
    alerts,
    notifier,
    async close() {
      await events.close();
      await jobs.close();
      if (queueKind === 'redis') await dropRedisPrefix(prefix);
      await test.cleanup();
    },
  };
}

for (const [kind, queueKind] of [
  ['sqlite', 'local'],
  ['postgres', 'redis'],
] as const) {
  describe(`alert webhooks on the ${queueKind} queue (${kind} store)`, () => {
    it('a receiver that fails twice gets the signed alert on the third try; Slack gets {text, blocks}; a 404 is not retried; no secret leaks', async () => {
      const hook = await receiver({ '/ops?token=path-secret': [500, 500], '/gone': [404] });
      const wiring = await openWiring(kind, queueKind, hook.url);
      try {
        const [fired] = await wiring.alerts.observe(drop('hooked', 0.874));
        assert.equal(fired?.action, 'fire');
        const alertId = fired!.alert!.id;

        const opsRequests = () => hook.received.filter((r) => r.path.startsWith('/ops'));
        await until(() => opsRequests().length >= 3, 'three attempts at the ops webhook', { timeoutMs: 60_000 });
        const attempts = opsRequests().slice(0, 3);
        assert.deepEqual(attempts.map((r) => r.answered), [500, 500, 200]);
        for (const attempt of attempts) {
          assert.ok(verifies(attempt, SECRET), 'the signature verifies with the shared secret');
          assert.equal(attempt.headers['x-warden-event'], 'alert-fired');
          assert.equal(attempt.headers['content-type'], 'application/json; charset=utf-8');
        }
        assert.equal(verifies({ ...attempts[2]!, body: attempts[2]!.body.replace('accuracy-drop', 'f1-drop') }, SECRET), false, 'a tampered body does not verify');
        assert.equal(new Set(attempts.map((r) => r.headers['x-warden-delivery'])).size, 1, 'one delivery id across retries');
        assert.ok(attempts[1]!.at - attempts[0]!.at >= RETRY.baseDelayMs - 20, 'backoff before the second try');
        assert.ok(attempts[2]!.at - attempts[1]!.at >= 2 * RETRY.baseDelayMs - 20, 'doubled before the third');
        const body = JSON.parse(attempts[2]!.body);
        assert.equal(body.type, 'alert-fired');
        assert.deepEqual([body.alert.id, body.alert.rule, body.alert.model, body.alert.severity, body.alert.state], [alertId, 'accuracy-drop', 'hooked', 'critical', 'open']);

        const slack = await until(() => hook.received.find((r) => r.path.startsWith('/slack')), 'the Slack webhook', { timeoutMs: 60_000 });
        const slackBody = JSON.parse(slack.body);
        assert.match(slackBody.text, /\[CRITICAL\] accuracy-drop fired for hooked v3: accuracy of hooked v3 is 0.874, 8.0 % below its baseline 0.950/);
        assert.ok(Array.isArray(slackBody.blocks));
        assert.equal(slack.headers['x-warden-signature'], undefined, 'no secret configured, no signature');

        const jobs = (await wiring.jobs.list({ kind: 'notify-webhook', limit: 50 })).items;
        const byHook = (name: string, transition = 'fired') => jobs.find((j) => j.payload.webhook === name && j.payload.transition === transition);
        const ops = await jobEnded(wiring.jobs, byHook('ops')!.id, 60_000);
        assert.deepEqual([ops.state, ops.attempts], ['succeeded', 3]);
        const gone: Job = await jobEnded(wiring.jobs, byHook('gone')!.id, 60_000);
        assert.deepEqual([gone.state, gone.attempts], ['failed', 1], 'a 404 is not retried');
        assert.match(gone.error?.message ?? '', /webhook gone answered 404/);
        for (const job of [ops, gone]) {
          const text = JSON.stringify([job, await wiring.jobs.logs(job.id)]);
          assert.ok(!text.includes(SECRET) && !text.includes('path-secret') && !text.includes('/slack/'), 'jobs and their logs hold no secret or URL path');
        }

        // Accuracy recovers: three clear windows resolve it, and the resolution is delivered too.
        for (let i = 0; i < 3; i++) await wiring.alerts.observe(drop('hooked', 0.95));
        const resolved = await until(() => hook.received.find((r) => r.path.startsWith('/ops') && r.headers['x-warden-event'] === 'alert-resolved'), 'the resolution at the ops webhook', { timeoutMs: 60_000 });
        assert.ok(verifies(resolved, SECRET));
        assert.deepEqual([JSON.parse(resolved.body).alert.state, JSON.parse(resolved.body).alert.id], ['resolved', alertId]);

        // A redelivered event queues no second notification. (Counted once the resolution's
        // jobs are all queued: one per webhook, the ops one may be answered before the last is queued.)
        const webhooks = new Set(jobs.map((j) => j.payload.webhook)).size;
        const queued = async () => (await wiring.jobs.list({ kind: 'notify-webhook', limit: 50 })).items;
        await until(async () => (await queued()).filter((j) => j.payload.transition === 'resolved').length === webhooks, 'a resolution job per webhook', { timeoutMs: 60_000 });
        const before = (await queued()).length;
        const again = await wiring.notifier.onAlertEvent({ type: 'alert-fired', alertId, fingerprint: fired!.fingerprint, rule: 'accuracy-drop', kind: 'performance', severity: 'critical', model: 'hooked', version: 3, metric: 'accuracy', value: 0.874, baseline: 0.95, summary: '', silenced: false, at: 0 });
        assert.deepEqual(again.map((j) => j.id).sort(), jobs.filter((j) => j.payload.transition === 'fired').map((j) => j.id).sort());
        assert.equal((await wiring.jobs.list({ kind: 'notify-webhook', limit: 50 })).items.length, before);
      } finally {
        await wiring.close();
        await hook.close();
      }
    });
  });
}
