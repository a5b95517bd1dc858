/**
 * The prediction log's inserts on a SQLite file, made by a worker thread over a connection of
 * its own. better-sqlite3 runs a statement, and the commit's fsync (WARDEN_SQLITE_SYNC=full),
 * on the calling thread: a 500-row batch held the event loop for milliseconds, and every
 * request in flight waited for it (the p99 tail of bench:serve at a steady 1,000 req/s).
 * Reads and every other write stay on the main connection; WAL lets the two connections share
 * the file as two API processes do (busy_timeout covers a moment's contention for the write lock).
 *
 * A batch resolves once committed (so a flush followed by a read finds it), or rejects with the
 * worker's error; a worker that dies rejects what it held and the next batch starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { FailedPredictionRecord, PredictionRecord } from '../../domain/serving.js';
import type { SqliteSyncMode } from './database.js';

/** What the worker is told at start: the file to open and how commits are synced. */
export interface PredictionWriterSetup {
  readonly url: string;
  readonly sqliteSync: SqliteSyncMode;
}

export type PredictionWriterRequest =
  | { readonly id: number; readonly kind: 'insertMany'; readonly records: readonly PredictionRecord[] }
  | { readonly id: number; readonly kind: 'insertFailures'; readonly records: readonly FailedPredictionRecord[] };

export interface PredictionWriterReply {
  readonly id: number;
  /** Set when the batch was not written. */
  readonly error?: string;
}

/** The inserts a SqlPredictionStore hands to a writer instead of running them itself. */
export interface PredictionInserts {
  insertMany(records: readonly PredictionRecord[]): Promise<void>;
  insertFailures(records: readonly FailedPredictionRecord[]): Promise<void>;
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/** Whether `url` names a SQLite file a second connection can open (an in-memory database cannot be shared). */
export function isSqliteFileUrl(url: string): boolean {
  return url.startsWith('sqlite:') && url !== 'sqlite::memory:' && url !== 'sqlite:';
}

export class SqlitePredictionWriter implements PredictionInserts {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly inflight = new Set<Promise<void>>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly setup: PredictionWriterSetup) {
    if (!isSqliteFileUrl(setup.url)) throw new Error(`the prediction writer needs a SQLite file, got ${setup.url}`);
  }

  insertMany(records: readonly PredictionRecord[]): Promise<void> {
    return records.length === 0 ? Promise.resolve() : this.send({ id: this.nextId++, kind: 'insertMany', records });
  }

  insertFailures(records: readonly FailedPredictionRecord[]): Promise<void> {
    return records.length === 0 ? Promise.resolve() : this.send({ id: this.nextId++, kind: 'insertFailures', records });
  }

  /**
   * Starts the writer thread now rather than at the first batch: a serving process calls it at
   * start, so its first flush (which feedback from another process may be waiting on) does not
   * also pay for starting the thread and opening the file.
   */
  open(): void {
    if (!this.closed && this.worker === undefined) this.start();
  }

  /** Waits for the batches sent so far, then stops the worker; later batches are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.inflight);
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private send(request: PredictionWriterRequest): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the prediction writer is closed'));
    const worker = this.worker ?? this.start();
    const written = new Promise<void>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });
    this.inflight.add(written);
    const settled = (): void => void this.inflight.delete(written);
    written.then(settled, settled);
    return written;
  }

  private start(): Worker {
    const worker = spawnWriter(this.setup);
    worker.on('message', (reply: PredictionWriterReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(reply.error));
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the prediction writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * The worker thread. Built, it is the .js next to this file; run from the TypeScript sources
 * (tsx, tests), a worker does not inherit the parent's loader, so a small plain-JS entry
 * registers tsx and then loads the worker (no code string is evaluated).
 */
function spawnWriter(setup: PredictionWriterSetup): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './sqlite-prediction-writer-worker.tsx-entry.mjs' : './sqlite-prediction-writer-worker.js', import.meta.url);
  return new Worker(entry, { workerData: setup });
}
