import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import path from 'node:path';
import { WardenError } from '../../domain/errors.js';
import type { DatabaseSchema } from './schema.js';
import { createPrivateFile } from '../home-folder.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/** An open metadata database: the Kysely handle plus what adapters need to know about it. */
export interface SqlDatabase {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: SqlDialectName;
  /**
   * PostgreSQL only: holds one connection that LISTENs on `channel` and calls `onNotify` per
   * notification; `onError` when that connection breaks (listening stops). Returns the stopper.
   */
  readonly listen?: (channel: string, onNotify: (payload: string) => void, onError: (error: unknown) => void) => Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * SQLite only: when a commit reaches the disk. `full` (the default) fsyncs the WAL at every
 * commit, so an acknowledged commit survives a power cut; `normal` fsyncs only at checkpoints,
 * so the commits since the last checkpoint (up to about 1,000 pages of WAL) can be lost on a
 * power cut or OS crash — never on a process crash — and the database stays consistent.
 */
export type SqliteSyncMode = 'full' | 'normal';

export interface OpenOptions {
  /** SQLite only: see SqliteSyncMode; default `full`. */
  sqliteSync?: SqliteSyncMode;
  /** PostgreSQL only: the schema to use (created if missing); isolates test runs. */
  schema?: string;
  /** PostgreSQL only: pool size. */
  poolSize?: number;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/** Opens `sqlite:<file>` (or `sqlite::memory:`) or `postgres://…`. The caller runs migrations. */
export async function openSqlDatabase(url: string, options: OpenOptions = {}): Promise<SqlDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.sqliteSync ?? 'full');
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new WardenError('VALIDATION_FAILED', `unknown store URL scheme in "${url}"; valid: sqlite:, postgres://`, { field: 'WARDEN_STORE_URL' });
}

function openSqlite(file: string, sync: SqliteSyncMode): SqlDatabase {
  // Created 0600 before SQLite opens it: SQLite gives its -wal/-shm files the database file's mode.
  if (file !== ':memory:') createPrivateFile(path.resolve(file));
  const connection = new Database(file);
  connection.pragma('journal_mode = WAL');
  // In WAL mode FULL costs one fsync of the WAL per commit (about 0.1 ms here), not of the database.
  connection.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  cachePreparedStatements(connection);
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
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

async function openPostgres(url: string, options: OpenOptions): Promise<SqlDatabase> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new WardenError('VALIDATION_FAILED', `invalid PostgreSQL schema name "${schema}"`, { field: 'schema' });
  }
  // Loaded on use: an embedded (SQLite) start need not pay for the PostgreSQL driver.
  const { default: pgDriver } = await import('pg');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      // int8 counts and epoch-millisecond timestamps fit in a double; numeric metrics are floats.
      if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => Number(value);
      return pgDriver.types.getTypeParser(oid, format);
    },
  };
  const pool = new pgDriver.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: types as pg.CustomTypesConfig,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new WardenError('STORE_UNAVAILABLE', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  const listen = async (channel: string, onNotify: (payload: string) => void, onError: (error: unknown) => void) => {
    const client = await pool.connect();
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.removeAllListeners('notification');
      client.release(error);
    };
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    client.on('error', (error) => {
      release(error); // a broken connection must not go back to the pool
      onError(error);
    });
    try {
      await client.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    return async () => {
      if (released) return;
      await client.query(`UNLISTEN "${channel.replaceAll('"', '""')}"`).catch(() => undefined);
      release();
    };
  };
  return { db, dialect: 'postgres', listen, close: () => db.destroy() };
}

/** Drops a PostgreSQL schema and everything in it (tests use one schema per run). */
export async function dropPostgresSchema(database: SqlDatabase, schema: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
