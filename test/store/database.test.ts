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

  it('sqliteSync normal: WAL + synchronous NORMAL (fsync at checkpoints only)', async () => {
    assert.deepEqual(await pragmas({ sqliteSync: 'normal' }), { synchronous: 1, journal: 'wal' });
  });
});
