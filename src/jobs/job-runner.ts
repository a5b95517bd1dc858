/**
 * Runs one attempt of one job for either queue adapter: builds the handler's context,
 * keeps the lease alive, turns cancel requests into an aborted signal, throttles
 * progress, batches logs, and settles the attempt as the domain decides.
 */
import fs from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  advanceProgress,
  decideAttempt,
  decideRecovery,
  JobAbortedError,
  progressIsUrgent,
  validateCheckpointKey,
  type AttemptOutcome,
  type Job,
  type JobProgress,
  type JsonValue,
  type ProgressRate,
  type ProgressReport,
  type RetryPolicy,
} from '../domain/jobs.js';
import { WardenError, invalid } from '../domain/errors.js';
import type { Clock } from '../domain/ports/clock.js';
import type { JobContext, JobHandler } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { JobEventChannel } from './job-event-channel.js';

export interface JobTimings {
  /** A running job whose worker has not heartbeated for this long is taken back, in ms. */
  readonly leaseMs: number;
  /** How often a worker renews its leases and looks for cancel requests, in ms. */
  readonly heartbeatMs: number;
  /** Progress is stored and published at most this often (phase/epoch changes go at once), in ms. */
  readonly progressIntervalMs: number;
}

/** A runaway handler cannot fill the store: lines past this many per attempt are dropped (with a note). */
export const MAX_LOG_LINES_PER_ATTEMPT = 20_000;

export const DEFAULT_TIMINGS: JobTimings = { leaseMs: 30_000, heartbeatMs: 5_000, progressIntervalMs: 1_000 };

/** Reports problems the runtime survives (a missed heartbeat, a lost message). */
export type JobErrorReporter = (message: string, error: unknown) => void;

export const reportToStderr: JobErrorReporter = (message, error) => {
  console.error(`[warden jobs] ${message}: ${error instanceof Error ? error.message : String(error)}`);
};

export interface RunnerDeps {
  readonly store: JobStore;
  readonly channel: JobEventChannel;
  readonly clock: Clock;
  readonly workerId: string;
  readonly timings: JobTimings;
  readonly retryPolicy: RetryPolicy;
  readonly report: JobErrorReporter;
}

/**
 * The host part of worker ids: the hostname, plus on Linux the pid namespace, so two
 * containers that share a hostname (host networking) never judge each other's pids.
 */
const HOST_IDENTITY = (() => {
  let namespace = '';
  try {
    namespace = /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? '';
  } catch {
    // not Linux: the hostname alone
  }
  return `${os.hostname().replace(/\//g, '_')}${namespace ? `~${namespace}` : ''}`;
})();

