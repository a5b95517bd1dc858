/**
 * Waiting in tests: for a condition or an event, never for a fixed time. A wait that runs out
 * fails with what it was waiting for, so a test never passes (or fails obscurely) because a
 * sleep happened to be long enough.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type Job, type JobEvent } from '../../src/domain/jobs.js';
import type { JobQueue, JobSubscription } from '../../src/domain/ports/job-queue.js';

export interface UntilOptions {
  /** Fail after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Look again after this long; default 10 ms. */
  readonly everyMs?: number;
}

/**
 * Checks `probe` until it returns something truthy, and returns that; throws naming `what`
 * (and the last value seen) after the timeout.
 */
export async function until<T>(probe: () => T | Promise<T>, what: string, options: UntilOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, everyMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    await sleep(everyMs);
  }
}

/** `promise`, or a failure naming `what` once `timeoutMs` has passed (the timer does not outlive it). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first of `queue`'s events about job `id` that `matches` (the snapshot included). */
export async function jobEvent(queue: JobQueue, id: string, matches: (event: JobEvent) => boolean, timeoutMs = 30_000): Promise<JobEvent> {
  let found: JobEvent | undefined;
  let resolveFound!: (event: JobEvent) => void;
  const seen = new Promise<JobEvent>((resolve) => (resolveFound = resolve));
  const subscription = await queue.subscribe(id, (event) => {
    if (found === undefined && matches(event)) {
      found = event;
      resolveFound(event);
    }
  });
  const ended = subscription.ended.then(() => found ?? Promise.reject(new Error(`job ${id}: its events ended without a matching one`)));
  try {
    return await within(Promise.race([seen, ended]), timeoutMs, `an event of job ${id}`);
  } finally {
    subscription.unsubscribe();
  }
}

function jobOf(event: JobEvent): Job | undefined {
  return event.type === 'state' || event.type === 'snapshot' ? event.job : undefined;
}

/** Resolves with the job once the queue reports it terminal (an event, not a poll). */
export async function jobEnded(queue: JobQueue, id: string, timeoutMs = 30_000): Promise<Job> {
  const event = await jobEvent(queue, id, (e) => isTerminal(jobOf(e)?.state ?? 'queued'), timeoutMs);
  return jobOf(event)!;
}

/** Resolves with the job once the queue reports it running. */
export async function jobRunning(queue: JobQueue, id: string, timeoutMs = 30_000): Promise<Job> {
  const event = await jobEvent(queue, id, (e) => jobOf(e)?.state === 'running', timeoutMs);
  return jobOf(event)!;
}

/**
 * Observes (does not replace) `queue.subscribe`, so a test can wait until a reader (an SSE
 * route, the CLI through it) has subscribed to a job: `subscribed(id, n)` resolves once the
 * n-th subscription to `id` is live. `restore()` puts the original back.
 */
export function observeSubscriptions(queue: JobQueue): { subscribed(id: string, count?: number, timeoutMs?: number): Promise<JobSubscription>; restore(): void } {
  const original = queue.subscribe;
  const live: Array<{ id: string; subscription: JobSubscription }> = [];
  const waiters = new Set<() => void>();
  queue.subscribe = async (id, listener) => {
    const subscription = await original.call(queue, id, listener);
    live.push({ id, subscription });
    for (const wake of waiters) wake();
    return subscription;
  };
  return {
    async subscribed(id, count = 1, timeoutMs = 10_000) {
      const nth = () => live.filter((s) => s.id === id)[count - 1]?.subscription;
      let wake!: () => void;
      const made = new Promise<JobSubscription>((resolve) => {
        wake = () => {
          const subscription = nth();
          if (subscription) resolve(subscription);
        };
      });
      waiters.add(wake);
      wake();
      try {
        return await within(made, timeoutMs, `subscription #${count} to job ${id}`);
      } finally {
        waiters.delete(wake);
      }
    },
    restore() {
      queue.subscribe = original;
    },
  };
}
