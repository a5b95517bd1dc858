import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

  it('sqliteSync normal: WAL + synchronous NORMAL (fsync at checkpoints only)', async () => {
    assert.deepEqual(await pragmas({ sqliteSync: 'normal' }), { synchronous: 1, journal: 'wal' });
  });

  it('group commit: concurrent transactions share a commit, yet each is answered only once another connection sees it, and a failed one rolls back alone', async () => {
    const file = path.join(dir, 'group.db');
    const database = await openSqlDatabase(`sqlite:${file}`);
    const other = new Database(file, { readonly: true });
    try {
      await sql`create table t (id integer primary key, v text not null)`.execute(database.db);
      const seenOnAnswer: boolean[] = [];
      const writes = Array.from({ length: 20 }, (_, i) =>
        database.db.transaction().execute(async (trx) => {
          await sql`insert into t (id, v) values (${i}, ${`row ${i}`})`.execute(trx);
          if (i === 7) throw new Error('refused');
          // A second statement after an await: the other transactions interleave their turns here.
          await sql`update t set v = v || ' done' where id = ${i}`.execute(trx);
        }).then(() => {
          // What another process would read the moment the writer is answered.
          seenOnAnswer.push(other.prepare('select v from t where id = ?').get(i) !== undefined);
        }),
      );
      const results = await Promise.allSettled(writes);
      assert.deepEqual(results.map((r) => r.status), results.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
      assert.deepEqual(seenOnAnswer, Array.from({ length: 19 }, () => true));
      const rows = other.prepare('select id, v from t order by id').all() as Array<{ id: number; v: string }>;
      assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7));
      assert.ok(rows.every((r) => r.v.endsWith(' done')));
      // A plain read while a group is open joins it and is answered after its commit too.
      const [, count] = await Promise.all([
        database.db.transaction().execute((trx) => sql`insert into t (id, v) values (100, 'late')`.execute(trx)),
        sql<{ n: number }>`select count(*) as n from t`.execute(database.db),
      ]);
      assert.equal(count.rows[0]!.n, 20);
      assert.equal((other.prepare('select count(*) as n from t').get() as { n: number }).n, 20);
    } finally {
      other.close();
      await database.close();
    }
  });
});
