/** The PredictionStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { PredictionStore } from '../../src/domain/ports/prediction-store.js';
import type { FailedPredictionRecord, PredictionRecord } from '../../src/domain/serving.js';

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

    it('arm readings: requests, positives, nearest-rank p99 and confusion counts of one arm since a time', async () => {
      const at = 5_000;
      const rows = Array.from({ length: 100 }, (_, i) =>
        record('m-arms', at + i, { arm: 'candidate', version: 7, label: i < 30 ? 1 : 0, latencyMs: i + 1 }),
      );
      await store.insertMany([...rows, record('m-arms', at - 1, { arm: 'candidate', version: 7, latencyMs: 999 }), record('m-arms', at, { arm: 'baseline', version: 6, latencyMs: 500 })]);
      // Feedback: 20 true positives, 10 false positives (predicted 1, truly 0), 5 false negatives.
      await store.attachFeedback([
        ...rows.slice(0, 20).map((r) => ({ id: r.id, label: 1, actor: 'a', at })),
        ...rows.slice(20, 30).map((r) => ({ id: r.id, label: 0, actor: 'a', at })),
        ...rows.slice(30, 35).map((r) => ({ id: r.id, label: 1, actor: 'a', at })),
      ]);
      assert.deepEqual(await store.armReadings('m-arms', 7, 'candidate', at), {
        requests: 100,
        errors: 0,
        p99Ms: 99,
        positives: 30,
        labelled: 35,
        truePositives: 20,
        falsePositives: 10,
        falseNegatives: 5,
      });
      assert.deepEqual(await store.armReadings('m-arms', 7, 'baseline', at), { requests: 0, errors: 0, p99Ms: null, positives: 0, labelled: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0 });
    });

    it('failed requests count as requests and errors of their arm and version (each of their texts), apart from the answers; retention deletes them too', async () => {
      const t = 2_000_000;
      const failure = (requestId: string, createdAt: number, overrides: Partial<FailedPredictionRecord> = {}): FailedPredictionRecord => ({
        requestId,
        model: 'm-failed',
        version: 9,
        semver: 'v2.0',
        arm: 'candidate',
        inputs: 1,
        code: 'ARTIFACT_TAMPERED',
        latencyMs: 0.5,
        createdAt,
        ...overrides,
      });
      const answers = Array.from({ length: 6 }, (_, i) => record('m-failed', t + i, { arm: 'candidate', version: 9, label: i % 2, latencyMs: 2 }));
      await store.insertMany(answers);
      const failures = [failure('f1', t, { inputs: 4 }), failure('f2', t + 1), failure('f2', t + 1, { arm: 'shadow' }), failure('f3', t + 2, { version: 8 }), failure('f0', t - 1)];
      await store.insertFailures(failures);
      await store.insertFailures(failures.slice(0, 1));
      assert.deepEqual(await store.armReadings('m-failed', 9, 'candidate', t), {
        requests: 11,
        errors: 5,
        p99Ms: 2,
        positives: 3,
        labelled: 0,
        truePositives: 0,
        falsePositives: 0,
        falseNegatives: 0,
      });
      assert.equal((await store.listRecent('m-failed', 100)).length, 6, 'failures are not answers');
      assert.equal((await store.armReadings('m-failed', 9, 'shadow', 0)).errors, 1);
      assert.ok((await store.deleteOlderThan(t + 1, 1)) <= 1, 'answers and failures share one budget');
      while ((await store.deleteOlderThan(t + 1, 1_000)) > 0);
      const left = await store.armReadings('m-failed', 9, 'candidate', 0);
      assert.deepEqual([left.requests, left.errors], [6, 1], 'the answer at t and failures f0, f1 are gone; five answers and f2 stay');
    });

    it('shadow comparison: each shadow answer beside the live one it copied, disagreements newest first', async () => {
      const live = [record('m-shadow', 10, { label: 1 }), record('m-shadow', 11, { label: 0 }), record('m-shadow', 12, { label: 1, probability: 0.9 })];
      const shadow = (of: PredictionRecord, label: number) => ({ ...of, id: `${of.id}.shadow`, arm: 'shadow', version: 4, semver: 'v1.3', label, probability: label === 1 ? 0.7 : 0.2 });
      await store.insertMany([...live, shadow(live[0]!, 1), shadow(live[1]!, 1), shadow(live[2]!, 0), { ...shadow(live[2]!, 0), id: 'orphan.shadow' }]);
      const result = await store.shadowComparison('m-shadow', 4, 0, 10);
      assert.equal(result.compared, 3, 'a shadow answer without its live answer is not compared');
      assert.equal(result.disagreements, 2);
      assert.deepEqual(result.examples.map((e) => [e.id, e.live.label, e.shadow.label]), [[live[2]!.id, 1, 0], [live[1]!.id, 0, 1]]);
      assert.deepEqual(result.examples[0], { id: live[2]!.id, requestId: live[2]!.requestId, at: 12, live: { version: 3, label: 1, probability: 0.9 }, shadow: { version: 4, label: 0, probability: 0.2 } });
      assert.equal((await store.shadowComparison('m-shadow', 4, 12, 10)).compared, 1, 'only from since on');
      assert.equal((await store.shadowComparison('m-shadow', 4, 0, 1)).examples.length, 1);
    });
  });
}
