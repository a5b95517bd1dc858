/**
 * Opens a fresh, migrated metadata database of each kind for a test file.
 * SQLite: a temporary file. PostgreSQL: a schema of its own in the `test` database
 * (WARDEN_TEST_PG_URL), dropped afterwards, so parallel runs never collide.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { dropPostgresSchema, openSqlDatabase, type SqlDatabase, type SqlDialectName } from '../../src/store/sql/database.js';
import { migrateToLatest } from '../../src/store/sql/migrations/index.js';
import { until } from './wait.js';

export const STORE_KINDS: readonly SqlDialectName[] = ['sqlite', 'postgres'];

export const TEST_PG_URL = process.env.WARDEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.WARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  readonly database: SqlDatabase;
  /** The URL that reopens the same database (for restart tests); PostgreSQL needs `schema` too. */
  readonly url: string;
  readonly schema: string | undefined;
  cleanup(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function openTestDatabase(kind: SqlDialectName): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-test-'));
    const url = `sqlite:${path.join(dir, 'warden.db')}`;
    const database = await openSqlDatabase(url);
    await migrateToLatest(database);
    return {
      database,
      url,
      schema: undefined,
      async cleanup() {
        await database.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = uniqueName('t');
  const database = await openSqlDatabase(TEST_PG_URL, { schema });
  await migrateToLatest(database);
  return {
    database,
    url: TEST_PG_URL,
    schema,
    async cleanup() {
      await dropPostgresSchema(database, schema);
      await database.close();
    },
  };
}

/**
 * A PostgreSQL database of its own (not a schema): for Warden processes started by a test,
 * which take only WARDEN_STORE_URL. Empty, not migrated; `cleanup` drops it, ending its sessions.
 */
export async function createTestPgDatabase(prefix: string): Promise<{ readonly url: string; cleanup(): Promise<void> }> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = await openSqlDatabase(TEST_PG_URL, { poolSize: 1 });
  try {
    await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async cleanup() {
      const again = await openSqlDatabase(TEST_PG_URL, { poolSize: 1 });
      try {
        // pg's pool.end() resolves before its connections have closed: let them close (FORCE
        // would make them fail in the test process), then end whatever is left, e.g. killed processes'.
        const sessions = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = ${name}`.execute(again.db)).rows[0]?.n;
        await until(async () => (await sessions()) === 0, `no sessions on ${name}`, { timeoutMs: 5_000 }).catch(() => undefined);
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(again.db);
      } finally {
        await again.close();
      }
    },
  };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'warden-test-'): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
