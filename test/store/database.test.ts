import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openSqlDatabase } from '../../src/store/sql/database.js';

describe('openSqlDatabase (SQLite)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-database-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function pragmas(options: Parameters<typeof openSqlDatabase>[1]): Promise<{ synchronous: number; journal: string }> {
    const database = await openSqlDatabase(`sqlite:${path.join(dir, `${Math.random().toString(36).slice(2)}.db`)}`, options);
    try {
      const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      return { synchronous: sync.rows[0]!.synchronous, journal: journal.rows[0]!.journal_mode };
    } finally {
      await database.close();
    }
  }

  it('fsyncs every commit by default (WAL + synchronous FULL), so an acknowledged commit survives a power cut', async () => {
    assert.deepEqual(await pragmas({}), { synchronous: 2, journal: 'wal' });
    assert.deepEqual(await pragmas({ sqliteSync: 'full' }), { synchronous: 2, journal: 'wal' });
  });

  it('two connections to one file on one thread interleave read-then-write transactions and writes without waiting on each other', async () => {
    const file = `sqlite:${path.join(dir, 'shared.db')}`;
    const [a, b] = [await openSqlDatabase(file), await openSqlDatabase(file)];
    try {
      await sql`create table counter (n integer primary key)`.execute(a.db);
      // Each transaction reads the last number, yields to the event loop (where the other
      // connection's work runs), then writes the next: they can only all commit one at a time.
      const next = (database: typeof a) =>
        database.db.transaction().execute(async (trx) => {
          const last = (await sql<{ n: number | null }>`select max(n) as n from counter where n < 1000`.execute(trx)).rows[0]!.n ?? 0;
          await new Promise((resolve) => setTimeout(resolve, 1));
          await sql`insert into counter (n) values (${last + 1})`.execute(trx);
        });
      // Writes outside a transaction too, while the other connection's transaction is open.
      const bare = (database: typeof a, n: number) => sql`insert into counter (n) values (${n})`.execute(database.db);
      const started = performance.now();
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? bare(i % 8 < 4 ? a : b, 1_000 + i) : next(i % 2 === 0 ? a : b))));
      const elapsed = performance.now() - started;
      const rows = (await sql<{ n: number }>`select n from counter where n < 1000 order by n`.execute(b.db)).rows.map((row) => row.n);
      assert.deepEqual(rows, Array.from({ length: 30 }, (_, i) => i + 1), 'every read-then-write saw the one before');
      // A connection that waited synchronously for the other (busy_timeout) would take 5 s and fail.
      assert.ok(elapsed < 1_000, `took ${Math.round(elapsed)} ms`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('sqliteSync normal: WAL + synchronous NORMAL (fsync at checkpoints only)', async () => {
    assert.deepEqual(await pragmas({ sqliteSync: 'normal' }), { synchronous: 1, journal: 'wal' });
  });
});
