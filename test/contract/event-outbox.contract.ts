/**
 * The EventOutbox contract, through the subscriber that reads it (OutboxDomainEvents):
 * every SQL store (SQLite, PostgreSQL) runs this suite.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import type { DomainEvent, FreshDataEvent, SubscribeOptions } from '../../src/domain/ports/domain-events.js';
import type { EventOutbox } from '../../src/domain/ports/event-outbox.js';
import { OutboxDomainEvents } from '../../src/services/outbox-domain-events.js';
import { randomIds } from '../../src/system/clock.js';

export interface EventOutboxFixture {
  /** A second outbox on its own connection to the same database (another process's view). */
  readonly outbox: () => Promise<EventOutbox>;
  /** Runs `fn` in a store transaction that records `events` first, then rolls back when `fn` throws. */
  readonly recordInTransaction: (events: readonly DomainEvent[], fn: (trx: Transaction<never>) => Promise<void>) => Promise<void>;
  cleanup(): Promise<void>;
}

let counter = 0;
function freshData(model: string, n: number, at = Date.now()): FreshDataEvent {
  return { type: 'fresh-data', model, datasetName: `${model}-fresh`, datasetVersion: n, datasetDigest: `d${n}`, files: [], rows: n, positives: 0, negatives: n, at };
}

