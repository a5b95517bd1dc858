import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect as KyselySqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver, type Selectable, type SqliteDialectConfig } from 'kysely';
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
  const db = new Kysely<DatabaseSchema>({ dialect: new GroupCommitSqliteDialect({ database: connection }) });
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

/**
 * Group commit: with `synchronous = FULL` every COMMIT waits for an fsync of the WAL (0.1 ms on
 * a quiet disk, milliseconds on a busy one), so one commit per request caps writes at one fsync
 * each. Here the transactions that arrive while others run share one real transaction: the
 * first opens it (BEGIN IMMEDIATE, so it holds the write lock and never reads a stale snapshot),
 * each Kysely transaction is a savepoint inside it (its rollback undoes only its own work), and
 * the real COMMIT runs once the connection is free (setImmediate, queued behind whatever
 * already waits). Nobody is answered before that COMMIT: releasing the connection waits for
 * it, so an acknowledged write is durable exactly as with one commit each, and a failed COMMIT
 * fails every member. A query outside a transaction that runs while a group is open (a read, a
 * single write) joins it and also waits for its COMMIT.
 */
class GroupCommitSqliteDialect extends KyselySqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.settings);
  }
}

const SAVEPOINT = 'warden_tx';

interface Group {
  readonly committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

class GroupCommitSqliteDriver extends SqliteDriver {
  private group: Group | undefined;
  private commitScheduled = false;

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.group === undefined) {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const committed = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Members await it; a failure is theirs to see, never an unhandled rejection here.
      committed.catch(() => undefined);
      this.group = { committed, resolve, reject };
    }
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${SAVEPOINT}`));
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${SAVEPOINT}`));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${SAVEPOINT}`));
    await connection.executeQuery(CompiledQuery.raw(`release ${SAVEPOINT}`));
  }

  override async releaseConnection(): Promise<void> {
    const group = this.group;
    await super.releaseConnection();
    if (group === undefined) return;
    this.scheduleCommit();
    await group.committed;
  }

  override async destroy(): Promise<void> {
    if (this.group !== undefined) await this.commitGroup();
    await super.destroy();
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      void this.commitGroup();
    });
  }

  /** Takes the connection in turn (after the queries already waiting for it) and commits the open group. */
  private async commitGroup(): Promise<void> {
    const connection = await this.acquireConnection();
    const group = this.group;
    this.group = undefined;
    try {
      if (group === undefined) return;
      try {
        await connection.executeQuery(CompiledQuery.raw('commit'));
        group.resolve();
      } catch (error) {
        await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
        group.reject(error);
      }
    } finally {
      await super.releaseConnection();
    }
  }
}
