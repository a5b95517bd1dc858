/**
 * The prediction log's writer on a real SQLite store: bounded (a full buffer drops and counts,
 * never waits or throws), batched (a full batch is written at once, the rest on the interval
 * or at close), a refused write dropped and counted, retention by the injected clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PredictionLog, type PredictionLogOptions } from '../../src/services/prediction-log.js';
import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import { PrometheusMetrics } from '../../src/api/metrics.js';
import type { PredictionRecord } from '../../src/domain/serving.js';
import { openTestDatabase, type TestDatabase } from '../support/stores.js';
import { until } from '../support/wait.js';

let seq = 0;
function record(createdAt = 1_000): PredictionRecord {
  const id = `p-${++seq}`;
  return { id, requestId: id, model: 'm', version: 1, semver: 'v1.0', arm: 'production', label: 0, probability: 0.1, score: -2, latencyMs: 0.2, chars: 5, nonAsciiShare: 0, urlCount: 0, createdAt };
}

describe('PredictionLog', () => {
  let test: TestDatabase;
  let store: SqlPredictionStore;
  const now = { value: 10_000 };
  const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];

  before(async () => {
    test = await openTestDatabase('sqlite');
    store = new SqlPredictionStore(test.database);
  });
  after(() => test.cleanup());

  function writer(options: Partial<PredictionLogOptions> = {}, metrics = new PrometheusMetrics({ processMetrics: false })) {
    const log = new PredictionLog({
      store,
      clock: { now: () => now.value },
      metrics,
      maxBuffer: 5,
      batchSize: 100,
      flushIntervalMs: 60_000,
      retentionMs: 1_000,
      log: (level, message, fields) => logs.push({ level, message, fields }),
      ...options,
    });
    return { log, metrics };
  }

  async function countFor(ids: readonly string[]): Promise<number> {
    return (await store.findByIds(ids)).length;
  }

  it('a full buffer drops and counts (metrics and one log line per flush), never throws; flush writes what was kept', async () => {
    const { log, metrics } = writer();
    const records = Array.from({ length: 8 }, () => record());
    for (const r of records) log.record(r);
    assert.deepEqual(log.stats(), { buffered: 5, written: 0, droppedFull: 3, droppedFailed: 0 });
    await log.flush();
    assert.deepEqual(log.stats(), { buffered: 0, written: 5, droppedFull: 3, droppedFailed: 0 });
    assert.equal(await countFor(records.map((r) => r.id)), 5);
    assert.deepEqual(await countFor(records.slice(5).map((r) => r.id)), 0, 'the dropped ones were the last three');
    const text = await metrics.render();
    assert.match(text, /warden_prediction_log_dropped_total\{reason="buffer-full"\} 3/);
    assert.match(text, /warden_prediction_log_written_total 5/);
    const warning = logs.find((l) => l.message.startsWith('prediction log buffer full'));
    assert.equal(warning?.fields.dropped, 3);
  });

  it('failed requests wait under a bound of their own, so a buffer full of answers never crowds them out; the guardrails read them once written', async () => {
    const { log } = writer({ maxBuffer: 2 });
    for (let i = 0; i < 3; i++) log.record(record(now.value));
    const failure = (requestId: string) => ({ requestId, model: 'm-fail', version: 2, semver: 'v1.1', arm: 'candidate', inputs: 2, code: 'INTERNAL', latencyMs: 0.1, createdAt: now.value });
    log.recordFailure(failure('f-1'));
    log.recordFailure(failure('f-2'));
    log.recordFailure(failure('f-3'));
    assert.deepEqual(log.stats(), { buffered: 4, written: 0, droppedFull: 2, droppedFailed: 0 }, 'one answer and one failure over their bounds');
    await log.flush();
    assert.deepEqual((await store.armReadings('m-fail', 2, 'candidate', 0)).errors, 4, 'two failed requests of two texts each');
  });

  it('writes a full batch at once, without waiting for the interval', async () => {
    const { log } = writer({ maxBuffer: 100, batchSize: 3 });
    const records = [record(), record(), record()];
    for (const r of records) log.record(r);
    await until(async () => (await countFor(records.map((r) => r.id))) === 3, 'the full batch to be written', { timeoutMs: 5_000 });
    assert.equal(log.stats().written, 3);
  });

  it('writes on the interval once started, and close writes what is left and refuses later records (counted)', async () => {
    const { log } = writer({ maxBuffer: 100, flushIntervalMs: 20 });
    log.start();
    const first = record();
    log.record(first);
    await until(async () => (await countFor([first.id])) === 1, 'the interval flush', { timeoutMs: 5_000 });
    const { log: closing } = writer({ maxBuffer: 100 });
    const left = [record(), record()];
    for (const r of left) closing.record(r);
    await closing.close();
    assert.equal(await countFor(left.map((r) => r.id)), 2);
    closing.record(record());
    assert.equal(closing.stats().droppedFull, 1);
    await log.close();
  });

  it('a batch the store refuses is dropped and counted, and the writer keeps working afterwards', async () => {
    const broken = await openTestDatabase('sqlite');
    const failing = new SqlPredictionStore(broken.database);
    await broken.cleanup(); // the database is closed: every write fails for real
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const log = new PredictionLog({ store: failing, clock: { now: () => now.value }, metrics, maxBuffer: 10, batchSize: 10, flushIntervalMs: 60_000, retentionMs: 1_000 });
    log.record(record());
    log.record(record());
    await log.flush();
    assert.deepEqual(log.stats(), { buffered: 0, written: 0, droppedFull: 0, droppedFailed: 2 });
    assert.match(await metrics.render(), /warden_prediction_log_dropped_total\{reason="write-failed"\} 2/);
    log.record(record());
    assert.equal(log.stats().buffered, 1, 'records are still taken after a failed write');
  });

  it('deleteExpired removes predictions older than the retention, by the clock', async () => {
    const { log } = writer({ maxBuffer: 100, retentionMs: 1_000 });
    const old = record(now.value - 5_000);
    const fresh = record(now.value - 10);
    log.record(old);
    log.record(fresh);
    await log.flush();
    const deleted = await log.deleteExpired();
    assert.ok(deleted >= 1);
    assert.equal(await countFor([old.id]), 0);
    assert.equal(await countFor([fresh.id]), 1);
  });
});
