/**
 * Background jobs as the rest of Warden sees them. Two adapters pass one contract suite
 * (test/contract/job-queue.contract.ts): the in-process queue, durable in the SQL store,
 * and the BullMQ queue on Redis, which keeps the same job records in the SQL store.
 *
 * Guarantees, in both modes:
 * - **At-least-once execution.** A handler may run more than once for one job (a worker
 *   died, or lost its lease while stalled). Make side effects idempotent: key them with
 *   {@link JobContext.idempotencyKey}, or wrap them in {@link JobContext.once}.
 * - **Crash recovery.** A job RUNNING when its process died is queued again: by the
 *   in-process queue when workers start (and by a periodic lease sweep), by BullMQ's
 *   stalled-job detection in distributed mode. The interrupted run counts as an attempt;
 *   when attempts are spent the job fails with WORKER_LOST.
 * - **Attempts counted.** `attempts` grows by one each time a handler starts; a failure is
 *   retried with exponential backoff while attempts remain and the error is retryable.
 * - **Exactly one terminal state.** succeeded, failed or cancelled, written once, never left.
 * - **Idempotent enqueue.** Two enqueues with the same `idempotencyKey` return the same job.
 * - **De-duplicated enqueue.** While a job with a `dedupeKey` is queued or running, an enqueue
 *   with the same key returns it (the key is free again once the job ended).
 * - **Periodic work runs once per tick.** A schedule yields one job per window of `everyMs`
 *   (idempotency key `schedule:<name>:<everyMs>:<window>`), however many processes declare it.
 */
import type { ScheduleRequest } from '../job-schedules.js';
import type {
  EnqueueRequest,
  Job,
  JobEvent,
  JobFilter,
  JobKind,
  JobLogLine,
  JobPage,
  JsonObject,
  JsonValue,
  ProgressReport,
} from '../jobs.js';

/**
 * What a handler gets for one attempt. Handlers must not block the event loop for longer
 * than a fraction of the lease (30 s by default): await between steps (epochs, batches),
 * or the worker cannot renew its lease and, in distributed mode, another worker takes the
 * job over as stalled.
 */
export interface JobContext {
  readonly job: Job;
  readonly payload: JsonObject;
  /** 1 for the first attempt; a crash-interrupted run counts. */
  readonly attempt: number;
  /**
   * Aborted when a cancel is asked, when the worker shuts down, or when the worker lost the
   * job (another worker took it over). Check it between steps; throw (e.g. `signal.throwIfAborted()`).
   */
  readonly signal: AbortSignal;
  /**
   * Validates (VALIDATION_FAILED naming the field) and records progress. Stored and published
   * at most once per throttle interval, except phase/epoch changes and completion, which go
   * out at once; the ETA is derived from the observed rate when the report has none.
   */
  reportProgress(report: ProgressReport): void;
  /** Appends a line to the job's log (batched; visible through logs and live events). */
  log(line: string): void;
  /**
   * Runs `fn` once per (job, key) across attempts: when a previous attempt recorded a value
   * for `key`, returns it without calling `fn`. The value is recorded after `fn` resolves, so a
   * crash between the two re-runs `fn`: make `fn` idempotent too (see {@link idempotencyKey}).
   * Ownership is confirmed before `fn` runs and before its value is recorded (see
   * {@link confirmOwnership}): an attempt another worker took over never runs the step.
   */
  once<T extends JsonValue>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Renews this attempt's lease now and throws (aborting {@link signal} with reason "lost")
   * when another worker has taken the job over. A handler whose synchronous work outlasted
   * the lease cannot know it was replaced until it asks: call this before a side effect that
   * must come from the job's current attempt only (ending a run, say).
   */
  confirmOwnership(): Promise<void>;
  /**
   * A key that is the same on every attempt of this job: `<job id>:<scope>`. Pass it to the
   * operation that must happen once, e.g. registering a model version: "registering with a
   * key already used returns the version registered first".
   */
  idempotencyKey(scope: string): string;
}

/** Returns the job's result (JSON); `undefined` is stored as null. Throw to fail the attempt. */
export type JobHandler = (context: JobContext) => Promise<JsonValue | void>;

/** Workers only take kinds they have a handler for. */
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;

export interface WorkerOptions {
  /** Jobs run at the same time by this process, 1..64; default 1. */
  readonly concurrency?: number;
}

export interface JobWorkers {
  readonly workerId: string;
  /** Stops taking jobs, waits for running ones up to `graceMs`, then aborts them (they are re-queued). */
  stop(graceMs?: number): Promise<void>;
}

export interface JobSubscription {
  /** Resolves once the subscription ends: a terminal state was delivered, or `unsubscribe` was called. */
  readonly ended: Promise<void>;
  unsubscribe(): void;
}

export interface JobQueue {
  /** Validates and stores a queued job (VALIDATION_FAILED naming the field). */
  enqueue(request: EnqueueRequest): Promise<Job>;

  /**
   * {@link enqueue}, telling whether a job was created: `created: false` when the job of the
   * same `idempotencyKey`, or the queued or running job of the same `dedupeKey`, came back.
   */
  submit(request: EnqueueRequest): Promise<{ readonly job: Job; readonly created: boolean }>;

  /** Throws JOB_NOT_FOUND. */
  get(id: string): Promise<Job>;

  /** Newest first; filter by kind and state; `nextPageToken` until the last page. */
  list(filter?: JobFilter): Promise<JobPage>;

  /** Log lines with `seq > afterSeq` (default 0), oldest first, at most `limit` (default 1000). Throws JOB_NOT_FOUND. */
  logs(id: string, options?: { afterSeq?: number; limit?: number }): Promise<JobLogLine[]>;

  /**
   * A queued job is cancelled at once; a running job gets a cancel request (its handler's
   * signal aborts, and it ends cancelled unless it had already returned). Throws JOB_NOT_FOUND,
   * or JOB_NOT_CANCELLABLE when the job is terminal. Works from any process.
   */
  cancel(id: string): Promise<Job>;

  /**
   * Delivers a `snapshot` (the job and its latest log lines), then `progress`, `log` and `state`
   * events as they happen in any process, until a terminal `state` event, which is the last.
   * Events may repeat information but never go back in time. Throws JOB_NOT_FOUND.
   */
  subscribe(id: string, listener: (event: JobEvent) => void): Promise<JobSubscription>;

  /**
   * Declares periodic work: a `kind` job with `payload` about every `everyMs`, the first one
   * now. Windows are aligned on multiples of `everyMs`, and each window's job runs once in
   * the whole cluster. Declaring the same schedule again changes nothing; the same name with
   * another interval, kind or payload replaces it. On Redis the schedule lives in Redis (a
   * BullMQ job scheduler) and outlives this process; on the local queue this process produces
   * the ticks until it closes, so every process that should keep the ticks going declares it.
   * VALIDATION_FAILED names the field.
   */
  schedule(request: ScheduleRequest): Promise<void>;

  /** Stops producing the named schedule's jobs (a job already produced still runs). No-op if unknown. */
  unschedule(name: string): Promise<void>;

  /** Starts workers in this process for the kinds in `handlers`. Call at most once per queue. */
  startWorkers(handlers: JobHandlers, options?: WorkerOptions): Promise<JobWorkers>;

  /** Stops workers (if started) and releases connections. Subscriptions end. */
  close(): Promise<void>;
}
