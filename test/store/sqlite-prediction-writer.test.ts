import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { migrateToLatest } from '../../src/store/sql/migrations/index.js';
import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import { SqlitePredictionWriter, isSqliteFileUrl } from '../../src/store/sql/sqlite-prediction-writer.js';
import type { PredictionRecord } from '../../src/domain/serving.js';
import { predictionStoreContract } from '../contract/prediction-store.contract.js';
import { openTestDatabase } from '../support/stores.js';

// The whole contract with the inserts made by the writer thread and every read on the main connection.
predictionStoreContract('SqlPredictionStore on sqlite, inserts by the writer thread', async () => {
  const test = await openTestDatabase('sqlite');
  const writer = new SqlitePredictionWriter({ url: test.url, sqliteSync: 'full' });
  return {
    store: new SqlPredictionStore(test.database, writer),
    async cleanup() {
      await writer.close();
      await test.cleanup();
    },
  };
});

function record(id: string): PredictionRecord {
  return {
    id,
    requestId: id,
    model: 'spam',
    version: 1,
    semver: 'v1.0',
    arm: 'production',
    label: 1,
    probability: 0.9,
    score: 2.2,
    latencyMs: 0.25,
    chars: 10,
    nonAsciiShare: 0,
    urlCount: 0,
    createdAt: 1_000,
  };
}

describe('SqlitePredictionWriter', () => {
  it('close waits for the batches already sent, then refuses new ones', async () => {
    const test = await openTestDatabase('sqlite');
    const writer = new SqlitePredictionWriter({ url: test.url, sqliteSync: 'normal' });
    const store = new SqlPredictionStore(test.database, writer);
    try {
      const ids = Array.from({ length: 1_200 }, (_, i) => `r${i}`);
      const sent = [store.insertMany(ids.slice(0, 600).map(record)), store.insertMany(ids.slice(600).map(record))];
      await writer.close();
      await Promise.all(sent);
      assert.equal((await store.findByIds(ids)).length, 1_200);
      await assert.rejects(store.insertMany([record('late')]), /closed/);
    } finally {
      await writer.close();
      await test.cleanup();
    }
  });

  it('opened ahead of its first batch, it writes on the thread it started; open after close starts nothing', async () => {
    const test = await openTestDatabase('sqlite');
    const writer = new SqlitePredictionWriter({ url: test.url, sqliteSync: 'normal' });
    const store = new SqlPredictionStore(test.database, writer);
    try {
      writer.open();
      writer.open();
      await store.insertMany([record('early')]);
      assert.equal((await store.findByIds(['early'])).length, 1);
      await writer.close();
      writer.open();
      await assert.rejects(store.insertMany([record('late')]), /closed/);
    } finally {
      await writer.close();
      await test.cleanup();
    }
  });

  it('a batch the database refuses rejects with its error, and the thread writes the next one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-writer-'));
    // A file without the schema: inserts fail until the migrations have run.
    const url = `sqlite:${path.join(dir, 'warden.db')}`;
    const writer = new SqlitePredictionWriter({ url, sqliteSync: 'normal' });
    const database = await openSqlDatabase(url);
    try {
      await assert.rejects(writer.insertMany([record('a')]), /no such table: predictions/);
      await assert.rejects(
        writer.insertFailures([{ requestId: 'a', model: 'spam', version: 1, semver: 'v1.0', arm: 'candidate', inputs: 1, code: 'INTERNAL', latencyMs: 1, createdAt: 1 }]),
        /no such table: prediction_errors/,
      );
      await migrateToLatest(database);
      await writer.insertMany([record('b')]);
      assert.deepEqual((await new SqlPredictionStore(database).findByIds(['a', 'b'])).map((p) => p.id), ['b']);
    } finally {
      await writer.close();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs a file a second connection can open', () => {
    assert.equal(isSqliteFileUrl('sqlite:/tmp/w.db'), true);
    assert.equal(isSqliteFileUrl('sqlite::memory:'), false);
    assert.equal(isSqliteFileUrl('postgres://x/y'), false);
    assert.throws(() => new SqlitePredictionWriter({ url: 'sqlite::memory:', sqliteSync: 'full' }), /SQLite file/);
  });
});
