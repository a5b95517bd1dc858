/**
 * Background jobs: the vocabulary and every rule about them (legal state moves,
 * retry and backoff, progress validation and ETA, cancellation, crash recovery).
 * Pure: callers pass `now` and get decisions back; queue adapters apply them.
 */
import { WardenError, invalid, isWardenError } from './errors.js';

/** The last three are periodic work, declared as schedules (see job-schedules.ts). */
export const JOB_KINDS = ['train', 'retrain', 'evaluate', 'redteam', 'backfill', 'notify-webhook', 'sweep-artifacts', 'scan-fresh-data', 'cleanup-events', 'cleanup-predictions', 'check-deployments', 'monitor-models', 'retraining-schedules'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Kinds the platform queues on its own (periodic ticks, sweeps, notifications): listings meant
 * for people (`warden jobs list`, the dashboard's Jobs page) leave them out unless asked, since
 * a busy cluster queues a check-deployments tick every few seconds.
 */
export const HOUSEKEEPING_JOB_KINDS = [
  'notify-webhook',
  'sweep-artifacts',
  'scan-fresh-data',
  'cleanup-events',
  'cleanup-predictions',
  'check-deployments',
  'monitor-models',
  'retraining-schedules',
] as const satisfies readonly JobKind[];
export type HousekeepingJobKind = (typeof HOUSEKEEPING_JOB_KINDS)[number];

/** The kinds people start or wait for: every kind but {@link HOUSEKEEPING_JOB_KINDS}. */
export const REQUESTED_JOB_KINDS: readonly JobKind[] = JOB_KINDS.filter((kind) => !(HOUSEKEEPING_JOB_KINDS as readonly JobKind[]).includes(kind));

/**
 * A job waiting for a retry is `queued` with `attempts > 0` and `runAt` in the future:
 * there is no separate "retrying" state, so "which jobs may a worker take" has one answer.
 */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_JOB_STATES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type TerminalJobState = (typeof TERMINAL_JOB_STATES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Why the last attempt ended badly. `retryable` false means retrying would fail the same way. */
export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface JobProgress {
  /** 0..1, never decreases within an attempt's reports unless the phase changes. */
  readonly fraction: number;
  readonly phase: string;
  readonly epoch?: number;
  readonly totalEpochs?: number;
  readonly step?: number;
  readonly totalSteps?: number;
  /** Items per second (documents, samples…), as reported by the handler. */
  readonly throughput?: number;
  readonly throughputUnit?: string;
  /** Seconds left: the handler's own estimate, else derived from the observed rate of `fraction`. */
  readonly etaSeconds?: number;
  readonly message?: string;
  readonly updatedAt: number;
}

/** What a handler reports; `updatedAt` and a missing ETA are filled in by {@link advanceProgress}. */
export type ProgressReport = Omit<JobProgress, 'updatedAt'>;

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly payload: JsonObject;
  /** Set when the job succeeded: the handler's return value. */
  readonly result: JsonValue | null;
  /** The last failure (kept while a retry is pending, and on a failed job). */
  readonly error: JobError | null;
  /** Attempts started so far (a run cut short by a crash counts). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly idempotencyKey: string | null;
  readonly progress: JobProgress | null;
  /** A cancel was asked while the job was running; the handler's signal is aborted. */
  readonly cancelRequested: boolean;
  /** Not picked up before this time (retry backoff). */
  readonly runAt: number;
  /** The worker running the job now (or last), `host/pid/random`. */
  readonly workerId: string | null;
  /** A running job whose lease passed without a heartbeat belongs to a dead worker. */
  readonly leaseUntil: number | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Time of the last state change (progress and heartbeats do not count). */
  readonly updatedAt: number;
  /** Bumped by every state change: orders changes without trusting clocks across hosts. */
  readonly revision: number;
}

export interface JobLogLine {
  /** Per-job order, strictly increasing from 1. */
  readonly seq: number;
  readonly at: number;
  readonly line: string;
}

/** What `JobQueue.subscribe` delivers: first a snapshot, then live changes until a terminal state. */
export type JobEvent =
  | { readonly type: 'snapshot'; readonly job: Job; readonly logs: readonly JobLogLine[] }
  | { readonly type: 'state'; readonly job: Job }
  | { readonly type: 'progress'; readonly jobId: string; readonly progress: JobProgress }
  | { readonly type: 'log'; readonly jobId: string; readonly log: JobLogLine };

export function isJobKind(value: unknown): value is JobKind {
  return typeof value === 'string' && (JOB_KINDS as readonly string[]).includes(value);
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

export function isTerminal(state: JobState): state is TerminalJobState {
  return (TERMINAL_JOB_STATES as readonly string[]).includes(state);
}

/**
 * Milliseconds a finished job ran: from its (last) start, or its creation when it never
 * started (cancelled while queued), to its end; undefined while it has not ended. Every
 * surface says this one figure (the dashboard's "in …", `jobs list`, the first start's log):
 * counted from creation, a job that waited behind another looked slow in one and not another.
 */
export function jobRunMs(job: Pick<Job, 'createdAt' | 'startedAt' | 'finishedAt'>): number | undefined {
  return job.finishedAt === null ? undefined : Math.max(0, job.finishedAt - (job.startedAt ?? job.createdAt));
}

const MOVES: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  // running → queued: a retry after a failure, or a crashed worker's job taken back.
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** The one table of legal state moves: a terminal state is never left. */
export function canMove(from: JobState, to: JobState): boolean {
  return MOVES[from].includes(to);
}

export function assertMove(job: Pick<Job, 'id' | 'state'>, to: JobState): void {
  if (!canMove(job.state, to)) {
    throw new WardenError('VERSION_CONFLICT', `job ${job.id} cannot move from ${job.state} to ${to}`, {
      details: { from: job.state, to },
    });
  }
}

// ---------------------------------------------------------------- enqueue

export const MAX_PAYLOAD_BYTES = 256 * 1024; // 256 KiB: payloads name datasets, they do not carry them
export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 20;

export interface EnqueueRequest {
  readonly kind: JobKind;
  readonly payload?: JsonObject;
  /** Two enqueues with the same key yield the same job (the first one). */
  readonly idempotencyKey?: string;
  /**
   * While a job with this key is queued or running, enqueueing another returns that job
   * instead (the same work is not queued twice); once it ended, the key is free again.
   */
  readonly dedupeKey?: string;
  readonly maxAttempts?: number;
  /** Not before this time (ms since epoch); defaults to now. */
  readonly runAt?: number;
}

/** A validated request ready to be stored as a new queued job. */
export interface NewJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly payload: JsonObject;
  readonly idempotencyKey: string | null;
  readonly dedupeKey: string | null;
  readonly maxAttempts: number;
  readonly runAt: number;
  readonly createdAt: number;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/; // printable ASCII, no spaces

/** Validates an enqueue request (VALIDATION_FAILED naming the field) and returns the job to store. */
export function planEnqueue(request: EnqueueRequest, id: string, now: number): NewJob {
  if (!isJobKind(request.kind)) throw invalid('kind', `kind must be one of ${JOB_KINDS.join(', ')}`);
  const payload = request.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid('payload', 'payload must be a JSON object');
  }
  let size: number;
  try {
    size = JSON.stringify(payload).length;
  } catch {
    throw invalid('payload', 'payload must be JSON-serialisable');
  }
  if (size > MAX_PAYLOAD_BYTES) throw invalid('payload', `payload must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON`);
  const key = request.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
    throw invalid('idempotencyKey', 'idempotencyKey must be 1-200 printable ASCII characters without spaces');
  }
  const dedupeKey = request.dedupeKey;
  if (dedupeKey !== undefined && (typeof dedupeKey !== 'string' || !IDEMPOTENCY_KEY.test(dedupeKey))) {
    throw invalid('dedupeKey', 'dedupeKey must be 1-200 printable ASCII characters without spaces');
  }
  const maxAttempts = request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    throw invalid('maxAttempts', `maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`);
  }
  const runAt = request.runAt ?? now;
  if (!Number.isFinite(runAt) || runAt < 0) throw invalid('runAt', 'runAt must be a time in milliseconds since the epoch');
  return { id, kind: request.kind, payload, idempotencyKey: key ?? null, dedupeKey: dedupeKey ?? null, maxAttempts, runAt, createdAt: now };
}

