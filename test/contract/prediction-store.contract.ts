/** The PredictionStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { PredictionStore } from '../../src/domain/ports/prediction-store.js';
import type { PredictionRecord } from '../../src/domain/serving.js';

export interface PredictionStoreFixture {
  readonly store: PredictionStore;
  cleanup(): Promise<void>;
}

function record(model: string, createdAt: number, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  const requestId = randomBytes(8).toString('hex');
  return {
    id: requestId,
    requestId,
    model,
    version: 3,
    semver: 'v1.2',
    arm: 'production',
    label: 1,
    probability: 0.8125,
    score: 1.4663,
    latencyMs: 0.375,
    chars: 42,
    nonAsciiShare: 0.25,
    urlCount: 2,
    createdAt,
    ...overrides,
  };
}

export function predictionStoreContract(name: string, createFixture: () => Promise<PredictionStoreFixture>): void {
  describe(`PredictionStore contract: ${name}`, () => {
    let fixture: PredictionStoreFixture;
    let store: PredictionStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    it('keeps every field of a record, without feedback, and finds only the ids that exist', async () => {
      const saved = record('m-fields', 1_700_000_000_000);
      await store.insertMany([saved]);
      assert.deepEqual(await store.findByIds([saved.id, 'missing']), [{ ...saved, feedbackLabel: null, feedbackAt: null, feedbackActor: null }]);
      assert.deepEqual(await store.findByIds([]), []);
    });

    it('writes a batch larger than one statement, and a record written twice stays one row', async () => {
      const batch = Array.from({ length: 1_203 }, (_, i) => record('m-batch', 1_700_000_000_000 + i, { id: `b-${i}`, requestId: 'batch' }));
      await store.insertMany(batch);
      await store.insertMany(batch.slice(0, 10));
      const recent = await store.listRecent('m-batch', 5_000);
      assert.equal(recent.length, 1_203);
      assert.equal(recent[0]?.id, 'b-1202', 'newest first');
      assert.equal((await store.findByIds(batch.map((r) => r.id))).length, 1_203);
    });

    it('attaches feedback to existing ids only, a later label replacing an earlier one', async () => {
      const a = record('m-fb', 1_700_000_000_000);
      const b = record('m-fb', 1_700_000_000_001);
      await store.insertMany([a, b]);
      assert.deepEqual(await store.attachFeedback([{ id: a.id, label: 1, actor: 'alice', at: 5 }, { id: 'nope', label: 0, actor: 'alice', at: 5 }]), [a.id]);
      assert.deepEqual(await store.attachFeedback([{ id: a.id, label: 0, actor: 'bob', at: 9 }]), [a.id]);
      const [foundA, foundB] = await store.findByIds([a.id, b.id]).then((rows) => [rows.find((r) => r.id === a.id), rows.find((r) => r.id === b.id)]);
      assert.deepEqual([foundA?.feedbackLabel, foundA?.feedbackAt, foundA?.feedbackActor], [0, 9, 'bob']);
      assert.deepEqual([foundB?.feedbackLabel, foundB?.feedbackAt], [null, null]);
    });

    it('lists a model’s newest predictions only and deletes those older than the cutoff, a limited number at a time', async () => {
      await store.insertMany([record('m-old', 100), record('m-old', 200), record('m-old', 300), record('m-other', 50)]);
      assert.deepEqual((await store.listRecent('m-old', 2)).map((r) => r.createdAt), [300, 200]);
      assert.equal(await store.deleteOlderThan(250, 1), 1);
      assert.equal(await store.deleteOlderThan(250, 10), 2, 'the rest of what is older than 250: m-old at 100/200 and m-other at 50, one already gone');
      assert.deepEqual((await store.listRecent('m-old', 10)).map((r) => r.createdAt), [300]);
      assert.deepEqual(await store.listRecent('m-other', 10), []);
      assert.equal(await store.deleteOlderThan(250, 10), 0);
    });
  });
}
