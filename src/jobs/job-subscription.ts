import { WardenError } from '../domain/errors.js';
import { isTerminal, type Job, type JobEvent, type JobLogLine, type JobProgress } from '../domain/jobs.js';
import type { JobSubscription } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { JobEventChannel, JobMessage } from './job-event-channel.js';
import type { JobErrorReporter } from './job-runner.js';

export interface SubscriptionDeps {
  readonly store: JobStore;
  readonly channel: JobEventChannel;
  /** How often the store is re-read in case a live message was lost, in ms. */
  readonly pollMs: number;
  readonly report: JobErrorReporter;
}

const SNAPSHOT_LOG_LINES = 100;

/**
 * Snapshot, then live messages, with the store polled as a safety net. Everything is
 * handled through one serial chain and de-duplicated by revision (state), update time
 * (progress) and sequence number (logs), so events never go back in time and the
 * terminal state is the last event.
 */
export async function subscribeToJob(
  deps: SubscriptionDeps,
  id: string,
  listener: (event: JobEvent) => void,
): Promise<JobSubscription & { end(): void }> {
  const { store, channel } = deps;
  let ended = false;
  let resolveEnded!: () => void;
  const endedPromise = new Promise<void>((resolve) => (resolveEnded = resolve));
  let lastRevision = 0;
  let lastProgressAt = 0;
  let lastLogSeq = 0;
  let snapshotTaken = false;
  const early: JobMessage[] = [];
  let chain: Promise<void> = Promise.resolve();
  let pollTimer: NodeJS.Timeout | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    stopListening();
    if (pollTimer) clearInterval(pollTimer);
    resolveEnded();
  };
  const deliver = (event: JobEvent) => {
    if (ended) return;
    try {
      listener(event);
    } catch (error) {
      deps.report(`job ${id}: subscriber failed, unsubscribing`, error);
      end();
    }
  };
  const serially = (step: () => Promise<void> | void) => {
    chain = chain.then(async () => {
      if (!ended) await step();
    }).catch((error: unknown) => deps.report(`job ${id}: subscription update failed`, error));
  };

  const deliverLogs = (logs: readonly JobLogLine[]) => {
    for (const log of logs) {
      if (log.seq <= lastLogSeq) continue;
      lastLogSeq = log.seq;
      deliver({ type: 'log', jobId: id, log });
    }
  };
  const deliverProgress = (progress: JobProgress | null) => {
    if (!progress || progress.updatedAt <= lastProgressAt) return;
    lastProgressAt = progress.updatedAt;
    deliver({ type: 'progress', jobId: id, progress });
  };
  const deliverState = async (job: Job) => {
    if (job.revision <= lastRevision) return;
    if (isTerminal(job.state)) {
      deliverLogs(await store.logs(id, lastLogSeq, 100_000)); // the last lines come before the end
      // So does the last progress report: its live message can be overtaken by the state change
      // (another connection on Redis) or lost, and a watcher must not end at 80 %.
      deliverProgress(job.progress);
    }
    lastRevision = job.revision;
    if (job.state !== 'running') lastProgressAt = Math.min(lastProgressAt, job.progress?.updatedAt ?? 0);
    deliver({ type: 'state', job });
    if (isTerminal(job.state)) end();
  };
  // Reads the job before its logs: logs are flushed before a job settles, so a terminal job's log is complete.
  const poll = async () => {
    const job = await store.get(id);
    if (!job) return;
    deliverLogs(await store.logs(id, lastLogSeq, 10_000));
    if (job.state === 'running') deliverProgress(job.progress);
    await deliverState(job);
  };
  const handle = (message: JobMessage) => {
    serially(async () => {
      if (message.type === 'log') {
        if (message.log.seq === lastLogSeq + 1) deliverLogs([message.log]);
        else if (message.log.seq > lastLogSeq) await poll(); // a gap: lines were lost, read them back
      } else if (message.type === 'progress') {
        deliverProgress(message.progress);
      } else if (message.type === 'state') {
        await deliverState(message.job);
      }
    });
  };

  const stopListening = channel.listen((message) => {
    if (message.jobId !== id || ended) return;
    if (snapshotTaken) handle(message);
    else early.push(message);
  });
  try {
    await channel.ready();
    const job = await store.get(id);
    if (!job) throw new WardenError('JOB_NOT_FOUND', `no job with id ${id}`);
    const logs = await store.tailLogs(id, SNAPSHOT_LOG_LINES);
    lastRevision = job.revision;
    lastProgressAt = job.progress?.updatedAt ?? 0;
    lastLogSeq = logs[logs.length - 1]?.seq ?? 0;
    snapshotTaken = true;
    deliver({ type: 'snapshot', job, logs });
    if (isTerminal(job.state)) end();
  } catch (error) {
    end();
    throw error;
  }
  for (const message of early.splice(0)) handle(message);
  if (!ended) {
    pollTimer = setInterval(() => serially(poll), deps.pollMs);
    pollTimer.unref();
  }
  return { ended: endedPromise, unsubscribe: end, end };
}
