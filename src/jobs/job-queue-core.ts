/**
 * What both queue adapters do the same way, over the job store: enqueue with
 * idempotency, reads, logs, cancel, subscriptions. The adapters add the transport
 * (how a worker learns there is work) and the worker loop.
 */
import { WardenError, invalid } from '../domain/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  JOB_KINDS,
  decideCancel,
  planEnqueue,
  type EnqueueRequest,
  type Job,
  type JobEvent,
  type JobFilter,
  type JobKind,
  type JobLogLine,
  type JobPage,
  type RetryPolicy,
} from '../domain/jobs.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { JobHandlers, JobSubscription, JobWorkers, WorkerOptions } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { JobEventChannel } from './job-event-channel.js';
import { DEFAULT_TIMINGS, reportToStderr, type JobErrorReporter, type JobTimings } from './job-runner.js';
import { subscribeToJob } from './job-subscription.js';

export interface JobQueueOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly timings?: Partial<JobTimings>;
  readonly retryPolicy?: RetryPolicy;
  /** How often a subscription re-reads the store in case a live message was lost, in ms. */
  readonly subscriptionPollMs?: number;
  readonly report?: JobErrorReporter;
}

export const MAX_CONCURRENCY = 64;

/** Workers as an adapter builds them: not yet running until `start()`. */
export interface StartableWorkers extends JobWorkers {
  start(): Promise<void>;
}

export abstract class JobQueueCore {
  protected readonly clock: Clock;
  protected readonly ids: IdGenerator;
  protected readonly timings: JobTimings;
  protected readonly retryPolicy: RetryPolicy;
  protected readonly report: JobErrorReporter;
  private readonly subscriptionPollMs: number;
  private readonly subscriptions = new Set<{ end(): void }>();
  protected closed = false;
  private workers: StartableWorkers | undefined;

  protected constructor(
    protected readonly store: JobStore,
    protected readonly channel: JobEventChannel,
    options: JobQueueOptions,
  ) {
    this.clock = options.clock;
    this.ids = options.ids;
    const timings = { ...DEFAULT_TIMINGS, ...options.timings };
    if (options.timings?.heartbeatMs === undefined) timings.heartbeatMs = Math.max(50, Math.floor(timings.leaseMs / 3));
    if (timings.heartbeatMs >= timings.leaseMs) throw invalid('timings.heartbeatMs', 'heartbeatMs must be shorter than leaseMs');
    this.timings = timings;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.report = options.report ?? reportToStderr;
    this.subscriptionPollMs = options.subscriptionPollMs ?? 1_000;
  }

  /** Called after a job record exists (new or deduplicated) so the transport can carry it. */
  protected abstract dispatch(job: Job): Promise<void>;

  /** Builds this transport's worker pool for validated handlers. */
  protected abstract createWorkers(handlers: JobHandlers, kinds: JobKind[], concurrency: number): StartableWorkers;

  /** Releases the transport's own resources; workers and subscriptions are already stopped. */
  protected abstract closeTransport(): Promise<void>;

  async startWorkers(handlers: JobHandlers, options: WorkerOptions = {}): Promise<JobWorkers> {
    this.assertOpen();
    if (this.workers) throw new WardenError('VERSION_CONFLICT', 'workers already started on this queue');
    const concurrency = checkConcurrency(options.concurrency);
    const workers = this.createWorkers(handlers, handlerKinds(handlers), concurrency);
    this.workers = workers;
    await workers.start();
    return workers;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.workers?.stop(5_000);
    this.endSubscriptions();
    await this.closeTransport();
  }

  async enqueue(request: EnqueueRequest): Promise<Job> {
    return (await this.submit(request)).job;
  }

  async submit(request: EnqueueRequest): Promise<{ job: Job; created: boolean }> {
    this.assertOpen();
    const planned = planEnqueue(request, this.ids.next(), this.clock.now());
    const stored = await this.store.create(planned);
    if (stored.job.state === 'queued') await this.dispatch(stored.job);
    return stored;
  }

  async get(id: string): Promise<Job> {
    const job = await this.store.get(id);
    if (!job) throw new WardenError('JOB_NOT_FOUND', `no job with id ${id}`, { details: { id } });
    return job;
  }

  async list(filter: JobFilter = {}): Promise<JobPage> {
    return this.store.list(filter);
  }

  async logs(id: string, options: { afterSeq?: number; limit?: number } = {}): Promise<JobLogLine[]> {
    const afterSeq = options.afterSeq ?? 0;
    const limit = options.limit ?? 1_000;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw invalid('afterSeq', 'afterSeq must be a whole number ≥ 0');
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid('limit', 'limit must be from 1 to 10000');
    await this.get(id);
    return this.store.logs(id, afterSeq, limit);
  }

  async cancel(id: string): Promise<Job> {
    // The decision is re-taken when the job moved between our read and our write.
    for (let round = 0; round < 5; round++) {
      const job = await this.get(id);
      const decision = decideCancel(job);
      if (decision.action === 'already-requested') return job;
      const now = this.clock.now();
      const changed = decision.action === 'cancel-now' ? await this.store.cancelQueued(id, now) : await this.store.requestCancel(id, now);
      if (!changed) continue;
      if (decision.action === 'cancel-now') {
        this.channel.publish({ type: 'state', jobId: id, job: changed });
        await this.withdraw(changed);
      } else {
        this.channel.publish({ type: 'cancel', jobId: id });
        this.channel.publish({ type: 'state', jobId: id, job: changed });
      }
      return changed;
    }
    throw new WardenError('VERSION_CONFLICT', `job ${id} kept changing state; try the cancel again`);
  }

  /** A queued job was cancelled: the transport may drop its copy (optional; workers skip terminal jobs). */
  protected async withdraw(_job: Job): Promise<void> {}

  async subscribe(id: string, listener: (event: JobEvent) => void): Promise<JobSubscription> {
    this.assertOpen();
    const subscription = await subscribeToJob(
      { store: this.store, channel: this.channel, pollMs: this.subscriptionPollMs, report: this.report },
      id,
      listener,
    );
    this.subscriptions.add(subscription);
    void subscription.ended.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  protected endSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) subscription.end();
  }

  protected assertOpen(): void {
    if (this.closed) throw new WardenError('STORE_UNAVAILABLE', 'the job queue is closed');
  }
}

export function checkConcurrency(value: number | undefined): number {
  const concurrency = value ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalid('concurrency', `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return concurrency;
}

export function handlerKinds(handlers: JobHandlers): JobKind[] {
  const kinds = JOB_KINDS.filter((kind) => typeof handlers[kind] === 'function');
  for (const key of Object.keys(handlers)) {
    if (!(JOB_KINDS as readonly string[]).includes(key)) throw invalid('handlers', `unknown job kind ${key}`);
  }
  if (kinds.length === 0) throw invalid('handlers', 'give at least one job handler');
  return kinds;
}
