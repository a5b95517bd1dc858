import Database from 'better-sqlite3';
import { Kysely, sql, type Selectable } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateFile } from '../../home-folder.js';
import type { DatabaseSchema } from '../schema.js';
import type { SqlDatabase, SqlDialect, SqliteSyncMode } from './dialect.js';
import { GatedSqliteDialect } from './sqlite-driver.js';
import { isRetryableConflict } from '../sql-errors.js';

/** How long a writer waits for the write lock (another process's, or another connection's of this one). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * SQLite has one writer at a time and no row locks: a statement that writes is atomic on its
 * own, and every transaction holds the database write lock from BEGIN to its end (see
 * sqlite-driver.ts), so transactions never interleave.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  // SQLite is compiled with at most 32,766 bound parameters per statement.
  maxParameters: 30_000,
  // Nothing to pass over: the claiming transaction holds the write lock from BEGIN.
  skipLocked: (query) => query,
  // The transaction holds the write lock from BEGIN: nobody else changes what it read.
  forShare: (query) => query,
  async lockRow(trx, table, column, value) {
    // The transaction holds the write lock from BEGIN: a plain read keeps the row as read.
    const result = await sql<Selectable<DatabaseSchema[typeof table]>>`
      select * from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(trx);
    return result.rows[0];
  },
  jsonAggregate: { object: sql.raw('json_group_object'), array: sql.raw('json_array') },
  // SQLite returns JSON functions' results as text.
  readJsonAggregate: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  // One writer at a time already numbers events in commit order; readers poll, nobody to wake.
  sequenceEvents: async () => undefined,
  migrationTableSchema: async () => undefined,
  // Another process held the write lock past busy_timeout (a long migration, a long write): run again.
  isTransientMigrationError: (error) => isRetryableConflict(error),
};

/** Opens the SQLite file (or `:memory:`). */
export function openSqlite(file: string, sync: SqliteSyncMode): SqlDatabase {
  // Created 0600 before SQLite opens it: SQLite gives its -wal/-shm files the database file's mode.
  if (file !== ':memory:') createPrivateFile(path.resolve(file));
  const connection = new Database(file);
  // First: switching a new file to WAL takes a lock that another process starting at the same
  // moment may hold, and without busy_timeout that is "database is locked" at once.
  connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  connection.pragma('journal_mode = WAL');
  // In WAL mode FULL costs one fsync of the WAL per commit (about 0.1 ms here), not of the database.
  connection.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  connection.pragma('foreign_keys = ON');
  cachePreparedStatements(connection);
  // One gate per file however it is named (relative, through a symlink).
  const gateKey = file === ':memory:' ? undefined : fs.realpathSync(path.resolve(file));
  const db = new Kysely<DatabaseSchema>({ dialect: new GatedSqliteDialect(connection, gateKey, BUSY_TIMEOUT_MS) });
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
