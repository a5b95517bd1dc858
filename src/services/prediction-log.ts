/**
 * The prediction log's writer: the serving hot path hands it records and never waits. Records
 * wait in a bounded buffer and are written in batches (on an interval, when a batch is full, and
 * at close). When the buffer is full a record is dropped and counted, never queued without bound;
 * a batch the store refuses is dropped and counted too (no retry loop that could grow memory).
 */
import type { Clock } from '../domain/ports/clock.js';
import type { PredictionStore } from '../domain/ports/prediction-store.js';
import type { ServingMetrics } from '../domain/ports/serving-metrics.js';
import type { FailedPredictionRecord, PredictionRecord } from '../domain/serving.js';

export interface PredictionLogOptions {
  /** Records held at most while waiting to be written (WARDEN_PREDICTION_LOG_BUFFER). */
  readonly maxBuffer: number;
  /** Records per store write; a full batch is written at once, without waiting for the interval. */
  readonly batchSize: number;
  /** How often the buffer is written, in ms (WARDEN_PREDICTION_LOG_FLUSH_MS). */
  readonly flushIntervalMs: number;
  /** Predictions older than this are deleted by the `cleanup-predictions` periodic job, in ms. */
  readonly retentionMs: number;
}

export interface PredictionLogDeps extends PredictionLogOptions {
  readonly store: PredictionStore;
  readonly clock: Clock;
  readonly metrics: Pick<ServingMetrics, 'predictionLogDropped' | 'predictionLogWritten'>;
  readonly log?: (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export interface PredictionLogStats {
  /** Waiting in the buffer now. */
  readonly buffered: number;
  readonly written: number;
  readonly droppedFull: number;
  readonly droppedFailed: number;
}

/** Rows deleted per retention statement: keeps each delete transaction short. */
const DELETE_CHUNK = 5_000;

export class PredictionLog {
  private buffer: PredictionRecord[] = [];
  /**
   * Failed requests wait apart (another table) under a bound of their own: a flood of answers
   * filling the buffer must not crowd out the errors the guardrails roll a candidate back on.
   */
  private failures: FailedPredictionRecord[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private written = 0;
  private droppedFull = 0;
  private droppedFailed = 0;
  /** Drops not yet reported in the log: one warning per flush, not one per record. */
  private unreportedDrops = 0;

  constructor(private readonly deps: PredictionLogDeps) {}

  /** Starts the interval flush (the timer never keeps the process alive). */
  start(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => void this.flush(), this.deps.flushIntervalMs);
    this.timer.unref();
  }

  /** Takes a record for writing, or drops and counts it when the buffer is full. Never throws, never waits. */
  record(record: PredictionRecord): void {
    if (this.closed || this.buffer.length >= this.deps.maxBuffer) return this.dropFull();
    this.buffer.push(record);
    if (this.buffer.length === this.deps.batchSize) void this.flush();
  }

  /** Takes a request an arm failed to answer, like `record` (a bound of the same size, never throws, never waits). */
  recordFailure(record: FailedPredictionRecord): void {
    if (this.closed || this.failures.length >= this.deps.maxBuffer) return this.dropFull();
    this.failures.push(record);
    if (this.failures.length === this.deps.batchSize) void this.flush();
  }

  private dropFull(): void {
    this.droppedFull++;
    this.unreportedDrops++;
    this.deps.metrics.predictionLogDropped(1, 'buffer-full');
  }

  /** Writes everything recorded before this call (batches that fail are dropped and counted); resolves when done. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeBuffered());
    return this.writing;
  }

  /** Stops the timer, refuses new records (they count as drops) and writes what is buffered. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
  }

  stats(): PredictionLogStats {
    return { buffered: this.buffer.length + this.failures.length, written: this.written, droppedFull: this.droppedFull, droppedFailed: this.droppedFailed };
  }

  /** Deletes predictions past the retention; returns how many (the `cleanup-predictions` job). */
  async deleteExpired(): Promise<number> {
    const before = this.deps.clock.now() - this.deps.retentionMs;
    let deleted = 0;
    for (;;) {
      const n = await this.deps.store.deleteOlderThan(before, DELETE_CHUNK);
      deleted += n;
      if (n < DELETE_CHUNK) return deleted;
    }
  }

  private async writeBuffered(): Promise<void> {
    if (this.unreportedDrops > 0) {
      this.deps.log?.('warn', 'prediction log buffer full: predictions dropped', { dropped: this.unreportedDrops, totalDropped: this.droppedFull });
      this.unreportedDrops = 0;
    }
    // Failures go before each batch of answers: under a steady flood of answers the loop may run
    // on for as long as the flood lasts, and the failures must not wait behind it.
    while (this.failures.length > 0 || this.buffer.length > 0) {
      if (this.failures.length > 0) await this.write(this.failures.splice(0, this.deps.batchSize), (batch) => this.deps.store.insertFailures(batch));
      if (this.buffer.length > 0) await this.write(this.buffer.splice(0, this.deps.batchSize), (batch) => this.deps.store.insertMany(batch));
    }
  }

  private async write<R>(batch: R[], insert: (batch: R[]) => Promise<void>): Promise<void> {
    try {
      await insert(batch);
      this.written += batch.length;
      this.deps.metrics.predictionLogWritten(batch.length);
    } catch (error) {
      this.droppedFailed += batch.length;
      this.deps.metrics.predictionLogDropped(batch.length, 'write-failed');
      this.deps.log?.('error', 'prediction log write failed: batch dropped', { err: error, dropped: batch.length });
    }
  }
}
