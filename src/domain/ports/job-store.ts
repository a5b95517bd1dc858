/**
 * The durable record of every job: state, attempts, progress, logs, checkpoints.
 * Both queue adapters keep their canonical job record here (the in-process queue uses
 * it as the queue itself; the BullMQ queue uses Redis only as transport and lock), so
 * `GET /jobs/:id` reads the same thing in every mode. Implemented over SQL in store/sql.
 */
import type {
  AttemptDecision,
  Job,
  JobFilter,
  JobKind,
  JobLogLine,
  JobPage,
  JobProgress,
  JsonValue,
  NewJob,
  RecoveryDecision,
} from '../jobs.js';

export interface JobLease {
  readonly workerId: string;
  readonly now: number;
  /** How long the lease lasts without another heartbeat, in ms. */
  readonly leaseMs: number;
}

export interface JobStore {
  /**
   * Inserts a queued job. When another job already holds the same idempotency key, or a
   * queued or running job holds the same dedupe key, nothing is written and that job is
   * returned with `created: false` (also under races).
   */
  create(job: NewJob): Promise<{ job: Job; created: boolean }>;

  get(id: string): Promise<Job | undefined>;

  /** Newest first, keyset-paginated. */
  list(filter: JobFilter): Promise<JobPage>;

  /**
   * Atomically takes the oldest due (`runAt <= now`) queued job of one of `kinds`: it becomes
   * running, owned by the lease's worker, `attempts + 1`. Two callers never get the same job.
   */
  claimNext(kinds: readonly JobKind[], lease: JobLease): Promise<Job | undefined>;

  /**
   * Marks a job running for the lease's worker, `attempts + 1`, when it is queued, or running
   * under `takeOverFrom` (a worker the transport declared lost). Returns undefined otherwise.
   */
  start(id: string, lease: JobLease, takeOverFrom?: string): Promise<Job | undefined>;

  /**
   * Extends the lease of a running job. `owned` is false when the job is no longer running
   * under this worker (taken over after a stall, or finished); the caller must stop.
   */
  heartbeat(id: string, lease: JobLease): Promise<{ owned: boolean; cancelRequested: boolean }>;

  /** Stores the latest progress of a job this worker runs; false when it no longer owns it. */
  saveProgress(id: string, workerId: string, progress: JobProgress): Promise<boolean>;

  /** Appends lines with the next sequence numbers; returns them as stored. */
  appendLogs(id: string, lines: readonly string[], now: number): Promise<JobLogLine[]>;

  /** Lines with `seq > afterSeq`, oldest first. */
  logs(id: string, afterSeq: number, limit: number): Promise<JobLogLine[]>;

  /** The last `limit` lines, oldest first. */
  tailLogs(id: string, limit: number): Promise<JobLogLine[]>;

  /**
   * Ends the running attempt of `workerId` as decided (terminal state, or queued again at
   * `runAt`). Guarded: returns undefined and writes nothing unless the job is still running
   * under that worker, so a job gets exactly one terminal state even under races.
   * With `onlyIfLeaseBefore`, also requires the lease to have expired before that time.
   */
  settle(
    id: string,
    workerId: string,
    decision: AttemptDecision | RecoveryDecision,
    now: number,
    onlyIfLeaseBefore?: number,
  ): Promise<Job | undefined>;

  /**
   * Deletes up to `limit` jobs of `kinds` that ended before `finishedBefore`, with their logs and
   * checkpoints; queued and running jobs are never touched. Returns how many were deleted.
   */
  deleteFinished(kinds: readonly JobKind[], finishedBefore: number, limit: number): Promise<number>;

  /** queued → cancelled; undefined when the job was not queued any more (the caller re-reads). */
  cancelQueued(id: string, now: number): Promise<Job | undefined>;

  /** Flags a running job for cancellation; undefined when it was not running any more. */
  requestCancel(id: string, now: number): Promise<Job | undefined>;

  /** Every running job (for crash recovery). */
  listRunning(): Promise<Job[]>;

  /** Queued jobs of the given kinds, oldest first (the BullMQ adapter re-publishes them at start). */
  listQueued(kinds: readonly JobKind[], limit: number): Promise<Job[]>;

  /** A value recorded by {@link putCheckpoint}, if any. */
  getCheckpoint(jobId: string, key: string): Promise<{ value: JsonValue } | undefined>;

  /** Records a value for (job, key) unless one exists; returns the value that is stored (first wins). */
  putCheckpoint(jobId: string, key: string, value: JsonValue, now: number): Promise<JsonValue>;
}