// ---------------------------------------------------------------- retry

export interface RetryPolicy {
  /** Delay before the second attempt, in ms; doubles for each further attempt. */
  readonly baseDelayMs: number;
  /** Upper bound of any single delay, in ms. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 };

export type RetryDecision =
  | { readonly action: 'retry'; readonly runAt: number; readonly delayMs: number; readonly error: JobError }
  | { readonly action: 'fail'; readonly error: JobError };

/** Describes a thrown value as a JobError; a WardenError is retryable as its catalog entry says. */
export function describeFailure(error: unknown): JobError {
  if (isWardenError(error)) return { code: error.code, message: error.message, retryable: error.retryable };
  const message = error instanceof Error ? error.message : String(error);
  const retryable = !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
  return { code: 'JOB_FAILED', message: message.slice(0, 4_000) || 'the handler failed without a message', retryable };
}

/**
 * After a failed attempt: retry at `now + min(base·2^(attempts-1), max)` while attempts
 * remain and the failure is retryable, otherwise fail. `attempts` counts the one that failed.
 */
export function decideRetry(
  job: Pick<Job, 'attempts' | 'maxAttempts'>,
  error: unknown,
  now: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  const failure = describeFailure(error);
  if (!failure.retryable || job.attempts >= job.maxAttempts) return { action: 'fail', error: failure };
  const exponent = Math.max(0, job.attempts - 1);
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  return { action: 'retry', runAt: now + delayMs, delayMs, error: failure };
}

/** The outcome of one attempt, as the worker runtime saw it. */
export type AttemptOutcome =
  | { readonly type: 'returned'; readonly result: JsonValue }
  | { readonly type: 'threw'; readonly error: unknown };

export type AttemptDecision =
  | { readonly state: 'succeeded'; readonly result: JsonValue }
  | { readonly state: 'cancelled'; readonly error: JobError }
  | { readonly state: 'failed'; readonly error: JobError }
  | { readonly state: 'queued'; readonly runAt: number; readonly error: JobError };

/**
 * How an attempt ends. A handler that returns wins even over a late cancel (its work is
 * done and its side effects happened); a handler that throws after a cancel was asked
 * ends `cancelled`, never retried.
 */
export function decideAttempt(
  job: Pick<Job, 'attempts' | 'maxAttempts' | 'cancelRequested'>,
  outcome: AttemptOutcome,
  now: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): AttemptDecision {
  if (outcome.type === 'returned') return { state: 'succeeded', result: outcome.result };
  if (job.cancelRequested) {
    return { state: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'cancelled while running', retryable: false } };
  }
  const retry = decideRetry(job, outcome.error, now, policy);
  return retry.action === 'retry' ? { state: 'queued', runAt: retry.runAt, error: retry.error } : { state: 'failed', error: retry.error };
}

