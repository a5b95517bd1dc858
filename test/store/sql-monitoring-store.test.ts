/**
 * The monitoring tables on SQLite and PostgreSQL: a snapshot and a detector state per key,
 * replaced on save; and the prediction store's monitoring reads (descriptors round-trip, rows
 * recorded without them read as null, newest first, last N labelled, failures by code).
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

    it('reads predictions for monitoring: descriptors and samples round-trip, older rows read null, newest first', async () => {
      const predictions = new SqlPredictionStore(test.database);
      const monitored = { tokens: 4, invisiblePer1k: 12.5, mixedScriptTokens: 1, base64Spans: 0, spacedLetterRuns: 2, beyondMaxShare: 0.25, oovShare: null, nearDuplicate: true };
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
      await predictions.insertFailures([
        { requestId: 'f1', model: 'm', version: 1, semver: 'v1.0', arm: 'candidate', inputs: 3, code: 'TIMEOUT', latencyMs: 5, createdAt: 150 },
        { requestId: 'f2', model: 'm', version: 1, semver: 'v1.0', arm: 'candidate', inputs: 2, code: 'TIMEOUT', latencyMs: 5, createdAt: 160 },
      ]);
      assert.deepEqual(await predictions.failureCounts('m', 155), [{ version: 1, arm: 'candidate', code: 'TIMEOUT', inputs: 2 }]);
    });
  });
}
