/**
 * The prediction writer's thread (see sqlite-prediction-writer.ts): its own connection to the
 * SQLite file, the rows SqlPredictionStore writes, one batch at a time in arrival order.
 *
 * A batch is one precompiled multi-row INSERT (SQLite's `?` placeholders: this thread only ever
 * writes SQLite) per 500 rows in one transaction, as SqlPredictionStore's insertMany does; built
 * through the query builder, 13,000 values a statement cost about as much again as SQLite's work.
 */
import { CompiledQuery } from 'kysely';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlDatabase, type SqlDatabase } from './database.js';
import { toErrorRow, toRow } from './sql-prediction-store.js';
import type { PredictionWriterReply, PredictionWriterRequest, PredictionWriterSetup } from './sqlite-prediction-writer.js';

/** Rows per statement: 26 columns × 500 stays far below SQLite's bound-parameter limit. */
const CHUNK = 500;

const port = parentPort;
if (port === null) throw new Error('sqlite-prediction-writer-worker runs as a worker thread');
const setup = workerData as PredictionWriterSetup;
// Listening starts at once; batches wait for the connection (a failure to open is each batch's error).
const ready = openSqlDatabase(setup.url, { sqliteSync: setup.sqliteSync });
ready.catch(() => undefined);

/** SQL texts by table and row count (a full chunk repeats; better-sqlite3's statements are cached by text). */
const statements = new Map<string, string>();
function insertSql(table: string, columns: readonly string[], conflict: readonly string[], rows: number): string {
  const key = `${table}:${rows}`;
  let text = statements.get(key);
  if (text === undefined) {
    const row = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')} on conflict (${conflict.map((c) => `"${c}"`).join(', ')}) do nothing`;
    statements.set(key, text);
  }
  return text;
}

async function insertRows(database: SqlDatabase, table: string, conflict: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const values: unknown[] = [];
      for (const row of chunk) for (const column of columns) values.push(row[column]);
      await trx.executeQuery(CompiledQuery.raw(insertSql(table, columns, conflict, chunk.length), values));
    }
  });
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: PredictionWriterRequest) => {
  queue = queue.then(async () => {
    let reply: PredictionWriterReply;
    try {
      const database = await ready;
      if (request.kind === 'insertMany') await insertRows(database, 'predictions', ['id'], request.records.map(toRow) as unknown as Array<Record<string, unknown>>);
      else await insertRows(database, 'prediction_errors', ['request_id', 'arm'], request.records.map(toErrorRow) as unknown as Array<Record<string, unknown>>);
      reply = { id: request.id };
    } catch (error) {
      reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
});