// ---------------------------------------------------------------- abort

/**
 * Why a running attempt's signal was aborted: a user asked to `cancel` the job, the worker
 * is shutting down (`shutdown`: the job runs again elsewhere), or the worker `lost` the job
 * (its lease expired and another worker took it over). Only a cancel ends the job's work;
 * after the other two the job goes on, so a handler must leave shared state (its run) open.
 */
export const JOB_ABORT_REASONS = ['cancel', 'shutdown', 'lost'] as const;
export type JobAbortReason = (typeof JOB_ABORT_REASONS)[number];

const ABORT_MESSAGES: Readonly<Record<JobAbortReason, string>> = {
  cancel: 'the job was cancelled',
  shutdown: 'the worker is shutting down; the job will run again',
  lost: 'another worker took this job over (this one missed its lease)',
};

/** The reason a job's signal is aborted with (named AbortError, as `signal.throwIfAborted()` expects). */
export class JobAbortedError extends Error {
  constructor(readonly reason: JobAbortReason) {
    super(ABORT_MESSAGES[reason]);
    this.name = 'AbortError';
  }
}

/** Why `signal` was aborted, or undefined when it was not (or not by a job runner). */
export function jobAbortReason(signal: AbortSignal): JobAbortReason | undefined {
  return signal.aborted && signal.reason instanceof JobAbortedError ? signal.reason.reason : undefined;
}

// ---------------------------------------------------------------- crash recovery

export type RecoveryDecision =
  | { readonly state: 'queued'; readonly runAt: number; readonly error: JobError }
  | { readonly state: 'failed'; readonly error: JobError }
  | { readonly state: 'cancelled'; readonly error: JobError };

/**
 * A job found `running` whose worker died: run it again (the interrupted run already
 * counted as an attempt) unless its attempts are spent or a cancel was asked.
 */
export function decideRecovery(job: Pick<Job, 'attempts' | 'maxAttempts' | 'cancelRequested'>, now: number): RecoveryDecision {
  const error: JobError = { code: 'WORKER_LOST', message: 'the worker running this job stopped before it finished', retryable: true };
  if (job.cancelRequested) return { state: 'cancelled', error: { ...error, retryable: false } };
  if (job.attempts >= job.maxAttempts) return { state: 'failed', error: { ...error, retryable: false } };
  return { state: 'queued', runAt: now, error };
}

