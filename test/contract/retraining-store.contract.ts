/** The RetrainingStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  arbitrate,
  DEFAULT_RETRAINING_POLICY,
  INITIAL_ARBITER_STATE,
  type RetrainingDecision,
  type TriggerSignal,
} from '../../src/domain/retraining/index.js';
import type { RetrainingStore } from '../../src/domain/ports/retraining-store.js';

export interface RetrainingStoreFixture {
  readonly store: RetrainingStore;
  /** A second store on the same database through its own connection pool (another process's). */
  readonly peer: RetrainingStore;
  cleanup(): Promise<void>;
}

let clock = 1_700_000_000_000;
let serial = 0;

function manual(model: string, key: string): TriggerSignal {
  clock += 1000;
  return { kind: 'manual', model, key, at: clock, actor: 'ana', reason: null };
}

/** The decision the domain makes over `signals`, as the orchestrator records it. */
function decided(model: string, signals: readonly TriggerSignal[]) {
  clock += 1000;
  const { decision, state } = arbitrate({ model, signals, state: INITIAL_ARBITER_STATE, policy: DEFAULT_RETRAINING_POLICY, now: clock });
  const record: RetrainingDecision = { ...decision, id: `rd-${String(++serial).padStart(4, '0')}`, jobId: null, outcomes: [] };
  return { record, state, keys: signals.map((s) => s.key) };
}

export function retrainingStoreContract(name: string, createFixture: () => Promise<RetrainingStoreFixture>): void {
  describe(`RetrainingStore contract: ${name}`, () => {
    let fixture: RetrainingStoreFixture;
    let store: RetrainingStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(() => fixture.cleanup());

    it('keeps one signal per model and key, pending until a decision consumes it', async () => {
      const first = manual('m-signals', 'k1');
      assert.equal(await store.addSignal(first), true);
      assert.equal(await store.addSignal({ ...first, at: first.at + 5 }), false);
      assert.equal(await fixture.peer.addSignal(first), false);
      assert.equal(await store.addSignal(manual('m-other', 'k1')), true, 'keys are per model');
      const second = manual('m-signals', 'k2');
      await store.addSignal(second);
      assert.deepEqual(await store.pendingSignals('m-signals'), [first, second]);
      assert.ok((await store.modelsWithPendingSignals()).includes('m-signals'));

      const { record, state, keys } = decided('m-signals', [first, second]);
      assert.deepEqual(await store.arbiterState('m-signals'), { state: INITIAL_ARBITER_STATE, revision: 0 });
      assert.equal(await store.recordDecision(record, keys, state, 0), true);
      assert.deepEqual(await store.pendingSignals('m-signals'), []);
      assert.ok(!(await store.modelsWithPendingSignals()).includes('m-signals'));
      assert.deepEqual(await store.arbiterState('m-signals'), { state, revision: 1 });
      assert.deepEqual(await store.getDecision(record.id), record);
      assert.equal(await store.addSignal(first), false, 'a decided key stays known');
    });

    it('two processes deciding for the same model at once: one decision is recorded, the other writes nothing', async () => {
      const signal = manual('m-race', 'r1');
      await store.addSignal(signal);
      const mine = decided('m-race', [signal]);
      const theirs = decided('m-race', [signal]);
      const results = await Promise.all([store.recordDecision(mine.record, mine.keys, mine.state, 0), fixture.peer.recordDecision(theirs.record, theirs.keys, theirs.state, 0)]);
      assert.deepEqual([...results].sort(), [false, true]);
      const listed = await store.listDecisions({ model: 'm-race', limit: 10 });
      assert.equal(listed.length, 1);
      // A stale revision, or a signal another decision consumed, is refused too.
      const later = manual('m-race', 'r2');
      await store.addSignal(later);
      const next = decided('m-race', [later]);
      assert.equal(await store.recordDecision(next.record, next.keys, next.state, 0), false);
      const stale = decided('m-race', [signal]);
      assert.equal(await store.recordDecision(stale.record, stale.keys, stale.state, 1), false);
      assert.equal(await store.recordDecision(next.record, next.keys, next.state, 1), true);
      assert.deepEqual(await store.pendingSignals('m-race'), []);
    });

    it('appends outcomes and finds a decision by its job', async () => {
      const signal = manual('m-outcome', 'o1');
      await store.addSignal(signal);
      const { record, state, keys } = decided('m-outcome', [signal]);
      await store.recordDecision(record, keys, state, 0);
      const queued = { kind: 'queued' as const, at: clock, detail: 'retrain job queued', values: { job: 'job-1' } };
      const after = await store.appendOutcome(record.id, queued, 'job-1');
      assert.deepEqual(after, { ...record, jobId: 'job-1', outcomes: [queued] });
      const promoted = { kind: 'promoted' as const, at: clock + 1, detail: 'v1.1 promoted', values: {} };
      await store.appendOutcome(record.id, promoted);
      assert.deepEqual(await store.decisionOfJob('job-1'), { ...record, jobId: 'job-1', outcomes: [queued, promoted] });
      assert.equal(await store.decisionOfJob('job-none'), undefined);
      assert.equal(await store.appendOutcome('rd-none', queued), undefined);
      assert.equal(await store.getDecision('rd-none'), undefined);
    });

    it('lists newest first, filtered by model, outcome and trigger kind, paged by (decidedAt, id)', async () => {
      const drift: TriggerSignal = { kind: 'drift', model: 'm-list', key: 'd1', at: ++clock, descriptor: 'psi:score', statistic: 0.4 };
      const signals = [manual('m-list', 'l1'), drift, manual('m-list', 'l3')];
      const records: RetrainingDecision[] = [];
      let revision = 0;
      for (const signal of signals) {
        await store.addSignal(signal);
        const { record, state, keys } = decided('m-list', [signal]);
        assert.equal(await store.recordDecision(record, keys, state, revision++), true);
        records.push(record);
      }
      const quiet = decided('m-list', []);
      assert.equal(await store.recordDecision(quiet.record, [], quiet.state, revision), true);
      assert.equal(quiet.record.outcome, 'no-retrain');
      const all = await store.listDecisions({ model: 'm-list', limit: 10 });
      assert.deepEqual(all.map((d) => d.id), [quiet.record.id, ...records.map((r) => r.id).reverse()]);
      assert.deepEqual((await store.listDecisions({ model: 'm-list', trigger: 'drift', limit: 10 })).map((d) => d.id), [records[1]!.id]);
      assert.deepEqual((await store.listDecisions({ model: 'm-list', outcome: 'no-retrain', limit: 10 })).map((d) => d.id), [quiet.record.id]);
      const page = await store.listDecisions({ model: 'm-list', limit: 2 });
      const last = page.at(-1)!;
      const rest = await store.listDecisions({ model: 'm-list', limit: 10, before: { decidedAt: last.decidedAt, id: last.id } });
      assert.deepEqual([...page, ...rest].map((d) => d.id), all.map((d) => d.id));
    });
  });
}
