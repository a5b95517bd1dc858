/**
 * Warden's periodic work as scheduled jobs: declared once per cluster on the job queue
 * (see JobQueue.schedule), each tick runs as one job in one worker, however many
 * processes run. The handlers only call the use cases; their results are the job's result.
 */
import type { ScheduleRequest } from '../domain/job-schedules.js';
import type { JobHandlers } from '../domain/ports/job-queue.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { ArtifactService } from './artifact-service.js';
import type { DatasetService } from './dataset-service.js';
import type { TrainingService } from './training-service.js';

export const PERIODIC_KINDS = ['sweep-artifacts', 'scan-fresh-data', 'cleanup-events'] as const;

export interface PeriodicWorkDeps {
  readonly artifacts: Pick<ArtifactService, 'sweep'>;
  readonly datasets: Pick<DatasetService, 'scanFresh'>;
  readonly training: Pick<TrainingService, 'reconcileFreshData'>;
  /** Deletes delivered events past their retention; returns how many. */
  readonly deleteDeliveredEvents: () => Promise<number>;
  /** The periodic jobs' own records: those ended longer than `retentionMs` ago are deleted. */
  readonly jobs: Pick<JobStore, 'deleteFinished'>;
  readonly periodicJobRetentionMs: number;
  readonly clock: Clock;
  readonly log?: (level: 'info', message: string, fields: Record<string, unknown>) => void;
}

/** One schedule per periodic kind, named after it, every `everyMs` (WARDEN_SWEEP_INTERVAL_MS). */
export function periodicSchedules(everyMs: number): ScheduleRequest[] {
  return PERIODIC_KINDS.map((kind) => ({ name: kind, everyMs, kind }));
}

export function periodicHandlers(deps: PeriodicWorkDeps): JobHandlers {
  return {
    'sweep-artifacts': async () => {
      const report = await deps.artifacts.sweep();
      const summary = { deleted: report.deleted.length, bytesFreed: report.bytesFreed, temporariesRemoved: report.temporariesRemoved };
      if (summary.deleted > 0 || summary.temporariesRemoved > 0) deps.log?.('info', 'artifact sweep', summary);
      return summary;
    },
    'scan-fresh-data': async () => {
      const report = await deps.datasets.scanFresh();
      const announced = report.models.filter((m) => m.announced).map((m) => m.model);
      const rejected = report.models.flatMap((m) => m.rejected.map((r) => `${m.model}/${r.file}`));
      if (announced.length > 0 || rejected.length > 0) deps.log?.('info', 'fresh data scan', { announced, rejected });
      // Retrains whose fresh-data event was lost (e.g. the process died after the scan).
      const retrains = await deps.training.reconcileFreshData(report);
      return { announced, rejected, retrains: retrains.map((job) => job.id) };
    },
    'cleanup-events': async () => {
      const deleted = await deps.deleteDeliveredEvents();
      // Ticks add a few records a minute; without this they would crowd out every other job.
      const jobsDeleted = await deps.jobs.deleteFinished(PERIODIC_KINDS, deps.clock.now() - deps.periodicJobRetentionMs, 10_000);
      if (deleted > 0 || jobsDeleted > 0) deps.log?.('info', 'delivered events and old periodic jobs deleted', { deleted, jobsDeleted });
      return { deleted, jobsDeleted };
    },
  };
}
