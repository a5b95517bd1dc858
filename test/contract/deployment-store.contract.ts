/** The DeploymentStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { abortDeployment, candidateReady, planDeployment, type Deployment } from '../../src/domain/deployments/index.js';
import type { DeploymentStore } from '../../src/domain/ports/deployment-store.js';
import type { DeploymentChangedEvent } from '../../src/domain/ports/domain-events.js';

export interface DeploymentStoreFixture {
  readonly store: DeploymentStore;
  /** The deployment-changed events the store recorded in its outbox, in order. */
  recordedEvents(): Promise<DeploymentChangedEvent[]>;
  cleanup(): Promise<void>;
}

let clock = 1_700_000_000_000;
let serial = 0;

function canary(model: string, candidate = 2): Deployment {
  clock += 1000;
  return planDeployment({ strategy: 'canary' }, { id: `d-${++serial}`, model, candidate, production: 1, inFlight: null, actor: 'alice', reason: 'test', now: clock, assignmentKey: 'k'.repeat(32) });
}

export function deploymentStoreContract(name: string, createFixture: () => Promise<DeploymentStoreFixture>): void {
  describe(`DeploymentStore contract: ${name}`, () => {
    let fixture: DeploymentStoreFixture;
    let store: DeploymentStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(() => fixture.cleanup());

    it('stores a deployment whole and reads it back at revision 1, with its event', async () => {
      const deployment = canary('m-roundtrip');
      assert.deepEqual(await store.create(deployment), { created: true });
      assert.deepEqual(await store.get(deployment.id), { deployment, revision: 1 });
      assert.deepEqual(await store.inFlight('m-roundtrip'), { deployment, revision: 1 });
      assert.equal(await store.get('nope'), undefined);
      const events = (await fixture.recordedEvents()).filter((e) => e.deploymentId === deployment.id);
      assert.deepEqual(events.map((e) => [e.state, e.candidatePercent, e.strategy]), [['warming', 0, 'canary']]);
    });

    it('replace is guarded by the revision: a stale writer writes nothing', async () => {
      const deployment = canary('m-revision');
      await store.create(deployment);
      const ready = candidateReady(deployment, clock + 10);
      assert.equal(await store.replace(ready, 1), true);
      assert.equal(await store.replace(abortDeployment(deployment, clock + 20, 'bob', null), 1), false, 'revision 1 was already replaced');
      assert.deepEqual(await store.get(deployment.id), { deployment: ready, revision: 2 });
      const events = (await fixture.recordedEvents()).filter((e) => e.deploymentId === deployment.id);
      assert.deepEqual(events.map((e) => e.state), ['warming', 'active'], 'no event for the lost write');
    });

    it('one deployment in flight per model, also under concurrent creates; ended ones do not count', async () => {
      const attempts = Array.from({ length: 6 }, () => canary('m-race'));
      const outcomes = await Promise.all(attempts.map((d) => store.create(d)));
      const winners = outcomes.filter((o) => o.created);
      assert.equal(winners.length, 1);
      const winner = attempts[outcomes.findIndex((o) => o.created)]!;
      for (const outcome of outcomes) if (!outcome.created) assert.equal(outcome.inFlight.id, winner.id);
      const aborted = abortDeployment(winner, clock + 5, 'bob', null);
      assert.equal(await store.replace(aborted, 1), true);
      assert.equal(await store.inFlight('m-race'), undefined);
      const next = canary('m-race', 3);
      assert.deepEqual(await store.create(next), { created: true }, 'a new deployment once the last one ended');
      assert.deepEqual(await store.create(canary('m-other')), { created: true }, 'other models are independent');
    });

    it('lists newest first, by model, by in-flight and by version (candidate or baseline), with keyset paging', async () => {
      const a = canary('m-list');
      await store.create(a);
      await store.replace(abortDeployment(a, clock + 1, 'bob', null), 1);
      const b = canary('m-list', 3);
      await store.create(b);
      assert.deepEqual((await store.list({ model: 'm-list', limit: 10 })).map((d) => d.id), [b.id, a.id]);
      assert.deepEqual((await store.list({ model: 'm-list', inFlight: true, limit: 10 })).map((d) => d.id), [b.id]);
      assert.deepEqual((await store.list({ model: 'm-list', inFlight: false, limit: 10 })).map((d) => [d.id, d.state]), [[a.id, 'aborted']]);
      assert.deepEqual((await store.list({ model: 'm-list', limit: 1, before: { createdAt: b.createdAt, id: b.id } })).map((d) => d.id), [a.id]);
      assert.ok((await store.list({ limit: 100 })).length >= 2);
      // Both have baseline 1; a's candidate is 2, b's is 3.
      assert.deepEqual((await store.list({ model: 'm-list', version: 1, limit: 10 })).map((d) => d.id), [b.id, a.id], 'as the baseline');
      assert.deepEqual((await store.list({ model: 'm-list', version: 3, limit: 10 })).map((d) => d.id), [b.id], 'as the candidate');
      assert.deepEqual(await store.list({ model: 'm-list', version: 4, limit: 10 }), []);
    });
  });
}
