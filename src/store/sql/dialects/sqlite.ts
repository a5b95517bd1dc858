import Database from 'better-sqlite3';
import { Kysely, SqliteDialect as KyselySqliteDialect, sql, type Selectable } from 'kysely';
import path from 'node:path';
import { createPrivateFile } from '../../home-folder.js';
import type { DatabaseSchema } from '../schema.js';
import type { SqlDatabase, SqlDialect, SqliteSyncMode } from './dialect.js';

/**
 * SQLite has one writer at a time and no row locks: a statement that writes is atomic on its
 * own, and a transaction that writes first holds the database write lock until it ends.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  // SQLite is compiled with at most 32,766 bound parameters per statement.
  maxParameters: 30_000,
  // Nothing to pass over: the claiming UPDATE holds the write lock from its first read.
  skipLocked: (query) => query,
  // Readers never block writers in WAL mode; a transaction that then writes takes the write
  // lock, and fails with SQLITE_BUSY_SNAPSHOT if another process wrote since it read.
  forShare: (query) => query,
  async lockRow(trx, table, column, value) {
    // A no-op write takes the database write lock at once, so a read-then-write transaction
    // in another process cannot interleave (a plain read would only take it at the first write).
    const result = await sql<Selectable<DatabaseSchema[typeof table]>>`
      update ${sql.table(table)} set ${sql.ref(column)} = ${sql.ref(column)} where ${sql.ref(column)} = ${value} returning *`.execute(trx);
    return result.rows[0];
  },
  jsonAggregate: { object: sql.raw('json_group_object'), array: sql.raw('json_array') },
  // SQLite returns JSON functions' results as text.
  readJsonAggregate: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  // One writer at a time already numbers events in commit order; readers poll, nobody to wake.
  sequenceEvents: async () => undefined,
  migrationTableSchema: async () => undefined,
  isTransientMigrationError: () => false,
};

/** Opens the SQLite file (or `:memory:`). */
export function openSqlite(file: string, sync: SqliteSyncMode): SqlDatabase {
  // Created 0600 before SQLite opens it: SQLite gives its -wal/-shm files the database file's mode.
  if (file !== ':memory:') createPrivateFile(path.resolve(file));
  const connection = new Database(file);
  connection.pragma('journal_mode = WAL');
  // In WAL mode FULL costs one fsync of the WAL per commit (about 0.1 ms here), not of the database.
  connection.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  cachePreparedStatements(connection);
  const db = new Kysely<DatabaseSchema>({ dialect: new KyselySqliteDialect({ database: connection }) });
  return { db, dialect: sqliteDialect, close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared per SQLite connection (oldest evicted first). */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as much as running a
 * small query. Queries repeat with the same SQL text (values are bound), so keep them prepared.
 * `all`/`run` finish before returning; a statement still busy streaming is never handed out twice.
 */
function cachePreparedStatements(connection: Database.Database): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, Database.Statement>();
  connection.prepare = ((source: string) => {
    let statement = cache.get(source);
    // A statement still iterating (a streamed query) cannot run again: prepare a fresh one.
    if (statement?.busy === true) return prepare(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof connection.prepare;
}
