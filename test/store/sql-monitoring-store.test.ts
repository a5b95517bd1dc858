/**
 * The monitoring tables on SQLite and PostgreSQL: a snapshot and a detector state per key,
 * replaced on save; and the prediction store's monitoring reads (descriptors round-trip, rows
 * recorded without them read as null, newest first, last N labelled, failures by code); process
 * heartbeats replaced per process, listed until they expire, deleted when expired or ended.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlMonitoringStore } from '../../src/store/sql/sql-monitoring-store.js';
import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import type { PredictionRecord } from '../../src/domain/serving.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

const record = (id: string, createdAt: number, extra: Partial<PredictionRecord> = {}): PredictionRecord => ({
  id,
  requestId: id,
  model: 'm',
  version: 1,
  semver: 'v1.0',
  arm: 'production',
  label: 1,
  probability: 0.9,
  score: 2,
  latencyMs: 3,
  chars: 10,
  nonAsciiShare: 0,
  urlCount: 0,
  createdAt,
  ...extra,
});

for (const kind of STORE_KINDS) {
  describe(`monitoring tables on ${kind}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await openTestDatabase(kind);
    });
    after(() => test.cleanup());

    it('keeps one snapshot per model and one detector state per key, the latest saved', async () => {
      const store = new SqlMonitoringStore(test.database);
      assert.equal(await store.snapshot('m'), undefined);
      await store.saveSnapshot('m', 1, { arms: [] });
      await store.saveSnapshot('m', 2, { arms: [{ version: 1 }] });
      await store.saveSnapshot('a', 3, { arms: [] });
      assert.deepEqual(await store.snapshot('m'), { evaluatedAt: 2, snapshot: { arms: [{ version: 1 }] } });
      assert.deepEqual((await store.snapshots()).map((s) => s.model), ['a', 'm']);
      await store.saveDetectorState('m/1/production', 'm', 5, { lastReadingAt: 5 });
      await store.saveDetectorState('m/1/production', 'm', 6, { lastReadingAt: 6 });
      assert.deepEqual(await store.detectorState('m/1/production'), { lastReadingAt: 6 });
      assert.equal(await store.detectorState('m/2/production'), undefined);
    });

    it('keeps one heartbeat per process, lists the unexpired oldest-started first, drops expired and ended ones', async () => {
      const store = new SqlMonitoringStore(test.database);
      const resources = (rssBytes: number) => ({ pid: 7, cpuCores: 0.5, rssBytes, heapUsedBytes: 10, heapTotalBytes: 20, eventLoopLagMs: { mean: 1, p99: 2, max: 3 }, gpu: null, sampledAt: 1_000 });
      const beat = (id: string, startedAt: number, expiresAt: number, rssBytes: number) => ({ id, host: 'h', pid: 7, roles: ['api', 'worker'], startedAt, expiresAt, resources: resources(rssBytes) });
      await store.beat(beat('worker-b', 200, 1_300, 1), 1_000);
      await store.beat(beat('api-a', 100, 1_300, 2), 1_000);
      await store.beat(beat('api-a', 100, 2_000, 3), 1_100);
      assert.deepEqual(
        (await store.liveProcesses(1_200)).map((p) => [p.id, p.resources.rssBytes, p.expiresAt]),
        [
          ['api-a', 3, 2_000],
          ['worker-b', 1, 1_300],
        ],
      );
      assert.deepEqual((await store.liveProcesses(1_200))[0], beat('api-a', 100, 2_000, 3));
      // Past its expiry a crashed process is no longer listed, and the next beat of anyone deletes its row.
      assert.deepEqual((await store.liveProcesses(1_300)).map((p) => p.id), ['api-a']);
      await store.beat(beat('api-a', 100, 2_500, 4), 1_400);
      assert.equal((await test.database.db.selectFrom('process_heartbeats').select('id').execute()).length, 1);
      await store.endProcess('api-a');
      assert.deepEqual(await store.liveProcesses(1_400), []);
    });

    it('reads predictions for monitoring: descriptors and samples round-trip, older rows read null, newest first', async () => {
      const predictions = new SqlPredictionStore(test.database);
      const monitored = { tokens: 4, invisiblePer1k: 12.5, mixedScriptTokens: 1, base64Spans: 0, spacedLetterRuns: 2, beyondMaxShare: 0.25, oovShare: 0.5, nearDuplicate: true, normalizationFlip: true };
      await predictions.insertMany([record('old', 100), record('new', 200, { monitored, sample: 'f r e e' }), record('gone', 10)]);
      const rows = await predictions.monitoringRows('m', 50, 10);
      assert.deepEqual(rows.map((r) => [r.createdAt, r.monitored, r.sample]), [
        [200, monitored, 'f r e e'],
        [100, null, null],
      ]);
      assert.equal((await predictions.monitoringRows('m', 0, 1)).length, 1);
      await predictions.attachFeedback([
        { id: 'old', label: 0, actor: 'x', at: 300 },
        { id: 'new', label: 1, actor: 'x', at: 300 },
      ]);
      assert.deepEqual(await predictions.lastLabelled('m', 1, 'production', 5), [
        { label: 1, feedbackLabel: 1 },
        { label: 1, feedbackLabel: 0 },
      ]);
      // What a retrain may learn from: labelled AND sampled ('old' has no sample, 'gone' no label).
      assert.deepEqual(await predictions.labelledSamples('m', 10), [{ text: 'f r e e', label: 1 }]);
      assert.deepEqual(await predictions.labelledSamples('other', 10), []);
      await predictions.insertFailures([
        { requestId: 'f1', model: 'm', version: 1, semver: 'v1.0', arm: 'candidate', inputs: 3, code: 'TIMEOUT', latencyMs: 5, createdAt: 150 },
        { requestId: 'f2', model: 'm', version: 1, semver: 'v1.0', arm: 'candidate', inputs: 2, code: 'TIMEOUT', latencyMs: 5, createdAt: 160 },
      ]);
      assert.deepEqual(await predictions.failureCounts('m', 155), [{ version: 1, arm: 'candidate', code: 'TIMEOUT', inputs: 2 }]);
    });

    it('reads the monitoring rows in pages, exact across predictions of the same millisecond, and lets the event loop turn between pages', async () => {
      // Pages of 3 over 11 rows of a model, 4 of them at t=500 (a batch) across a page boundary;
      // other models' and older rows are not read.
      const predictions = new SqlPredictionStore(test.database, undefined, { monitoringPageRows: 3 });
      const ids = ['p01', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07', 'p08', 'p09', 'p10', 'p11'];
      const at = (i: number) => (i >= 3 && i <= 6 ? 500 : 400 + i * 20);
      await predictions.insertMany([...ids.map((id, i) => record(`paged-${id}`, at(i), { model: 'paged' })), record('paged-other', 500, { model: 'other' }), record('paged-old', 10, { model: 'paged' })]);
      const newestFirst = ids
        .map((id, i) => ({ id: `paged-${id}`, createdAt: at(i) }))
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .map((r) => r.createdAt);
      let turns = 0;
      let reading = true;
      const spin = (): void => {
        if (!reading) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const rows = await predictions.monitoringRows('paged', 100, 100);
      reading = false;
      assert.deepEqual(rows.map((r) => r.createdAt), newestFirst);
      // 11 rows in pages of 3: three turns of the event loop at least, between the four statements.
      assert.ok(turns >= 3, `the event loop turned ${turns} times during the read`);
      // A limit that ends inside the millisecond, and one that ends on a page boundary.
      assert.deepEqual((await predictions.monitoringRows('paged', 100, 5)).map((r) => r.createdAt), newestFirst.slice(0, 5));
      assert.deepEqual((await predictions.monitoringRows('paged', 100, 6)).map((r) => r.createdAt), newestFirst.slice(0, 6));
      assert.equal((await predictions.monitoringRows('paged', 601, 100)).length, 0);
    });
  });
}