/** A running job is orphaned when its lease expired (its worker stopped heartbeating). */
export function isOrphaned(job: Pick<Job, 'state' | 'leaseUntil'>, now: number): boolean {
  return job.state === 'running' && (job.leaseUntil === null || job.leaseUntil < now);
}

// ---------------------------------------------------------------- cancel

export type CancelDecision =
  | { readonly action: 'cancel-now' } // queued: nothing runs it yet
  | { readonly action: 'request' } // running: abort the handler's signal, the job ends cancelled
  | { readonly action: 'already-requested' };

/** Throws JOB_NOT_CANCELLABLE for a job that already reached a terminal state. */
export function decideCancel(job: Pick<Job, 'id' | 'state' | 'cancelRequested'>): CancelDecision {
  if (isTerminal(job.state)) {
    throw new WardenError('JOB_NOT_CANCELLABLE', `job ${job.id} already ${job.state}; only queued or running jobs can be cancelled`, {
      details: { state: job.state },
    });
  }
  if (job.state === 'queued') return { action: 'cancel-now' };
  return job.cancelRequested ? { action: 'already-requested' } : { action: 'request' };
}

// ---------------------------------------------------------------- progress

export const PHASE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,63}$/;
const MAX_MESSAGE = 500;
const MAX_UNIT = 32;

function nonNegativeInteger(field: string, value: unknown): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
    throw invalid(`progress.${field}`, `${field} must be a whole number ≥ 0`);
  }
}

function nonNegativeFinite(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw invalid(`progress.${field}`, `${field} must be a finite number ≥ 0`);
  }
}

/** Validates a handler's report; VALIDATION_FAILED names the field. */
export function validateProgress(report: ProgressReport): void {
  if (typeof report !== 'object' || report === null) throw invalid('progress', 'progress must be an object');
  const { fraction, phase } = report;
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw invalid('progress.fraction', 'fraction must be a number from 0 to 1');
  }
  if (typeof phase !== 'string' || !PHASE_PATTERN.test(phase)) {
    throw invalid('progress.phase', 'phase must be 1-64 letters, digits, spaces or _ . : / -, starting with a letter or digit');
  }
  nonNegativeInteger('epoch', report.epoch);
  nonNegativeInteger('totalEpochs', report.totalEpochs);
  nonNegativeInteger('step', report.step);
  nonNegativeInteger('totalSteps', report.totalSteps);
  nonNegativeFinite('throughput', report.throughput);
  nonNegativeFinite('etaSeconds', report.etaSeconds);
  if (report.epoch !== undefined && report.totalEpochs !== undefined && report.epoch > report.totalEpochs) {
    throw invalid('progress.epoch', 'epoch must not exceed totalEpochs');
  }
  if (report.step !== undefined && report.totalSteps !== undefined && report.step > report.totalSteps) {
    throw invalid('progress.step', 'step must not exceed totalSteps');
  }
  if (report.message !== undefined && (typeof report.message !== 'string' || report.message.length > MAX_MESSAGE)) {
    throw invalid('progress.message', `message must be a string of at most ${MAX_MESSAGE} characters`);
  }
  if (report.throughputUnit !== undefined && (typeof report.throughputUnit !== 'string' || report.throughputUnit.length > MAX_UNIT)) {
    throw invalid('progress.throughputUnit', `throughputUnit must be a string of at most ${MAX_UNIT} characters`);
  }
}

/** The observed pace of one attempt, carried between reports (not persisted). */
export interface ProgressRate {
  readonly at: number;
  readonly fraction: number;
  /** Smoothed fraction per second; undefined until two reports are apart in time. */
  readonly perSecond: number | undefined;
  /** The first report since progress last went backwards: the pace since then bounds the ETA. */
  readonly since: { readonly at: number; readonly fraction: number };
}

// Weight of the newest pace sample: recent enough to follow a phase slowing down,
// smooth enough that one slow step does not swing the ETA.
const RATE_SMOOTHING = 0.3;

/**
 * Validates a report and stamps it: the ETA comes from the handler if it gave one,
 * else from the smoothed rate at which `fraction` has grown. Returns the stored
 * progress and the rate to pass to the next call.
 */