export function eventOutboxContract(name: string, open: () => Promise<EventOutboxFixture>): void {
  describe(`EventOutbox contract: ${name}`, () => {
    let fixture: EventOutboxFixture;
    const buses: OutboxDomainEvents[] = [];
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      for (const bus of buses) await bus.close();
      await fixture.cleanup();
    });

    /** A subscriber process: its own outbox connection, a fast poll, errors collected. */
    async function bus(subscriber: string, options: { pollMs?: number; retentionMs?: number; now?: () => number } = {}) {
      const errors: string[] = [];
      const events = new OutboxDomainEvents({
        outbox: await fixture.outbox(),
        clock: { now: options.now ?? (() => Date.now()) },
        ids: randomIds,
        subscriber,
        pollMs: options.pollMs ?? 20,
        retentionMs: options.retentionMs ?? 60_000,
        maxAttempts: 3,
        onError: (_error, _event, message) => errors.push(message),
      });
      buses.push(events);
      return { events, errors };
    }
    function collect(events: OutboxDomainEvents, options?: SubscribeOptions): FreshDataEvent[] {
      const seen: FreshDataEvent[] = [];
      events.subscribe('fresh-data', (event) => void seen.push(event), options);
      return seen;
    }
    const unique = (prefix: string) => `${prefix}-${++counter}-${randomIds.next()}`;

    it('never delivers an event recorded in a transaction that rolled back; delivers the committed one', async () => {
      const model = unique('rolled');
      const { events } = await bus(unique('p'));
      const seen = collect(events);
      await events.start();
      await assert.rejects(
        fixture.recordInTransaction([freshData(model, 1)], async () => {
          throw new Error('the change failed after its event was recorded');
        }),
        /the change failed/,
      );
      await fixture.recordInTransaction([freshData(model, 2)], async () => {});
      await events.deliverPending();
      assert.deepEqual(
        seen.filter((e) => e.model === model).map((e) => e.datasetVersion),
        [2],
      );
    });

    it('delivers to every process (broadcast) and once per cluster for a group', async () => {
      const model = unique('fanout');
      const a = await bus(unique('a'));
      const b = await bus(unique('b'));
      const seenA = collect(a.events);
      const seenB = collect(b.events);
      await Promise.all([a.events.start(), b.events.start()]);
      const clusterGroup = unique('retrain');
      const clusterSeen: string[] = [];
      a.events.subscribe('fresh-data', (e) => void clusterSeen.push(`a:${e.model}:${e.datasetVersion}`), { group: clusterGroup });
      b.events.subscribe('fresh-data', (e) => void clusterSeen.push(`b:${e.model}:${e.datasetVersion}`), { group: clusterGroup });
      for (let n = 1; n <= 5; n++) await a.events.publish(freshData(model, n));
      await Promise.all([a.events.deliverPending(), b.events.deliverPending()]);
      await Promise.all([a.events.deliverPending(), b.events.deliverPending()]);
      const mine = (seen: FreshDataEvent[]) => seen.filter((e) => e.model === model).map((e) => e.datasetVersion);
      assert.deepEqual(mine(seenA), [1, 2, 3, 4, 5]);
      assert.deepEqual(mine(seenB), [1, 2, 3, 4, 5]);
      const handled = clusterSeen.filter((s) => s.includes(`:${model}:`)).map((s) => Number(s.split(':')[2]));
      assert.deepEqual(handled, [1, 2, 3, 4, 5], `each event once in the cluster: ${clusterSeen.join(' ')}`);
    });

    it('keeps per-aggregate order under concurrent writers and two competing holders', async () => {
      const models = [unique('m'), unique('m'), unique('m')];
      const writer = await bus(unique('w'));
      const group = unique('ordered');
      const a = await bus(unique('a'));
      const b = await bus(unique('b'));
      const seen: FreshDataEvent[] = [];
      for (const holder of [a, b]) {
        holder.events.subscribe(
          'fresh-data',
          async (e) => {
            seen.push(e);
            await new Promise((resolve) => setImmediate(resolve));
          },
          { group },
        );
      }
      await Promise.all([a.events.start(), b.events.start()]);
      // Each model's events are raised one after another; the models' writers race each other.
      await Promise.all(models.map(async (model) => {
        for (let n = 1; n <= 15; n++) await writer.events.publish(freshData(model, n));
      }));
      const deadline = Date.now() + 10_000;
      const mine = () => seen.filter((e) => models.includes(e.model));
      while (mine().length < 45 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const model of models) {
        assert.deepEqual(
          seen.filter((e) => e.model === model).map((e) => e.datasetVersion),
          Array.from({ length: 15 }, (_, i) => i + 1),
          `order of ${model}`,
        );
      }
      assert.equal(mine().length, 45, 'each event once');
    });

    it('delivers events raised while a subscriber was down once it starts again under its name', async () => {
      const model = unique('down');
      const name = unique('restarting');
      const first = await bus(name);
      const before = collect(first.events);
      await first.events.start();
      await first.events.publish(freshData(model, 1));
      await first.events.deliverPending();
      assert.deepEqual(before.filter((e) => e.model === model).map((e) => e.datasetVersion), [1]);
      await first.events.close();

      const other = await bus(unique('other'));
      await other.events.start();
      await other.events.publish(freshData(model, 2));
      await other.events.publish(freshData(model, 3));

      const again = await bus(name);
      const after = collect(again.events);
      await again.events.start();
      assert.deepEqual(after.filter((e) => e.model === model).map((e) => e.datasetVersion), [2, 3], 'only what it missed, in order');
    });

    it('a subscriber killed while holding its lease gets what it missed at once when it starts again under its name', async () => {
      const model = unique('killed');
      const name = unique('killed_sub');
      // Killed, not closed: its release never reaches the store, so its 30 s lease stays.
      const outbox = await fixture.outbox();
      const killed = new OutboxDomainEvents({
        outbox: Object.create(outbox, { release: { value: async () => undefined } }) as EventOutbox,
        clock: { now: () => Date.now() },
        ids: randomIds,
        subscriber: name,
        pollMs: 20,
        retentionMs: 60_000,
      });
      const before = collect(killed);
      await killed.start();
      await killed.publish(freshData(model, 1));
      await killed.deliverPending();
      assert.deepEqual(before.filter((e) => e.model === model).map((e) => e.datasetVersion), [1]);
      await killed.close();

      const other = await bus(unique('other'));
      await other.events.start();
      await other.events.publish(freshData(model, 2));

      const again = await bus(name);
      const after = collect(again.events);
      await again.events.start();
      assert.deepEqual(after.filter((e) => e.model === model).map((e) => e.datasetVersion), [2], 'delivered at start, not after the dead lease');
    });

    it('releaseStale frees only a lease held under the given name prefix, compared as plain text', async () => {
      const store = await fixture.outbox();
      const group = `process:${unique('stale')}`;
      await store.openGroup(group, 'beginning', Date.now());
      await store.append([freshData(unique('stale'), 1)]);
      const claim = (holder: string) => store.claim(group, holder, ['fresh-data'], Date.now(), 60_000, 10);
      assert.ok(await claim('a1b/dead'), 'the first holder takes the lease');
      // `_` would match any character in a LIKE pattern: a1b is not a_b.
      await store.releaseStale(group, 'a_b/', 'a_b/new');
      assert.equal(await claim('a_b/new'), undefined, "another name's lease is kept");
      await store.releaseStale(group, 'a1b/', 'a1b/dead');
      assert.equal(await claim('a1b/new'), undefined, 'the holder itself is not released');
      await store.releaseStale(group, 'a1b/', 'a1b/new');
      assert.ok(await claim('a1b/new'), 'a new instance of the name takes it back');
    });

    it('retries a failing handler, holding later events back, then skips after the last attempt', async () => {
      const model = unique('flaky');
      const { events, errors } = await bus(unique('p'));
      const calls: number[] = [];
      let failures = 0;
      events.subscribe('fresh-data', (e) => {
        if (e.model !== model) return;
        calls.push(e.datasetVersion);
        if (e.datasetVersion === 1 && failures < 1) {
          failures++;
          throw new Error('transient');
        }
        if (e.datasetVersion === 3) throw new Error('poison');
      });
      await events.start();
      await events.publish(freshData(model, 1));
      await events.publish(freshData(model, 2));
      await events.publish(freshData(model, 3));
      await events.publish(freshData(model, 4));
      for (let i = 0; i < 5; i++) await events.deliverPending();
      assert.deepEqual(calls, [1, 1, 2, 3, 3, 3, 4]);
      assert.equal(errors.filter((m) => m.includes('skipped')).length, 1, errors.join('\n'));
    });

    it('deletes delivered events older than the retention, keeping what an active group still needs', async () => {
      // Ten days ahead: every group of the tests above is idle by this clock, and their events are old.
      let now = Date.now() + 10 * 24 * 3600 * 1000;
      const clock = () => now;
      const model = unique('old');
      const current = await bus(unique('current'), { now: clock, retentionMs: 1000 });
      collect(current.events);
      await current.events.start();
      const behind = await bus(unique('behind'), { now: clock, retentionMs: 1000 });
      collect(behind.events);
      await behind.events.start();
      await behind.events.close(); // down from here, its cursor before the events below
      for (let n = 1; n <= 3; n++) await current.events.publish(freshData(model, n, now));
      await current.events.deliverPending();
      now += 5000;
      assert.ok((await current.events.deleteDelivered()) >= 2, 'a group idle longer than the retention holds nothing back');

      // A group active within the retention keeps the old events it has not handled.
      const name = unique('lagging');
      const lagging = await bus(name, { now: clock, retentionMs: 1000 });
      collect(lagging.events);
      await lagging.events.start();
      await lagging.events.close();
      for (let n = 4; n <= 6; n++) await current.events.publish(freshData(model, n, now - 5000));
      await current.events.deliverPending();
      await current.events.deleteDelivered();
      const resumed = await bus(name, { now: clock, retentionMs: 1000 });
      const seen = collect(resumed.events);
      await resumed.events.start();
      assert.deepEqual(seen.filter((e) => e.model === model).map((e) => e.datasetVersion), [4, 5, 6]);
      // The newest event is never deleted: the next sequence number is counted from it.
      now += 60_000;
      await current.events.deleteDelivered();
      await current.events.publish(freshData(model, 7, now));
      await resumed.events.deliverPending();
      assert.deepEqual(seen.filter((e) => e.model === model).map((e) => e.datasetVersion), [4, 5, 6, 7]);
    });
  });
}
