import type { Kysely, RawBuilder, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Everything SQLite and PostgreSQL do differently, so the stores write one code path.
 * Each database implements it in its own file (`sqlite.ts`, `postgres.ts`); only
 * `../database.ts` names them, when it opens the database. A store asks its dialect
 * instead of testing which database it runs on (eslint refuses `dialect === …` in src/).
 */
export interface SqlDialect {
  /** For people (health, the start-up banner), never for branching. */
  readonly name: SqlDialectName;

  /** Bound parameters one statement may carry, with headroom under the engine's limit. */
  readonly maxParameters: number;

  /**
   * Marks a subquery that picks rows for an UPDATE so that concurrent claimers pass over the
   * rows another transaction is claiming instead of queueing behind it (one writer on SQLite).
   */
  skipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;

  /** Keeps the rows read unchanged by others until the transaction ends, without blocking other readers. */
  forShare<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;

  /**
   * Reads the row whose `column` is `value` and holds it against other writers until the
   * transaction ends, so a read-then-write transaction cannot interleave with another.
   */
  lockRow<T extends keyof DatabaseSchema & string>(
    trx: Transaction<DatabaseSchema>,
    table: T,
    column: keyof DatabaseSchema[T] & string,
    value: string,
  ): Promise<Selectable<DatabaseSchema[T]> | undefined>;

  /** Aggregate functions folding child rows into one JSON column: `object(key, value)` and `array(a, b, …)`. */
  readonly jsonAggregate: { readonly object: RawBuilder<unknown>; readonly array: RawBuilder<unknown> };

  /** Reads a column built with {@link jsonAggregate} (`null` over no rows). */
  readJsonAggregate(value: unknown): unknown;

  /**
   * Run last in a transaction that records outbox events: makes concurrent writers take
   * sequence numbers in commit order, and wakes the processes listening for `types` once
   * the transaction commits.
   */
  sequenceEvents(trx: Transaction<DatabaseSchema>, types: readonly string[]): Promise<void>;

  /** The schema Kysely's migration bookkeeping tables live in (undefined: the default). */
  migrationTableSchema(db: Kysely<DatabaseSchema>): Promise<string | undefined>;

  /** A migration run that failed for a reason outside this database and may simply run again. */
  isTransientMigrationError(error: unknown): boolean;

  /**
   * Writes a batch of metrics and tags (no params) in one statement, its own transaction, with
   * the run row share-locked; nothing is written unless the run's status is one of `accepting`
   * (or the batch holds tags only). Returns the run's status, undefined if there is no such run.
   * Absent where one statement cannot write several tables (SQLite, where the statements of a
   * transaction cost no round trip anyway): the store then writes in a transaction.
   */
  readonly logBatchInOneStatement?: (db: Kysely<DatabaseSchema>, runId: string, batch: OneStatementBatch) => Promise<string | undefined>;
}

export interface BatchRow {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
}

export interface OneStatementBatch {
  readonly metrics: readonly BatchRow[];
  /** The newest point per key among `metrics` (one upsert per key). */
  readonly latest: readonly BatchRow[];
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  /** Run statuses that accept metrics. */
  readonly accepting: readonly string[];
}

/** An open metadata database: the Kysely handle plus its dialect. */
export interface SqlDatabase {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: SqlDialect;
  /**
   * Where the database can announce commits (PostgreSQL LISTEN/NOTIFY): holds one connection
   * that calls `wake` with the event types each committed transaction recorded (see
   * {@link SqlDialect.sequenceEvents}); `onError` when that connection breaks (listening
   * stops). Returns the stopper. Absent on SQLite: readers poll.
   */
  readonly listenForEvents?: (wake: (types: readonly string[]) => void, onError: (error: unknown) => void) => Promise<() => Promise<void>>;
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
