/**
 * Plain log lines for jobs someone should see progress of without a client open (the
 * first-start bootstrap): one line per phase or epoch change and per 10 % of progress,
 * then the outcome. Reads the queue's live subscription; never throws.
 */
import { jobRunMs, type Job, type JobProgress } from '../domain/jobs.js';
import type { JobQueue } from '../domain/ports/job-queue.js';

/** `42% training epoch 3/5, 1830 docs/s, ETA 4 s — message` */
export function describeProgress(progress: JobProgress): string {
  const parts = [`${Math.floor(progress.fraction * 100)}%`, progress.phase];
  if (progress.epoch !== undefined) parts.push(`epoch ${progress.epoch}${progress.totalEpochs !== undefined ? `/${progress.totalEpochs}` : ''}`);
  else if (progress.step !== undefined && progress.totalSteps !== undefined) parts.push(`${progress.step}/${progress.totalSteps}`);
  let line = parts.join(' ');
  if (progress.throughput !== undefined) line += `, ${Math.round(progress.throughput)} ${progress.throughputUnit ?? 'items/s'}`;
  if (progress.etaSeconds !== undefined && progress.fraction < 1) line += `, ETA ${Math.ceil(progress.etaSeconds)} s`;
  if (progress.message !== undefined) line += ` — ${progress.message}`;
  return line;
}

function describeEnd(job: Job): string {
  if (job.state === 'succeeded' && typeof job.result === 'object' && job.result !== null && !Array.isArray(job.result)) {
    const r = job.result as Record<string, unknown>;
    const metrics = (r.metrics ?? {}) as Record<string, number>;
    const f1 = typeof metrics.eval_f1 === 'number' ? ` eval_f1 ${metrics.eval_f1.toFixed(4)}` : '';
    const acc = typeof metrics.eval_accuracy === 'number' ? ` eval_accuracy ${metrics.eval_accuracy.toFixed(4)}` : '';
    return `succeeded: ${String(r.model)} ${String(r.semver)} → ${String(r.stage)}${acc}${f1}`;
  }
  return `${job.state}${job.error ? `: ${job.error.message}` : ''}`;
}

/** Prints the progress of `jobs` as lines through `print` until each ends. */
export function followJobs(queue: JobQueue, jobs: readonly Job[], print: (line: string) => void): void {
  for (const job of jobs) {
    const label = `[${typeof job.payload.model === 'string' ? job.payload.model : job.kind} ${job.id.slice(0, 8)}]`;
    let lastPhase = '';
    let lastEpoch: number | undefined;
    let lastDecile = -1;
    queue
      .subscribe(job.id, (event) => {
        const progress = event.type === 'progress' ? event.progress : event.type === 'snapshot' ? event.job.progress : null;
        if (progress) {
          const decile = Math.floor(progress.fraction * 10);
          if (progress.phase !== lastPhase || progress.epoch !== lastEpoch || decile > lastDecile) {
            lastPhase = progress.phase;
            lastEpoch = progress.epoch;
            lastDecile = decile;
            print(`${label} ${describeProgress(progress)}`);
          }
        }
        const ended = event.type === 'state' || event.type === 'snapshot' ? event.job : undefined;
        if (ended && (ended.state === 'succeeded' || ended.state === 'failed' || ended.state === 'cancelled')) {
          print(`${label} ${describeEnd(ended)} (ran ${((jobRunMs(ended) ?? 0) / 1000).toFixed(1)} s)`);
        }
      })
      .catch((error: unknown) => print(`${label} progress unavailable: ${error instanceof Error ? error.message : String(error)}`));
  }
}
