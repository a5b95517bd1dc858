/**
 * AlertService on the SQL store (SQLite and PostgreSQL): replayed signal streams fire once per
 * episode and resolve, two processes evaluating the same stream at once fire one alert, and
 * silences, acknowledgements and listing behave as the API promises.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertSignal } from '../../src/domain/alerts/index.js';
import { WardenError } from '../../src/domain/errors.js';
import type { AlertFiredEvent, AlertResolvedEvent } from '../../src/domain/ports/domain-events.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/store/sql/database.js';
import { SqlAlertStore } from '../../src/store/sql/sql-alert-store.js';
import { AlertService } from '../../src/services/alert-service.js';
import { randomIds } from '../../src/system/clock.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

const MINUTE = 60_000;

/** A clock the test moves: one observation per tick, as a periodic monitor would send them. */
function steppedClock(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function accuracy(model: string, value: number): AlertSignal {
  return { model, version: 3, kind: 'performance', metric: 'accuracy', value, baseline: 0.95, details: { window: 'last-hour', labelled: 400 } };
}

for (const kind of STORE_KINDS) {
  describe(`AlertService on ${kind}`, () => {
    let test: TestDatabase;
    let second: SqlDatabase;
    before(async () => {
      test = await openTestDatabase(kind);
      second = await openSqlDatabase(test.url, test.schema ? { schema: test.schema } : {});
    });
    after(async () => {
      await second.close();
      await test.cleanup();
    });

    const recorded = async (model: string) =>
      (await test.database.db.selectFrom('outbox_events').select('payload').where('type', 'in', ['alert-fired', 'alert-resolved']).orderBy('seq').execute())
        .map((row) => JSON.parse(row.payload) as AlertFiredEvent | AlertResolvedEvent)
        .filter((event) => event.model === model);

    it('an 8 % accuracy drop fires exactly one alert, the accuracy one, and it resolves once accuracy has recovered', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      const stream = [...Array(4).fill(0.95), ...Array(12).fill(0.874), ...Array(6).fill(0.951)] as number[];
      const actions: string[] = [];
      for (const value of stream) {
        clock.advance(MINUTE);
        // A healthy F1 beside it: only the accuracy rule may fire.
        for (const outcome of await alerts.observeMany([accuracy('replay', value), { model: 'replay', version: 3, kind: 'performance', metric: 'f1', value: 0.93, baseline: 0.94 }])) {
          if (outcome.rule === 'accuracy-drop') actions.push(outcome.action);
        }
      }
      assert.deepEqual(actions, [...Array(4).fill('quiet'), 'fire', ...Array(11).fill('still-firing'), 'clearing', 'clearing', 'resolve', 'quiet', 'quiet', 'quiet']);
      const events = await recorded('replay');
      assert.deepEqual(events.map((e) => [e.type, e.rule, e.severity]), [['alert-fired', 'accuracy-drop', 'critical'], ['alert-resolved', 'accuracy-drop', 'critical']]);
      const { alerts: listed } = await alerts.list({ model: 'replay' });
      assert.equal(listed.length, 1);
      assert.deepEqual([listed[0]!.state, listed[0]!.breaches, listed[0]!.fingerprint], ['resolved', 12, 'accuracy-drop/replay/v3/accuracy']);
      assert.equal(listed[0]!.summary, 'accuracy of replay v3 is 0.874, 8.0 % below its baseline 0.950');
    });

    it('a flapping drift signal is one alert however long it flaps, and no event storm', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      for (let i = 0; i < 60; i++) {
        clock.advance(MINUTE);
        await alerts.observe({ model: 'flap', kind: 'drift', metric: 'score_psi', value: i % 2 === 0 ? 0.3 : 0.08, breached: i % 3 !== 2 });
      }
      assert.deepEqual((await recorded('flap')).map((e) => e.type), ['alert-fired']);
    });

    it('two processes evaluating the same stream at once fire it once', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const here = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      const there = new AlertService({ store: new SqlAlertStore(second), clock, ids: randomIds });
      for (let i = 0; i < 5; i++) {
        clock.advance(MINUTE);
        const outcomes = (await Promise.all([here.observe(accuracy('race', 0.8)), there.observe(accuracy('race', 0.8))])).flat();
        if (i === 0) assert.deepEqual(outcomes.map((o) => o.action).sort(), ['fire', 'still-firing']);
      }
      assert.deepEqual((await recorded('race')).map((e) => e.type), ['alert-fired']);
      assert.equal((await here.list({ model: 'race', state: 'open' })).alerts[0]?.breaches, 10);
    });

    it('a silence mutes what fires while it is in force (the alert is still recorded); ack records who saw it once', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      const silence = await alerts.silence({ matchers: { model: 'muted', rule: 'inference-errors' }, durationMinutes: 30, reason: 'known outage' }, { name: 'alice' });
      assert.deepEqual((await alerts.silences({ active: true })).map((s) => s.id).includes(silence.id), true);
      const [outcome] = await alerts.observe({ model: 'muted', kind: 'inference-errors', value: 0.4 });
      assert.equal(outcome?.alert?.silencedBy, silence.id);
      const events = await recorded('muted');
      assert.deepEqual(events.map((e) => [e.type, e.silenced]), [['alert-fired', true]]);
      const acked = await alerts.ack(outcome!.alert!.id, { name: 'bob' });
      assert.deepEqual([acked.ackedBy, acked.ackedAt], ['bob', clock.now()]);
      clock.advance(1000);
      assert.equal((await alerts.ack(acked.id, { name: 'carol' })).ackedBy, 'bob');
      const ended = await alerts.unsilence(silence.id, { name: 'carol' });
      assert.equal(ended.endedBy, 'carol');
      assert.equal((await alerts.silences({ active: true })).some((s) => s.id === silence.id), false);
      await assert.rejects(alerts.ack('nope', { name: 'x' }), (e: unknown) => e instanceof WardenError && e.code === 'ALERT_NOT_FOUND');
      await assert.rejects(alerts.unsilence('nope', { name: 'x' }), (e: unknown) => e instanceof WardenError && e.code === 'SILENCE_NOT_FOUND');
    });

    it('pages newest first, filters by state and severity, and refuses a bad signal before applying any', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      for (const version of [1, 2, 3]) {
        clock.advance(MINUTE);
        await alerts.observe({ model: 'paged', version, kind: 'data-quality', value: 1, breached: true });
      }
      const first = await alerts.list({ model: 'paged', limit: 2 });
      assert.deepEqual(first.alerts.map((a) => a.version), [3, 2]);
      assert.ok(first.nextPageToken);
      const rest = await alerts.list({ model: 'paged', limit: 2, pageToken: first.nextPageToken });
      assert.deepEqual([rest.alerts.map((a) => a.version), rest.nextPageToken], [[1], undefined]);
      assert.equal((await alerts.list({ model: 'paged', severity: 'critical' })).alerts.length, 0);
      assert.equal((await alerts.list({ model: 'paged', state: 'resolved' })).alerts.length, 0);
      await assert.rejects(
        alerts.observeMany([{ model: 'paged', kind: 'drift', value: 1, breached: true }, { model: 'paged', kind: 'drift', value: Number.POSITIVE_INFINITY }]),
        (e: unknown) => e instanceof WardenError && e.field === 'signals[1].value',
      );
      assert.equal((await alerts.list({ model: 'paged' })).alerts.length, 3, 'the valid first signal was not applied either');
    });

    it('a version leaving Production retires its open alerts (resolved, with the event); other versions and stage moves are untouched', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      await alerts.observe(accuracy('retire', 0.7));
      await alerts.observe({ ...accuracy('retire', 0.7), version: 4 });
      assert.deepEqual(await alerts.onStageChanged({ model: 'retire', version: 3, from: 'Staging', to: 'Archived' }), [], 'not a Production exit');
      clock.advance(MINUTE);
      const retired = await alerts.onStageChanged({ model: 'retire', version: 3, from: 'Production', to: 'Archived' });
      assert.deepEqual(retired.map((a) => [a.version, a.state, a.resolution, a.resolvedAt]), [[3, 'resolved', 'retired', clock.now()]]);
      assert.deepEqual(await alerts.onStageChanged({ model: 'retire', version: 3, from: 'Production', to: 'Archived' }), [], 'a redelivered event changes nothing');
      assert.deepEqual((await alerts.list({ model: 'retire', state: 'open' })).alerts.map((a) => a.version), [4]);
      assert.deepEqual((await recorded('retire')).map((e) => [e.type, e.version]), [['alert-fired', 3], ['alert-fired', 4], ['alert-resolved', 3]]);
    });

    it('a red-team failure event fails the model red-team rule', async () => {
      const clock = steppedClock(1_800_000_000_000);
      const alerts = new AlertService({ store: new SqlAlertStore(test.database), clock, ids: randomIds });
      const [outcome] = await alerts.onRedTeamFailed({
        type: 'redteam-failed',
        campaignId: 'c1',
        model: 'attacked',
        version: 2,
        semver: 'v1.1',
        task: 'spam',
        verdict: 'evaded',
        attackSuccessRate: 0.2,
        newVulnerabilities: 12,
        error: null,
        at: clock.now(),
      });
      assert.deepEqual([outcome?.action, outcome?.alert?.rule, outcome?.alert?.severity, outcome?.alert?.details.campaignId], ['fire', 'redteam-failure', 'critical', 'c1']);
      const [cleared] = await alerts.observe({ model: 'attacked', version: 2, kind: 'redteam', value: 0, breached: false });
      assert.equal(cleared?.action, 'resolve', 'a campaign that passes resolves it');
    });
  });
}
