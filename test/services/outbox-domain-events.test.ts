/**
 * Domain events across processes: two platforms (as two `warden` processes would) on one
 * store, each with its own connection and its own subscriber name. On PostgreSQL the outbox
 * poll is set to a minute, so only the LISTEN/NOTIFY wake-up can deliver within a second.
 */
import { describe, it, before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createPlatform, type Platform } from '../../src/main.js';
import { openSqlDatabase, type SqlDialectName } from '../../src/store/sql/database.js';
import type { DomainEvent, DomainEventType, FreshDataEvent } from '../../src/domain/ports/domain-events.js';
import type { Actor } from '../../src/services/registry-service.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';
import { testConfig } from '../support/platform.js';
import { syntheticRows } from '../support/training.js';
import { until } from '../support/wait.js';

const admin: Actor = { name: 'root', role: 'admin' };

interface Received {
  readonly event: DomainEvent;
  readonly at: number;
}

for (const kind of STORE_KINDS) {
  describe(`domain events across two processes on ${kind}`, () => {
    let test: TestDatabase;
    const platforms: Platform[] = [];
    const removers: Array<() => void> = [];
    const received = new Map<string, Received[]>();

    async function start(subscriber: string, poll = pollMs(kind)): Promise<Platform> {
      const database = await openSqlDatabase(test.url, { ...(test.schema !== undefined ? { schema: test.schema } : {}), poolSize: 4 });
      const { config, remove } = testConfig({ WARDEN_EVENT_SUBSCRIBER: subscriber, WARDEN_EVENT_POLL_MS: poll });
      removers.push(remove);
      const list: Received[] = received.get(subscriber) ?? [];
      received.set(subscriber, list);
      const platform = await createPlatform(config, {
        database,
        subscribe: (events) => {
          for (const type of ['version-registered', 'stage-changed', 'job-finished', 'fresh-data'] satisfies DomainEventType[]) {
            events.subscribe(type, (event: DomainEvent) => void list.push({ event, at: Date.now() }));
          }
        },
      });
      platforms.push(platform);
      const close = platform.close;
      Object.assign(platform, {
        close: async () => {
          await close();
          await database.close();
        },
      });
      return platform;
    }
    const seen = (subscriber: string, type: DomainEventType) => (received.get(subscriber) ?? []).filter((r) => r.event.type === type);

    before(async () => {
      test = await openTestDatabase(kind);
    });
    after(async () => {
      for (const platform of platforms) await platform.close();
      for (const remove of removers) remove();
      await test.cleanup();
    });

    it('a stage change made in one process reaches both within a second, in history order', async () => {
      const a = await start('api-1');
      await start('api-2');
      await a.services.registry.createModel({ name: 'spam', task: 'spam' }, admin);
      const raised = Date.now();
      await a.services.registry.registerVersion('spam', { metrics: { eval_accuracy: 0.85 } }, admin);
      await a.services.registry.transition('spam', 1, { stage: 'Archived', reason: 'superseded' }, admin);
      for (const subscriber of ['api-1', 'api-2']) {
        await until(() => seen(subscriber, 'stage-changed').length === 2, `two stage-changed events in ${subscriber}`, { timeoutMs: 1000, everyMs: 5 });
        const moves = seen(subscriber, 'stage-changed').map((r) => r.event.type === 'stage-changed' && `${r.event.model} v${r.event.version} ${r.event.from}→${r.event.to}`);
        assert.deepEqual(moves, ['spam v1 None→Staging', 'spam v1 Staging→Archived']);
        const registered = seen(subscriber, 'version-registered').map((r) => r.event);
        assert.deepEqual(
          registered.map((e) => e.type === 'version-registered' && [e.model, e.version, e.semver]),
          [['spam', 1, 'v1.0']],
        );
        const latency = Math.max(...seen(subscriber, 'stage-changed').map((r) => r.at)) - raised;
        process.stdout.write(`# ${kind}: both stage-changed events in ${subscriber} ${latency} ms after the registration started\n`);
      }
    });

    it('an event raised while a process is down is delivered after it restarts', async () => {
      const b = platforms[1]!;
      await b.close();
      platforms.splice(1, 1);
      await platforms[0]!.services.registry.transition('spam', 1, { stage: 'Staging', reason: 'back', force: true }, admin);
      await until(() => seen('api-1', 'stage-changed').length === 3, 'the third stage change in api-1', { timeoutMs: 1000, everyMs: 5 });
      assert.equal(seen('api-2', 'stage-changed').length, 2, 'api-2 is down');
      await start('api-2');
      // Delivered by the start itself (its cursor was kept under its name), not by a wake-up.
      assert.equal(seen('api-2', 'stage-changed').length, 3);
      const last = seen('api-2', 'stage-changed')[2]!.event;
      assert.equal(last.type === 'stage-changed' && `${last.from}→${last.to}`, 'Archived→Staging');
    });

    it('fresh data starts one retrain per cluster with both processes subscribed, also when the event comes twice', async () => {
      const [a, b] = platforms as [Platform, Platform];
      const synth = await a.services.datasets.registerRows(syntheticRows(40), { name: 'synth', origin: 'upload' });
      await a.services.registry.createModel(
        { name: 'fresh-model', task: 'spam', recipe: { family: 'lr', dataset: { datasets: ['synth'], includeFresh: true } } },
        admin,
      );
      // Same group as the platform's retrain subscriber: counts how many processes handle each event.
      const handledBy: string[] = [];
      a.events.subscribe('fresh-data', () => void handledBy.push('api-1'), { group: 'retrain-on-fresh-data' });
      b.events.subscribe('fresh-data', () => void handledBy.push('api-2'), { group: 'retrain-on-fresh-data' });
      assert.equal(synth.created, true);
      // A file dropped in fresh/ and scanned by one process: the fresh version and its event commit together.
      const dir = path.join(a.config.dataDir, 'fresh', 'fresh-model');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'batch-1.jsonl');
      fs.writeFileSync(file, syntheticRows(20, 7).map((r) => JSON.stringify({ text: `fresh ${r.text}`, label: r.label })).join('\n') + '\n');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(file, old, old);
      const scan = await a.services.freshData.scanFresh();
      assert.equal(scan.models.find((m) => m.model === 'fresh-model')?.announced, true);
      await until(() => seen('api-1', 'fresh-data').length === 1 && seen('api-2', 'fresh-data').length === 1, 'the broadcast in both', { timeoutMs: 2000, everyMs: 5 });
      await until(() => handledBy.length === 1, 'the cluster handler', { timeoutMs: 2000, everyMs: 5 });
      await Promise.all([a.events.deliverPending(), b.events.deliverPending()]);
      assert.equal(handledBy.length, 1, `handled once in the cluster: ${handledBy.join(', ')}`);
      const retrains = async () => (await a.services.jobs.list({ kind: 'retrain', limit: 50 })).items.filter((j) => j.payload.model === 'fresh-model');
      assert.equal((await retrains()).length, 1);

      const event = seen('api-2', 'fresh-data')[0]!.event as FreshDataEvent;
      assert.deepEqual([event.model, event.datasetName, event.datasetVersion, event.files.map((f) => f.name)], ['fresh-model', 'fresh-model-fresh', 1, ['batch-1.jsonl']]);

      // At least once: a redelivered event (same data) queues no second retrain.
      await b.events.publish(event);
      await until(() => handledBy.length === 2, 'the redelivery', { timeoutMs: 2000, everyMs: 5 });
      assert.equal((await retrains()).length, 1, 'the idempotency key absorbs the duplicate');

      // Its job finishing is an event too, in the other process as well.
      const [job] = await retrains();
      await b.services.jobs.cancel(job!.id);
      await until(() => seen('api-1', 'job-finished').some((r) => r.event.type === 'job-finished' && r.event.jobId === job!.id), 'job-finished in api-1', { timeoutMs: 2000, everyMs: 5 });
      const finished = seen('api-1', 'job-finished').find((r) => r.event.type === 'job-finished' && r.event.jobId === job!.id)!.event;
      assert.deepEqual(finished.type === 'job-finished' && [finished.kind, finished.state, finished.model], ['retrain', 'cancelled', 'fresh-model']);
    });

    if (kind === 'postgres') {
      it('a lost LISTEN connection is noticed and opened again, and events keep coming', async () => {
        // A 100 ms poll: the safety-net read (and the new LISTEN attempt) comes every second.
        await start('api-3', '100');
        const listeners = async () =>
          (
            await sql<{ pid: number }>`select pid from pg_stat_activity where query like ${`LISTEN "warden_ev_${test.schema!}%`} and pid <> pg_backend_pid()`.execute(
              test.database.db,
            )
          ).rows.map((r) => r.pid);
        const before = await listeners();
        assert.equal(before.length, 3, 'one LISTEN connection per process');
        await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid in (${sql.join(before)})`.execute(test.database.db);
        await platforms[0]!.services.registry.transition('spam', 1, { stage: 'Archived', reason: 'after the cut', force: true }, admin);
        await until(() => seen('api-3', 'stage-changed').length === 1, 'the stage change after the connection was cut', { timeoutMs: 3000, everyMs: 5 });
        const again = await until(async () => (await listeners()).some((pid) => !before.includes(pid)), 'api-3 to listen again on a new connection', { timeoutMs: 3000, everyMs: 50 });
        assert.equal(again, true);
      });
    }
  });
}

function pollMs(kind: SqlDialectName): string {
  // PostgreSQL: a minute, so only NOTIFY can deliver within the test's second; SQLite: the poll is the wake-up.
  return kind === 'postgres' ? '60000' : '50';
}
