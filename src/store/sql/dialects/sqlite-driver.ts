import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/**
 * Kysely's SQLite dialect made safe for several writers on one file: other processes, and
 * other connections of this process (two platforms in one test process, the prediction
 * writer's thread).
 *
 * Every transaction begins IMMEDIATE: it takes the write lock at BEGIN, where busy_timeout
 * waits for a writer in another process. A deferred transaction that read and then wrote
 * failed instead with SQLITE_BUSY_SNAPSHOT whenever another process had committed since its
 * read (busy_timeout cannot help: its snapshot is stale), on every path not wrapped in a retry.
 *
 * busy_timeout waits synchronously, which is fine while the lock holder is another process or
 * thread but stalls for the whole timeout when it is another connection on this thread: the
 * holder needs this very event loop to finish its transaction. So before a connection writes
 * (BEGIN IMMEDIATE, or a write outside a transaction) it takes this process's gate for the
 * file, an async queue: connections of one thread wait for each other without blocking it,
 * and only ever wait synchronously for other processes.
 */
export class GatedSqliteDialect extends SqliteDialect {
  readonly #database: Database.Database;
  readonly #gateKey: string | undefined;
  readonly #gateTimeoutMs: number;

  /** `gateKey`: the resolved file path (undefined for `:memory:`, a database of its own). */
  constructor(database: Database.Database, gateKey: string | undefined, gateTimeoutMs: number) {
    super({ database });
    this.#database = database;
    this.#gateKey = gateKey;
    this.#gateTimeoutMs = gateTimeoutMs;
  }

  override createDriver(): Driver {
    return new GatedSqliteDriver(super.createDriver(), this.#database, this.#gateKey, this.#gateTimeoutMs);
  }

  // SQLite runs DDL in transactions. Kysely's adapter says it does not, so its Migrator ran
  // each migration bare, under no lock: two processes starting on one file both applied them.
  // Transactional, the run is one IMMEDIATE transaction: the second waits, then finds none pending.
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** The one connection of a Kysely SQLite driver, and whether it holds the gate for a transaction. */
class GatedConnection implements DatabaseConnection {
  /** Set while a transaction holds the gate: gives it back. */
  release: (() => void) | undefined;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly database: Database.Database,
    private readonly gate: () => Promise<() => void>,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Inside a transaction the gate is held already; reads never need it (WAL readers do not block).
    if (this.release !== undefined || this.database.prepare(query.sql).readonly) return this.inner.executeQuery<R>(query);
    const release = await this.gate();
    try {
      return await this.inner.executeQuery<R>(query);
    } finally {
      release();
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    // Kysely streams SELECTs only.
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class GatedSqliteDriver implements Driver {
  #connection: GatedConnection | undefined;

  constructor(
    private readonly inner: Driver,
    private readonly database: Database.Database,
    private readonly gateKey: string | undefined,
    private readonly gateTimeoutMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely's driver has a single connection and hands it out to one caller at a time.
    const inner = await this.inner.acquireConnection();
    if (this.#connection?.inner !== inner) this.#connection = new GatedConnection(inner, this.database, () => acquireGate(this.gateKey, this.gateTimeoutMs));
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    const release = await acquireGate(this.gateKey, this.gateTimeoutMs);
    try {
      await gated.inner.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      release();
      throw error;
    }
    gated.release = release;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    // A failed COMMIT may leave the transaction open: Kysely then rolls back, which releases.
    await this.inner.commitTransaction(gated.inner);
    releaseHeld(gated);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    try {
      await this.inner.rollbackTransaction(gated.inner);
    } finally {
      releaseHeld(gated);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint!((connection as GatedConnection).inner, name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint!((connection as GatedConnection).inner, name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint!((connection as GatedConnection).inner, name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as GatedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function releaseHeld(connection: GatedConnection): void {
  const release = connection.release;
  connection.release = undefined;
  release?.();
}

/** A FIFO lock: the holder, and the grants of those waiting in turn. */
interface Gate {
  held: boolean;
  readonly waiting: Array<() => void>;
}

/** This process's (this thread's) gates by file; a gate is dropped when nobody holds or waits for it. */
const gates = new Map<string, Gate>();

/**
 * Waits for the file's gate and returns its release. Gives up after `timeoutMs` with SQLITE_BUSY,
 * as busy_timeout does for another process: a transaction that awaits a write through another
 * connection to its own file would otherwise wait forever, and a retried transaction retries it.
 */
function acquireGate(key: string | undefined, timeoutMs: number): Promise<() => void> {
  if (key === undefined) return Promise.resolve(() => undefined);
  let gate = gates.get(key);
  if (gate === undefined) {
    gate = { held: false, waiting: [] };
    gates.set(key, gate);
  }
  const owned = gate;
  const releaser = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = owned.waiting.shift();
      if (next !== undefined) return next();
      owned.held = false;
      gates.delete(key);
    };
  };
  if (!owned.held) {
    owned.held = true;
    return Promise.resolve(releaser());
  }
  return new Promise((resolve, reject) => {
    const grant = () => {
      clearTimeout(timer);
      resolve(releaser());
    };
    const timer = setTimeout(() => {
      owned.waiting.splice(owned.waiting.indexOf(grant), 1);
      reject(Object.assign(new Error(`database is locked: another connection of this process held the write lock for ${timeoutMs} ms`), { code: 'SQLITE_BUSY' }));
    }, timeoutMs);
    owned.waiting.push(grant);
  });
}
