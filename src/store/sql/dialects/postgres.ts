import { Kysely, PostgresDialect as KyselyPostgresDialect, sql, type Selectable } from 'kysely';
import type pg from 'pg';
import { WardenError } from '../../../domain/errors.js';
import type { DatabaseSchema } from '../schema.js';
import type { OpenOptions, SqlDatabase, SqlDialect } from './dialect.js';

/**
 * The NOTIFY channel of this schema's outbox: one per schema, so deployments (and test runs)
 * sharing a PostgreSQL database do not wake each other. 63 bytes is PostgreSQL's name limit.
 */
const EVENT_CHANNEL = "left('warden_ev_' || current_schema(), 63)";

/** PostgreSQL: row locks, many writers at once, LISTEN/NOTIFY; every statement is a round trip. */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  // The wire protocol allows 65,535 bound parameters per statement.
  maxParameters: 60_000,
  skipLocked: (query) => query.forUpdate().skipLocked(),
  forShare: (query) => query.forShare(),
  async lockRow(trx, table, column, value) {
    const result = await sql<Selectable<DatabaseSchema[typeof table]>>`
      select * from ${sql.table(table)} where ${sql.ref(column)} = ${value} for update`.execute(trx);
    return result.rows[0];
  },
  jsonAggregate: { object: sql.raw('json_object_agg'), array: sql.raw('json_build_array') },
  // pg parses json columns itself.
  readJsonAggregate: (value) => value,
  async sequenceEvents(trx, types) {
    // A transaction-scoped advisory lock, held from here to commit, makes writers take numbers
    // one at a time (hence last in the transaction: the lock is held only for the commit).
    // NOTIFY is sent at commit whatever its place, so both go in one round trip; the payload
    // names the types, so processes not subscribed to them read nothing.
    await sql`select pg_advisory_xact_lock(hashtext('warden_outbox.' || current_schema())), pg_notify(${sql.raw(EVENT_CHANNEL)}, ${types.join(',')})`.execute(trx);
  },
  async migrationTableSchema(db) {
    // Kysely looks for its bookkeeping tables in every schema unless told which one: with
    // several test schemas in one database it would find another run's tables.
    const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    return result.rows[0]?.schema;
  },
  // Kysely's table check scans every schema of the database; another tenant dropping its
  // schema during that scan raises 3F000 (invalid schema name) for a schema that is not ours,
  // or 42P01 (undefined table) when the scan's pg_get_serial_sequence looks up a table of that
  // schema by name after the drop (seen in CI: 'relation "t_….prediction_errors" does not exist').
  isTransientMigrationError: (error) => {
    const code = (error as { code?: unknown } | undefined)?.code;
    return code === '3F000' || code === '42P01';
  },
  async logBatchInOneStatement(db, runId, batch) {
    // Data-modifying CTEs write three tables in one round trip; rows travel as arrays (unnest),
    // so the parameter count does not grow with the batch.
    const { metrics, latest, tags, accepting } = batch;
    const onlyTags = metrics.length === 0;
    const result = await sql<{ status: string }>`
      with run as (select id, status from runs where id = ${runId} for share),
      accepted as (select id from run where status = any(${[...accepting]}::text[]) or ${onlyTags}::boolean),
      history as (
        insert into run_metrics (run_id, key, value, step, "timestamp")
        select accepted.id, v.key, v.value, v.step, v.ts from accepted
        cross join unnest(${metrics.map((m) => m.key)}::text[], ${metrics.map((m) => m.value)}::float8[], ${metrics.map((m) => m.step)}::int8[], ${metrics.map((m) => m.timestamp)}::int8[]) as v(key, value, step, ts)
        returning 1
      ),
      latest as (
        insert into run_latest_metrics (run_id, key, value, step, "timestamp")
        select accepted.id, v.key, v.value, v.step, v.ts from accepted
        cross join unnest(${latest.map((m) => m.key)}::text[], ${latest.map((m) => m.value)}::float8[], ${latest.map((m) => m.step)}::int8[], ${latest.map((m) => m.timestamp)}::int8[]) as v(key, value, step, ts)
        on conflict (run_id, key) do update set value = excluded.value, step = excluded.step, "timestamp" = excluded."timestamp"
        where (excluded.step, excluded."timestamp", excluded.value) > (run_latest_metrics.step, run_latest_metrics."timestamp", run_latest_metrics.value)
        returning 1
      ),
      tags as (
        insert into run_tags (run_id, key, value)
        select accepted.id, v.key, v.value from accepted
        cross join unnest(${tags.map((t) => t.key)}::text[], ${tags.map((t) => t.value)}::text[]) as v(key, value)
        on conflict (run_id, key) do update set value = excluded.value
        returning 1
      )
      select status from run`.execute(db);
    return result.rows[0]?.status;
  },
};

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/** Opens a pool on `url` (creating `options.schema` if missing). */
export async function openPostgres(url: string, options: OpenOptions): Promise<SqlDatabase> {
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
  const db = new Kysely<DatabaseSchema>({ dialect: new KyselyPostgresDialect({ pool }) });
  const listenForEvents = async (wake: (types: readonly string[]) => void, onError: (error: unknown) => void) => {
    const client = await pool.connect();
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.removeAllListeners('notification');
      client.release(error);
    };
    client.on('error', (error) => {
      release(error); // a broken connection must not go back to the pool
      onError(error);
    });
    let quoted: string;
    try {
      const channel = (await client.query<{ channel: string }>(`select ${EVENT_CHANNEL} as channel`)).rows[0]?.channel ?? '';
      client.on('notification', (message) => {
        if (message.channel === channel) wake((message.payload ?? '').split(','));
      });
      quoted = `"${channel.replaceAll('"', '""')}"`;
      await client.query(`LISTEN ${quoted}`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    return async () => {
      if (released) return;
      await client.query(`UNLISTEN ${quoted}`).catch(() => undefined);
      release();
    };
  };
  return { db, dialect: postgresDialect, listenForEvents, close: () => db.destroy() };
}

/** Drops a PostgreSQL schema and everything in it (tests use one schema per run). */
export async function dropPostgresSchema(database: SqlDatabase, schema: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
