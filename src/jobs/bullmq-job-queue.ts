/**
 * The distributed queue: BullMQ on Redis carries jobs to workers in any number of
 * processes (`warden worker`) and detects workers that died (stalled-job detection);
 * the job store keeps the canonical record, exactly as in embedded mode. Progress, logs,
 * state changes and cancel requests cross processes on a Redis pub/sub channel, with the
 * store as the fallback every subscriber and worker polls.
 *
 * One BullMQ job carries one attempt: `<job id>-a<n>`. A retry adds the next one with the
 * backoff as its delay, so BullMQ never retries on its own and our domain decides.
 *
 * A schedule is a BullMQ job scheduler (one per name in Redis, whoever declares it); each of
 * its jobs carries the schedule, and the worker that takes it adds the window's job to the
 * store under the window's idempotency key, so a tick runs once even if it fires twice.
 */
import { DelayedError, Queue, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { planSchedule, scheduleWindow, windowJob, type Schedule, type ScheduleRequest } from '../domain/job-schedules.js';
import { MAX_ATTEMPTS_LIMIT, decideRecovery, isOrphaned, isTerminal, type EnqueueRequest, type Job, type JobKind } from '../domain/jobs.js';
import type { JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { JobEventChannel, JobMessage } from './job-event-channel.js';
import { JobQueueCore, type JobQueueOptions, type StartableWorkers } from './job-queue-core.js';
import { newWorkerId, runAttempt } from './job-runner.js';

export interface BullMqJobQueueOptions extends JobQueueOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`. */
  readonly url: string;
  /** The BullMQ queue name; default `warden-jobs`. */
  readonly queueName?: string;
  /** Redis key prefix; distinct prefixes keep deployments (and test runs) apart. Default `warden`. */
  readonly prefix?: string;
  /** How often workers look for jobs whose worker died (BullMQ stalled check), in ms. Default 30 s. */
  readonly stalledIntervalMs?: number;
}

/** A job's attempt, or a tick of a schedule (which becomes the window's job). */
type Payload = { readonly jobId: string } | { readonly schedule: Schedule };

const KEEP_FINISHED = { count: 1_000, age: 24 * 3600 }; // BullMQ's copies only; the store keeps the record

export class BullMqJobQueue extends JobQueueCore implements JobQueue {
  private readonly queue: Queue<Payload>;
  private readonly connection: Redis;
  private readonly queueName: string;
  private readonly prefix: string;
  private readonly stalledIntervalMs: number;
  private readonly url: string;

  constructor(store: JobStore, options: BullMqJobQueueOptions) {
    const queueName = options.queueName ?? 'warden-jobs';
    const prefix = options.prefix ?? 'warden';
    super(store, new RedisJobEventChannel(options.url, `${prefix}:${queueName}:events`), options);
    this.url = options.url;
    this.queueName = queueName;
    this.prefix = prefix;
    this.stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
    // A producer fails fast while Redis is away (the store keeps the job) rather than hang a request.
    this.connection = new Redis(options.url, { maxRetriesPerRequest: 2 });
    this.queue = new Queue<Payload>(queueName, { connection: this.connection, prefix });
    this.queue.on('error', (error) => this.report('BullMQ queue error', error));
  }

  /**
   * Adds the BullMQ job for the job's next attempt; adding it twice is a no-op (same BullMQ id).
   * Never throws: the job is durable in the store already, and workers re-publish queued jobs
   * at start and at every lease sweep, so a Redis outage delays the job instead of losing it.
   */
  protected async dispatch(job: Job): Promise<void> {
    const delay = Math.max(0, job.runAt - this.clock.now());
    try {
      await this.queue.add(job.kind, { jobId: job.id }, {
        jobId: attemptId(job.id, job.attempts + 1),
        delay,
        attempts: 1,
        removeOnComplete: KEEP_FINISHED,
        removeOnFail: KEEP_FINISHED,
      });
    } catch (error) {
      this.report(`job ${job.id}: not handed to Redis yet (workers will re-publish it)`, error);
    }
  }

  async schedule(request: ScheduleRequest): Promise<void> {
    this.assertOpen();
    const schedule = planSchedule(request);
    // Upserting the same settings keeps one scheduler; new settings replace its next job.
    await this.queue.upsertJobScheduler(schedule.name, { every: schedule.everyMs }, {
      name: schedule.kind,
      data: { schedule },
      opts: { attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED },
    });
  }

  async unschedule(name: string): Promise<void> {
    this.assertOpen();
    await this.queue.removeJobScheduler(name);
  }

  protected override async withdraw(job: Job): Promise<void> {
    // Best effort: a worker that gets it anyway sees the terminal record and skips it.
    await this.queue.remove(attemptId(job.id, job.attempts + 1)).catch(() => 0);
  }

  protected createWorkers(handlers: JobHandlers, kinds: JobKind[], concurrency: number): BullMqWorkers {
    return new BullMqWorkers(this, handlers, kinds, concurrency);
  }

  protected async closeTransport(): Promise<void> {
    await this.queue.close();
    await this.channel.close();
    this.connection.disconnect();
  }

  /** @internal What the workers need from the queue. */
  internals() {
    return {
      store: this.store,
      channel: this.channel,
      clock: this.clock,
      timings: this.timings,
      retryPolicy: this.retryPolicy,
      report: this.report,
      url: this.url,
      queueName: this.queueName,
      prefix: this.prefix,
      stalledIntervalMs: this.stalledIntervalMs,
      dispatch: (job: Job) => this.dispatch(job),
      submit: (request: EnqueueRequest) => this.submit(request),
    };
  }
}

function attemptId(jobId: string, attempt: number): string {
  return `${jobId}-a${attempt}`;
}

function attemptOf(bullJobId: string | undefined): number {
  const match = /-a(\d+)$/.exec(bullJobId ?? '');
  return match?.[1] ? Number(match[1]) : 0;
}

function redisClient(url: string): Redis {
  // BullMQ requires maxRetriesPerRequest: null so blocking commands survive reconnects.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

class BullMqWorkers implements StartableWorkers {
  readonly workerId = newWorkerId();
  private readonly shutdown = new AbortController();
  private worker: Worker<Payload> | undefined;
  private connection: Redis | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly deps: ReturnType<BullMqJobQueue['internals']>;
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    queue: BullMqJobQueue,
    private readonly handlers: JobHandlers,
    private readonly kinds: readonly JobKind[],
    private readonly concurrency: number,
  ) {
    this.deps = queue.internals();
  }

  async start(): Promise<void> {
    const { timings, stalledIntervalMs, queueName, prefix, url } = this.deps;
    this.connection = redisClient(url);
    this.worker = new Worker<Payload>(queueName, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix,
      concurrency: this.concurrency,
      lockDuration: timings.leaseMs,
      stalledInterval: stalledIntervalMs,
      // Our attempts counter (in the store) decides when a crash-looping job gives up.
      maxStalledCount: MAX_ATTEMPTS_LIMIT + 1,
      autorun: true,
    });
    this.worker.on('error', (error) => this.deps.report('BullMQ worker error', error));
    await this.worker.waitUntilReady();
    await this.republishQueued();
    this.sweepTimer = setInterval(() => {
      this.sweepExpiredLeases()
        .then(() => this.republishQueued())
        .catch((error: unknown) => this.deps.report('lease sweep failed', error));
    }, timings.leaseMs);
    this.sweepTimer.unref();
  }

  /** A job whose enqueue reached the store but not Redis (Redis was down) is carried now; the others are no-ops. */
  private async republishQueued(): Promise<void> {
    for (const job of await this.deps.store.listQueued(this.kinds, 10_000)) await this.deps.dispatch(job);
  }

  /**
   * Fallback for a running record whose BullMQ job is gone (e.g. the worker failed to write
   * the outcome and BullMQ dropped it): once the lease expired, queue it again.
   */
  private async sweepExpiredLeases(): Promise<void> {
    const now = this.deps.clock.now();
    // Twice the lease: BullMQ's stalled check (same lock duration) gets the first chance.
    for (const job of await this.deps.store.listRunning()) {
      if (!isOrphaned(job, now - this.deps.timings.leaseMs)) continue;
      const decision = decideRecovery(job, now);
      const settled = await this.deps.store.settle(job.id, job.workerId ?? '', decision, now, now - this.deps.timings.leaseMs);
      if (!settled) continue;
      this.deps.channel.publish({ type: 'state', jobId: job.id, job: settled });
      if (settled.state === 'queued') await this.deps.dispatch(settled);
    }
  }

  private async process(bullJob: BullJob<Payload>, token: string | undefined): Promise<void> {
    const run = this.processAttempt(bullJob, token);
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  private async processAttempt(bullJob: BullJob<Payload>, token: string | undefined): Promise<void> {
    const { store, clock, timings, channel } = this.deps;
    if ('schedule' in bullJob.data) {
      // Its window is the one it was due in: BullMQ spaces a scheduler's ticks exactly
      // `every` apart (creation time + delay), so each tick has its own window.
      const { schedule } = bullJob.data;
      const dueAt = (bullJob.opts.timestamp ?? bullJob.timestamp) + (bullJob.opts.delay ?? 0);
      await this.deps.submit(windowJob(schedule, scheduleWindow(schedule.everyMs, dueAt)));
      return;
    }
    const id = bullJob.data.jobId;
    const job = await store.get(id);
    if (!job || isTerminal(job.state)) return;
    const handler = this.handlers[job.kind];
    if (!handler) {
      // Another worker process has this kind's handler: hand the job back for it.
      await bullJob.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    const now = clock.now();
    if (job.state === 'queued' && job.runAt > now + 100) {
      // An older copy of the job came early (e.g. re-published): honour the retry backoff.
      await bullJob.moveToDelayed(job.runAt, token);
      throw new DelayedError();
    }
    const lease = { workerId: this.workerId, now, leaseMs: timings.leaseMs };
    let started: Job | undefined;
    if (job.state === 'queued') {
      started = await store.start(id, lease);
    } else if (bullJob.attemptsStarted > 1 && attemptOf(bullJob.id) === job.attempts && job.workerId !== this.workerId) {
      // BullMQ re-delivered this attempt after its worker's lock expired: that worker is gone.
      const decision = decideRecovery(job, now);
      if (decision.state !== 'queued') {
        const settled = await store.settle(id, job.workerId ?? '', decision, now);
        if (settled) channel.publish({ type: 'state', jobId: id, job: settled });
        return;
      }
      started = await store.start(id, lease, job.workerId ?? '');
      if (started) await store.appendLogs(id, [`[warden] worker ${job.workerId} stopped mid-job; running it again`], now);
    }
    // Otherwise another worker runs this job under a newer BullMQ job: nothing to do.
    if (!started) return;
    const settled = await runAttempt(started, handler, { ...this.deps, workerId: this.workerId }, this.shutdown.signal);
    if (settled?.state === 'queued') await this.deps.dispatch(settled);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const worker = this.worker;
    if (!worker) return;
    // Stop fetching, let running attempts finish within the grace period, then abort them.
    void worker.pause(true).catch(() => undefined);
    const all = Promise.allSettled([...this.inFlight]);
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), graceMs)));
    if ((await Promise.race([all, graceOver])) === 'timeout') this.shutdown.abort();
    clearTimeout(graceTimer);
    await all;
    await worker.close();
    this.connection?.disconnect();
  }
}

/** Pub/sub between processes: best effort, the store is the fallback. */
class RedisJobEventChannel implements JobEventChannel {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<(message: JobMessage) => void>();
  private readonly subscribed: Promise<void>;

  constructor(
    url: string,
    private readonly name: string,
  ) {
    this.publisher = new Redis(url, { maxRetriesPerRequest: 3 });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    this.publisher.on('error', () => undefined); // reconnects on its own; publishing is best effort
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.name) return;
      let message: JobMessage;
      try {
        message = JSON.parse(text) as JobMessage;
      } catch {
        return;
      }
      for (const listener of [...this.listeners]) {
        try {
          listener(message);
        } catch {
          // listeners report their own errors
        }
      }
    });
    this.subscribed = this.subscriber.subscribe(this.name).then(
      () => undefined,
      () => undefined, // Redis away: subscribers still get everything by polling the store
    );
  }

  publish(message: JobMessage): void {
    this.publisher.publish(this.name, JSON.stringify(message)).catch(() => undefined);
  }

  listen(listener: (message: JobMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for the subscription, but never more than 2 s: without Redis, the store poll still serves. */
  ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
      timer.unref();
    });
    return Promise.race([this.subscribed, timeout]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