/** `host/pid/random`: lets a restarted process on the same host tell its dead predecessor's jobs. */
export function newWorkerId(): string {
  return `${HOST_IDENTITY}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

const liveWorkerIds = new Set<string>();

/** True when `workerId` runs in this process right now. */
export function isLiveWorkerHere(workerId: string | null): boolean {
  return workerId !== null && liveWorkerIds.has(workerId);
}

export function registerLiveWorker(workerId: string): () => void {
  liveWorkerIds.add(workerId);
  return () => liveWorkerIds.delete(workerId);
}

/**
 * True when `workerId` names a process on this host that no longer exists (or this very
 * process under a worker id it no longer runs, e.g. a container restarted with the same pid).
 * Unknown hosts are never declared dead: their leases expire instead.
 */
export function isWorkerDeadOnThisHost(workerId: string | null): boolean {
  if (workerId === null) return true;
  const [host, pidText] = workerId.split('/');
  if (host !== HOST_IDENTITY || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return !liveWorkerIds.has(workerId);
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs the attempt the store just handed to this worker (`job` is running, owned by
 * `deps.workerId`) and settles it. Returns the settled job, or undefined when the worker
 * lost the job midway (someone else settles it).
 */
export async function runAttempt(job: Job, handler: JobHandler, deps: RunnerDeps, shutdown: AbortSignal): Promise<Job | undefined> {
  const { store, channel, clock, workerId, timings, report } = deps;
  const controller = new AbortController();
  let cancelRequested = job.cancelRequested;
  let lost = false;
  const requestAbort = (reason: Error) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onShutdown = () => requestAbort(new JobAbortedError('shutdown'));
  if (shutdown.aborted) onShutdown();
  shutdown.addEventListener('abort', onShutdown);
  if (cancelRequested) requestAbort(new JobAbortedError('cancel'));

  const stopListening = channel.listen((message) => {
    if (message.jobId === job.id && message.type === 'cancel') {
      cancelRequested = true;
      requestAbort(new JobAbortedError('cancel'));
    }
  });

  // Writes for this attempt go out in order, one at a time.
  let writes: Promise<unknown> = Promise.resolve();
  const enqueueWrite = (write: () => Promise<unknown>) => {
    writes = writes.then(write).catch((error: unknown) => report(`job ${job.id}: write failed`, error));
    return writes;
  };

  const beat = async () => {
    const renewed = await store.heartbeat(job.id, { workerId, now: clock.now(), leaseMs: timings.leaseMs });
    if (!renewed.owned) {
      lost = true;
      requestAbort(new JobAbortedError('lost'));
    } else if (renewed.cancelRequested) {
      cancelRequested = true;
      requestAbort(new JobAbortedError('cancel'));
    }
  };
  const heartbeat = setInterval(() => void enqueueWrite(beat), timings.heartbeatMs);
  heartbeat.unref();
  // In line with this attempt's other writes, but its failure reaches the caller: a side
  // effect must not go ahead on a lease nobody could confirm.
  const confirmOwnership = async (): Promise<void> => {
    const confirmed = writes.then(() => (lost ? undefined : beat()));
    writes = confirmed.catch(() => undefined);
    await confirmed;
    if (lost) throw new JobAbortedError('lost');
  };

  // Progress: the newest report waits here until the throttle window lets it out.
  let rate: ProgressRate | undefined;
  let lastWritten: JobProgress | null = job.progress;
  let lastWrittenAt = 0;
  let pendingProgress: JobProgress | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  const flushProgress = () => {
    if (progressTimer) clearTimeout(progressTimer);
    progressTimer = undefined;
    const progress = pendingProgress;
    if (!progress) return writes;
    pendingProgress = undefined;
    lastWritten = progress;
    lastWrittenAt = clock.now();
    return enqueueWrite(async () => {
      if (await store.saveProgress(job.id, workerId, progress)) channel.publish({ type: 'progress', jobId: job.id, progress });
    });
  };

  let pendingLines: string[] = [];
  let linesThisAttempt = 0;
  let logTimer: NodeJS.Timeout | undefined;
  const flushLogs = () => {
    if (logTimer) clearTimeout(logTimer);
    logTimer = undefined;
    const lines = pendingLines;
    if (lines.length === 0) return writes;
    pendingLines = [];
    return enqueueWrite(async () => {
      for (const log of await store.appendLogs(job.id, lines, clock.now())) channel.publish({ type: 'log', jobId: job.id, log });
    });
  };

  const context: JobContext = {
    job,
    payload: job.payload,
    attempt: job.attempts,
    signal: controller.signal,
    reportProgress(reportIn: ProgressReport) {
      const now = clock.now();
      const next = advanceProgress(rate, reportIn, now);
      rate = next.rate;
      pendingProgress = next.progress;
      if (progressIsUrgent(lastWritten, next.progress) || now - lastWrittenAt >= timings.progressIntervalMs) {
        void flushProgress();
      } else if (!progressTimer) {
        progressTimer = setTimeout(() => void flushProgress(), timings.progressIntervalMs - (now - lastWrittenAt));
        progressTimer.unref();
      }
    },
    log(line: string) {
      linesThisAttempt += 1;
      if (linesThisAttempt > MAX_LOG_LINES_PER_ATTEMPT + 1) return;
      pendingLines.push(
        linesThisAttempt > MAX_LOG_LINES_PER_ATTEMPT ? `[warden] more than ${MAX_LOG_LINES_PER_ATTEMPT} log lines in this attempt; the rest are dropped` : String(line),
      );
      if (pendingLines.length >= 100) void flushLogs();
      else if (!logTimer) {
        // Lines are batched briefly: a chatty handler must not cost one write per line.
        logTimer = setTimeout(() => void flushLogs(), Math.min(250, timings.progressIntervalMs));
        logTimer.unref();
      }
    },
    async once<T extends JsonValue>(key: string, fn: () => Promise<T>): Promise<T> {
      validateCheckpointKey(key);
      const recorded = await store.getCheckpoint(job.id, key);
      if (recorded) return recorded.value as T;
      await confirmOwnership();
      const value = await fn();
      assertJson(value, `once(${key})`);
      await confirmOwnership();
      return (await store.putCheckpoint(job.id, key, value, clock.now())) as T;
    },
    confirmOwnership,
    idempotencyKey(scope: string): string {
      validateCheckpointKey(scope);
      return `${job.id}:${scope}`;
    },
  };

  channel.publish({ type: 'state', jobId: job.id, job });
  let outcome: AttemptOutcome;
  try {
    const result = (await handler(context)) ?? null;
    assertJson(result, 'result');
    outcome = { type: 'returned', result };
  } catch (error) {
    outcome = { type: 'threw', error };
  } finally {
    clearInterval(heartbeat);
    stopListening();
    shutdown.removeEventListener('abort', onShutdown);
  }
  await flushProgress();
  await flushLogs();
  await writes;
  if (lost) return undefined;

  const now = clock.now();
  if (outcome.type === 'threw' && !cancelRequested) {
    // A cancel asked since the last heartbeat must not turn into a retry.
    cancelRequested = (await store.get(job.id))?.cancelRequested ?? cancelRequested;
  }
  const shutdownInterrupted = outcome.type === 'threw' && shutdown.aborted && !cancelRequested;
  const decision = shutdownInterrupted
    ? decideRecovery({ ...job, cancelRequested }, now)
    : decideAttempt({ ...job, cancelRequested }, outcome, now, deps.retryPolicy);
  const settled = await store.settle(job.id, workerId, decision, now);
  if (settled && decision.state === 'queued' && !shutdownInterrupted) {
    // The job's own log says why it runs again; the job record keeps only the last error.
    const line = `[warden] attempt ${job.attempts} failed: ${decision.error.message}; retrying in ${Math.max(0, Math.round((decision.runAt - now) / 100) / 10)} s`;
    for (const log of await store.appendLogs(job.id, [line], now)) channel.publish({ type: 'log', jobId: job.id, log });
  }
  if (settled) channel.publish({ type: 'state', jobId: job.id, job: settled });
  return settled;
}

function assertJson(value: unknown, field: string): asserts value is JsonValue {
  try {
    JSON.stringify(value);
  } catch (error) {
    throw invalid(field, `the handler's ${field} must be JSON-serialisable: ${(error as Error).message}`);
  }
}

/** Thrown by queues when a handler is missing for a kind they were asked to run. */
export function noHandler(kind: string): WardenError {
  return new WardenError('VALIDATION_FAILED', `no handler for job kind ${kind}`, { field: 'kind' });
}
