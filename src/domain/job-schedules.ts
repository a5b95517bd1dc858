/**
 * Periodic work as jobs: a schedule turns into one job per time window, keyed so that
 * however many processes (or a scheduler firing twice) produce the window's job, the
 * store keeps one and it runs once.
 */
import { invalid } from './errors.js';
import { JOB_KINDS, isJobKind, planEnqueue, type EnqueueRequest, type JobKind, type JsonObject } from './jobs.js';

export interface ScheduleRequest {
  /** One schedule per name in the cluster: `[a-z0-9][a-z0-9._-]*`, at most 100 characters. */
  readonly name: string;
  /** The period, in ms (100 ms to 7 days). */
  readonly everyMs: number;
  readonly kind: JobKind;
  readonly payload?: JsonObject;
}

export type Schedule = Required<ScheduleRequest>;

export const MIN_SCHEDULE_EVERY_MS = 100;
export const MAX_SCHEDULE_EVERY_MS = 7 * 24 * 3600 * 1000;
const SCHEDULE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Validates a schedule (VALIDATION_FAILED naming the field). */
export function planSchedule(request: ScheduleRequest): Schedule {
  if (typeof request.name !== 'string' || !SCHEDULE_NAME.test(request.name)) {
    throw invalid('name', 'name must be 1-100 characters of a-z, 0-9, ".", "_", "-", starting with a letter or digit');
  }
  const everyMs = request.everyMs;
  if (!Number.isInteger(everyMs) || everyMs < MIN_SCHEDULE_EVERY_MS || everyMs > MAX_SCHEDULE_EVERY_MS) {
    throw invalid('everyMs', `everyMs must be a whole number from ${MIN_SCHEDULE_EVERY_MS} to ${MAX_SCHEDULE_EVERY_MS}`);
  }
  if (!isJobKind(request.kind)) throw invalid('kind', `kind must be one of ${JOB_KINDS.join(', ')}`);
  const schedule: Schedule = { name: request.name, everyMs, kind: request.kind, payload: request.payload ?? {} };
  planEnqueue(windowJob(schedule, 0), 'check', 0); // the payload's rules are the enqueue's
  return schedule;
}

/** The window containing `now`: windows are aligned on multiples of `everyMs` since the epoch. */
export function scheduleWindow(everyMs: number, now: number): number {
  return Math.floor(now / everyMs);
}

/**
 * The job of one window: due at the window's start, keyed by name, period and window (the
 * period is in the key so a changed interval never collides with a window already run).
 * A window whose previous tick is still queued or running gets that job instead.
 */
export function windowJob(schedule: Schedule, window: number): EnqueueRequest {
  return {
    kind: schedule.kind,
    payload: schedule.payload,
    idempotencyKey: `schedule:${schedule.name}:${schedule.everyMs}:${window}`,
    runAt: window * schedule.everyMs,
    // While a tick is still queued or running, the next ones are not added: no pile-up
    // when no worker runs them, and never two at once.
    dedupeKey: `schedule:${schedule.name}`,
    // A missed tick is not worth retrying: the next window does the same work.
    maxAttempts: 1,
  };
}
