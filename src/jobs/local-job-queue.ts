/**
 * The embedded queue: the job store IS the queue. Workers in this process claim due
 * jobs atomically from the store, woken at once by enqueues in this process and by a
 * poll otherwise. Jobs left running by a dead process are taken back when workers start
 * and by a periodic sweep of expired leases. A schedule is a timer in each declaring
 * process that adds the current window's job; the window's idempotency key makes the
 * store keep one of them, so the tick runs once however many processes declared it.
 */
import { planSchedule, scheduleWindow, windowJob, type Schedule, type ScheduleRequest } from '../domain/job-schedules.js';
import { decideRecovery, isOrphaned, isTerminal, type Job, type JobKind } from '../domain/jobs.js';
import type { JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import { InMemoryJobEventChannel, type JobEventChannel } from './job-event-channel.js';
import { JobQueueCore, type JobQueueOptions, type StartableWorkers } from './job-queue-core.js';
import { isLiveWorkerHere, isWorkerDeadOnThisHost, newWorkerId, registerLiveWorker, runAttempt } from './job-runner.js';

export interface LocalJobQueueOptions extends JobQueueOptions {
  /** How often idle workers look for due jobs enqueued elsewhere or whose backoff ended, in ms. */
  readonly pollIntervalMs?: number;
  /**
   * How this queue's live messages (enqueued, progress, logs, state, cancel) reach the other
   * parts of the queue: in this process by default; across the processes of one server with
   * ClusterJobEventChannel, so an API process streams a job that the primary runs.
   */
  readonly channel?: JobEventChannel;
}


export class LocalJobQueue extends JobQueueCore implements JobQueue {
  private readonly pollIntervalMs: number;
  private readonly schedules = new Map<string, { schedule: Schedule; timer: NodeJS.Timeout | undefined }>();

  constructor(store: JobStore, options: LocalJobQueueOptions) {
    super(store, options.channel ?? new InMemoryJobEventChannel(), options);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
  }

  protected async dispatch(job: Job): Promise<void> {
    this.channel.publish({ type: 'enqueued', jobId: job.id, kind: job.kind });
  }

  protected createWorkers(handlers: JobHandlers, kinds: JobKind[], concurrency: number): LocalWorkers {
    return new LocalWorkers(this.deps(), handlers, kinds, concurrency, this.pollIntervalMs);
  }

  protected async closeTransport(): Promise<void> {
    for (const name of [...this.schedules.keys()]) await this.unschedule(name);
    await this.channel.close();
  }

  async schedule(request: ScheduleRequest): Promise<void> {
    this.assertOpen();
    const schedule = planSchedule(request);
    const current = this.schedules.get(schedule.name);
    if (current && JSON.stringify(current.schedule) === JSON.stringify(schedule)) return;
    await this.unschedule(schedule.name);
    const entry: { schedule: Schedule; timer: NodeJS.Timeout | undefined } = { schedule, timer: undefined };
    this.schedules.set(schedule.name, entry);
    const tick = async (): Promise<void> => {
      const now = this.clock.now();
      const window = scheduleWindow(schedule.everyMs, now);
      try {
        await this.submit(windowJob(schedule, window));
      } catch (error) {
        // The next window tries again; a store outage costs ticks, not the schedule.
        if (!this.closed) this.report(`schedule ${schedule.name}: adding the job of window ${window} failed`, error);
      }
      if (this.schedules.get(schedule.name) !== entry) return;
      entry.timer = setTimeout(() => void tick(), (window + 1) * schedule.everyMs - this.clock.now());
      entry.timer.unref();
    };
    await tick();
  }

  async unschedule(name: string): Promise<void> {
    const entry = this.schedules.get(name);
    if (!entry) return;
    this.schedules.delete(name);
    clearTimeout(entry.timer);
  }

  private deps() {
    return {
      store: this.store,
      channel: this.channel,
      clock: this.clock,
      timings: this.timings,
      retryPolicy: this.retryPolicy,
      report: this.report,
    };
  }
}

type WorkerDeps = ReturnType<LocalJobQueue['deps']>;

class LocalWorkers implements StartableWorkers {
  readonly workerId = newWorkerId();
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private unregister: (() => void) | undefined;
  private stopping = false;
  private nudged = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly handlers: JobHandlers,
    private readonly kinds: readonly JobKind[],
    private readonly concurrency: number,
    private readonly pollIntervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.unregister = registerLiveWorker(this.workerId);
    await this.recoverOrphans();
    this.stopListening = this.deps.channel.listen((message) => {
      if (message.type === 'enqueued' && this.kinds.includes(message.kind)) this.nudge();
      if (message.type === 'state' && message.job.state === 'queued') this.nudgeAt(message.job.runAt);
    });
    this.sweepTimer = setInterval(() => {
      this.recoverOrphans().catch((error: unknown) => this.deps.report('lease sweep failed', error));
    }, this.deps.timings.leaseMs);
    this.sweepTimer.unref();
    this.loop = this.run();
  }

  /** Takes back running jobs whose worker is gone: lease expired, or a dead process on this host. */
  private async recoverOrphans(): Promise<void> {
    const now = this.deps.clock.now();
    for (const job of await this.deps.store.listRunning()) {
      // A worker of this process is alive by definition, even if a long synchronous step
      // delayed its heartbeat past the lease.
      if (isLiveWorkerHere(job.workerId)) continue;
      const expired = isOrphaned(job, now);
      if (!expired && !isWorkerDeadOnThisHost(job.workerId)) continue;
      const decision = decideRecovery(job, now);
      // With only an expired lease as evidence, the guard re-checks it inside the write.
      const settled = await this.deps.store.settle(job.id, job.workerId ?? '', decision, now, expired ? now : undefined);
      if (settled) {
        this.deps.channel.publish({ type: 'state', jobId: job.id, job: settled });
        await this.deps.store.appendLogs(job.id, [`[warden] worker ${job.workerId} stopped mid-job; ${decision.state === 'queued' ? 'running it again' : decision.error.message}`], now);
      }
    }
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private nudgeAt(runAt: number): void {
    const delay = runAt - this.deps.clock.now();
    if (delay <= 0) return this.nudge();
    setTimeout(() => this.nudge(), delay).unref();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.nudged = false;
      let claimed = false;
      try {
        while (!this.stopping && this.inFlight.size < this.concurrency) {
          const job = await this.deps.store.claimNext(this.kinds, {
            workerId: this.workerId,
            now: this.deps.clock.now(),
            leaseMs: this.deps.timings.leaseMs,
          });
          if (!job) break;
          claimed = true;
          this.launch(job);
        }
      } catch (error) {
        this.deps.report('claiming a job failed', error);
      }
      if (this.stopping) break;
      // A nudge that came while we were claiming means there may be more to take.
      if (this.nudged || (claimed && this.inFlight.size < this.concurrency)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private launch(job: Job): void {
    const handler = this.handlers[job.kind];
    const run = (async () => {
      try {
        if (!handler || isTerminal(job.state)) return;
        await runAttempt(job, handler, { ...this.deps, workerId: this.workerId }, this.shutdown.signal);
      } catch (error) {
        // The job stays running under our lease; the sweep takes it back once the lease expires.
        this.deps.report(`job ${job.id}: settling failed`, error);
      } finally {
        this.inFlight.delete(job.id);
        this.nudge();
      }
    })();
    this.inFlight.set(job.id, run);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.nudge();
    this.stopListening?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.loop;
    const all = Promise.allSettled([...this.inFlight.values()]);
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), graceMs)));
    if ((await Promise.race([all, graceOver])) === 'timeout') this.shutdown.abort();
    clearTimeout(graceTimer);
    await all;
    this.unregister?.();
  }
}