export function advanceProgress(
  previous: ProgressRate | undefined,
  report: ProgressReport,
  now: number,
): { progress: JobProgress; rate: ProgressRate } {
  validateProgress(report);
  let perSecond = previous?.perSecond;
  let since = previous?.since ?? { at: now, fraction: report.fraction };
  if (previous !== undefined && report.fraction >= previous.fraction && now > previous.at) {
    const sample = (report.fraction - previous.fraction) / ((now - previous.at) / 1000);
    perSecond = perSecond === undefined ? sample : RATE_SMOOTHING * sample + (1 - RATE_SMOOTHING) * perSecond;
  } else if (previous !== undefined && report.fraction < previous.fraction) {
    perSecond = undefined; // went backwards (new phase): the old pace says nothing
    since = { at: now, fraction: report.fraction };
  }
  const rate: ProgressRate = { at: now, fraction: report.fraction, perSecond, since };
  // A pace no slower than the average since `since`: many reports at one fraction (a step
  // that reports often without moving) decay the smoothed pace geometrically, and its ETA
  // ran to 10^58 hours while the whole job took 40 s.
  const average = now > since.at ? (report.fraction - since.fraction) / ((now - since.at) / 1000) : undefined;
  const pace = perSecond === undefined ? undefined : Math.max(perSecond, average ?? 0);
  let etaSeconds = report.etaSeconds;
  if (etaSeconds === undefined && report.fraction >= 1) etaSeconds = 0;
  if (etaSeconds === undefined && pace !== undefined && pace > 0) {
    etaSeconds = Math.round(((1 - report.fraction) / pace) * 10) / 10;
  }
  const progress: JobProgress = stripUndefined({ ...report, etaSeconds, updatedAt: now });
  return { progress, rate };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Whether a report must be written now or may wait for the throttle window: phase,
 * epoch changes and completion are written at once so watchers never miss a boundary.
 */
export function progressIsUrgent(last: JobProgress | null | undefined, next: JobProgress): boolean {
  if (!last) return true;
  return last.phase !== next.phase || last.epoch !== next.epoch || next.fraction >= 1;
}

// ---------------------------------------------------------------- listing

export interface JobFilter {
  /** One kind, or any of several (the dashboard lists the work people asked for without the scheduler's ticks). */
  readonly kind?: JobKind | readonly JobKind[];
  readonly state?: JobState;
  /** 1..200, default 50. */
  readonly limit?: number;
  /** From a previous page's `nextPageToken`. */
  readonly pageToken?: string;
}

export interface JobPage {
  readonly items: readonly Job[];
  /** Absent on the last page. */
  readonly nextPageToken?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Validates a list filter and decodes its page token into a (createdAt, id) keyset cursor. */
export function parseJobFilter(filter: JobFilter): {
  kinds?: readonly JobKind[];
  state?: JobState;
  limit: number;
  after?: { createdAt: number; id: string };
} {
  const kinds: readonly unknown[] | undefined = filter.kind === undefined ? undefined : Array.isArray(filter.kind) ? filter.kind : [filter.kind];
  if (kinds !== undefined && (kinds.length === 0 || !kinds.every(isJobKind))) throw invalid('kind', `kind must be one or more of ${JOB_KINDS.join(', ')}`);
  if (filter.state !== undefined && !isJobState(filter.state)) throw invalid('state', `state must be one of ${JOB_STATES.join(', ')}`);
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw invalid('limit', `limit must be from 1 to ${MAX_PAGE_SIZE}`);
  const parsed: { kinds?: readonly JobKind[]; state?: JobState; limit: number; after?: { createdAt: number; id: string } } = { limit };
  if (kinds !== undefined) parsed.kinds = [...new Set(kinds as readonly JobKind[])];
  if (filter.state !== undefined) parsed.state = filter.state;
  if (filter.pageToken !== undefined) parsed.after = decodePageToken(filter.pageToken);
  return parsed;
}

/** Newest first; the token is the last item's (createdAt, id). */
export function encodePageToken(job: Pick<Job, 'createdAt' | 'id'>): string {
  return base64url(`${job.createdAt}:${job.id}`);
}

/** The (createdAt, id) keyset cursor of a token from {@link encodePageToken}; VALIDATION_FAILED naming pageToken otherwise. */
export function decodePageToken(token: string): { createdAt: number; id: string } {
  const text = typeof token === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(token) ? fromBase64url(token) : '';
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,100})$/.exec(text);
  if (!match?.[1] || !match[2]) throw invalid('pageToken', 'pageToken is not one this server handed out');
  return { createdAt: Number(match[1]), id: match[2] };
}

// The token text is ASCII (digits, ':' and an id), so btoa/atob suffice and domain/ needs no Buffer.
function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64url(text: string): string {
  try {
    return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return '';
  }
}

/** Keys of {@link JobContext.once} checkpoints: short and printable. */
export function validateCheckpointKey(key: string): void {
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(key)) {
    throw invalid('key', 'checkpoint key must be 1-100 printable ASCII characters without spaces');
  }
}
