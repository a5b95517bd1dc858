/** The AlertStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ALERT_RULES, acknowledge, decideObservation, planSilence, type Alert, type AlertSignal } from '../../src/domain/alerts/index.js';
import type { AlertStore } from '../../src/domain/ports/alert-store.js';
import type { AlertFiredEvent, AlertResolvedEvent } from '../../src/domain/ports/domain-events.js';

export interface AlertStoreFixture {
  readonly store: AlertStore;
  /** A second store on the same database through its own connection pool (another process's). */
  readonly peer: AlertStore;
  /** The alert-fired and alert-resolved events the store recorded in its outbox, in order. */
  recordedEvents(): Promise<Array<AlertFiredEvent | AlertResolvedEvent>>;
  cleanup(): Promise<void>;
}

let clock = 1_700_000_000_000;
let serial = 0;
const drift = DEFAULT_ALERT_RULES.find((r) => r.id === 'drift')!;

/** A drift alert of `model` as the domain fires it. */
function firing(model: string, overrides: Partial<AlertSignal> = {}): Alert {
  clock += 1000;
  const decision = decideObservation(drift, { model, version: 1, kind: 'drift', value: 0.4, breached: true, ...overrides }, { state: { open: null, lastResolvedAt: null }, silences: [], now: clock, newId: `al-${++serial}` });
  assert.equal(decision.action, 'fire');
  return decision.alert;
}

function resolved(alert: Alert, at: number): Alert {
  return { ...alert, state: 'resolved', resolvedAt: at, resolution: 'cleared', lastSeenAt: at, clearStreak: drift.clearAfter };
}

export function alertStoreContract(name: string, createFixture: () => Promise<AlertStoreFixture>): void {
  describe(`AlertStore contract: ${name}`, () => {
    let fixture: AlertStoreFixture;
    let store: AlertStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(() => fixture.cleanup());

    it('fires an episode, reads it back at revision 1 with its alert-fired event, and resolves it with alert-resolved', async () => {
      const alert = firing('m-roundtrip');
      assert.deepEqual(await store.fire(alert), { fired: true });
      assert.deepEqual(await store.get(alert.id), { alert, revision: 1 });
      assert.deepEqual(await store.episode(alert.fingerprint), { open: { alert, revision: 1 }, lastResolvedAt: null });
      const done = resolved(alert, clock + 5);
      assert.equal(await store.update(done, 1), true);
      assert.deepEqual(await store.episode(alert.fingerprint), { open: undefined, lastResolvedAt: clock + 5 });
      const events = (await fixture.recordedEvents()).filter((e) => e.alertId === alert.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.fingerprint, e.model, e.at]),
        [
          ['alert-fired', alert.fingerprint, 'm-roundtrip', alert.firedAt],
          ['alert-resolved', alert.fingerprint, 'm-roundtrip', clock + 5],
        ],
      );
      assert.equal(await store.get('nope'), undefined);
    });

    it('one open episode per fingerprint, also when two processes fire at once; a resolved one does not count', async () => {
      const attempts = Array.from({ length: 6 }, (_, i) => ({ ...firing('m-race'), id: `race-${serial}-${i}` }));
      const outcomes = await Promise.all(attempts.map((a, i) => (i % 2 === 0 ? store : fixture.peer).fire(a)));
      const winners = outcomes.filter((o) => o.fired);
      assert.equal(winners.length, 1);
      const winner = attempts[outcomes.findIndex((o) => o.fired)]!;
      for (const outcome of outcomes) if (!outcome.fired) assert.equal(outcome.open.alert.id, winner.id);
      const events = (await fixture.recordedEvents()).filter((e) => e.model === 'm-race');
      assert.deepEqual(events.map((e) => [e.type, e.alertId]), [['alert-fired', winner.id]], 'one event: the losers wrote nothing');
      assert.equal(await store.update(resolved(winner, clock + 1), 1), true);
      const next = { ...firing('m-race'), id: `race-next-${serial}` };
      assert.deepEqual(await store.fire(next), { fired: true }, 'a new episode once the last one resolved');
    });

    it('update is guarded by the revision: a stale writer writes nothing and raises nothing', async () => {
      const alert = firing('m-revision');
      await store.fire(alert);
      const again = { ...alert, breaches: 2, lastBreachAt: clock + 1 };
      assert.equal(await store.update(again, 1), true);
      assert.equal(await store.update(resolved(alert, clock + 2), 1), false, 'revision 1 was already replaced');
      assert.deepEqual(await store.get(alert.id), { alert: again, revision: 2 });
      const acked = acknowledge(again, 'bob', clock + 3);
      assert.equal(await store.update(acked, 2), true);
      assert.equal((await store.get(alert.id))?.alert.ackedBy, 'bob');
      const events = (await fixture.recordedEvents()).filter((e) => e.alertId === alert.id);
      assert.deepEqual(events.map((e) => e.type), ['alert-fired'], 'no event for updates that do not resolve');
    });

    it('lists newest first by state, model and severity, with keyset paging', async () => {
      const a = firing('m-list');
      await store.fire(a);
      await store.update(resolved(a, clock + 1), 1);
      const b = firing('m-list', { version: 2 });
      await store.fire(b);
      assert.deepEqual((await store.list({ model: 'm-list', limit: 10 })).map((x) => x.id), [b.id, a.id]);
      assert.deepEqual((await store.list({ model: 'm-list', state: 'open', limit: 10 })).map((x) => x.id), [b.id]);
      assert.deepEqual((await store.list({ model: 'm-list', state: 'resolved', limit: 10 })).map((x) => [x.id, x.state]), [[a.id, 'resolved']]);
      assert.deepEqual((await store.list({ model: 'm-list', severity: 'critical', limit: 10 })).map((x) => x.id), []);
      assert.deepEqual((await store.list({ model: 'm-list', severity: 'warning', limit: 10 })).length, 2);
      assert.deepEqual((await store.list({ model: 'm-list', limit: 1, before: { firedAt: b.firedAt, id: b.id } })).map((x) => x.id), [a.id]);
    });

    it('silences: stored, listed in force or all, ended once (a second end returns the first)', async () => {
      const now = clock;
      const silence = planSilence({ matchers: { model: 'm-silence' }, durationMinutes: 10, reason: 'maintenance' }, { id: `s-${++serial}`, actor: 'alice', now });
      const expired = planSilence({ matchers: { model: 'm-silence' }, durationMinutes: 1, reason: 'short' }, { id: `s-${++serial}`, actor: 'alice', now: now - 120_000 });
      await store.createSilence(silence);
      await store.createSilence(expired);
      assert.deepEqual(await store.getSilence(silence.id), silence);
      const active = (await store.listSilences({ activeAt: now, limit: 100 })).map((s) => s.id);
      assert.ok(active.includes(silence.id) && !active.includes(expired.id));
      assert.ok((await store.listSilences({ limit: 100 })).some((s) => s.id === expired.id));
      const ended = await store.endSilence(silence.id, 'bob', now + 1);
      assert.deepEqual([ended?.endedAt, ended?.endedBy], [now + 1, 'bob']);
      assert.deepEqual(await store.endSilence(silence.id, 'carol', now + 2), ended, 'already ended: unchanged');
      assert.deepEqual(await store.endSilence(expired.id, 'carol', now + 2), expired, 'already expired: unchanged');
      assert.equal(await store.endSilence('nope', 'carol', now), undefined);
      assert.ok(!(await store.listSilences({ activeAt: now + 2, limit: 100 })).some((s) => s.id === silence.id));
    });
  });
}
