/**
 * Warden's periodic work as scheduled jobs: declared once per cluster on the job queue
 * (see JobQueue.schedule), each tick runs as one job in one worker, however many
 * processes run. The handlers only call the use cases; their results are the job's result.
 */
import type { ScheduleRequest } from '../domain/job-schedules.js';
import type { JobHandlers } from '../domain/ports/job-queue.js';
import { JOB_KINDS } from '../domain/jobs.js';
import type { JobStore } from '../domain/ports/job-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { ArtifactService } from './artifact-service.js';
import type { DeploymentService } from './deployment-service.js';
import type { FreshDataService } from './fresh-data-service.js';
import type { TrainingService } from './training-service.js';
import type { PredictionLog } from './prediction-log.js';
import type { MonitoringService } from './monitoring-service.js';
import type { RetrainingOrchestrator } from './retraining-orchestrator.js';

/** The least time a retrain decision has to queue its job before the repair takes it for lost. */
export const REPAIR_GRACE_FLOOR_MS = 60_000;

export const PERIODIC_KINDS = ['sweep-artifacts', 'scan-fresh-data', 'cleanup-events', 'cleanup-predictions', 'check-deployments', 'monitor-models', 'retraining-schedules'] as const;
/** Jobs someone asked for (train, retrain, evaluate, …): kept far longer than the ticks, for their history. */
const REQUESTED_KINDS = JOB_KINDS.filter((kind) => !(PERIODIC_KINDS as readonly string[]).includes(kind));

export interface PeriodicWorkDeps {
  readonly artifacts: Pick<ArtifactService, 'sweep'>;
  readonly freshData: Pick<FreshDataService, 'scanFresh'>;
  readonly training: Pick<TrainingService, 'reconcileFreshData'>;
  /** Steps every deployment in flight (canary steps, guardrails). */
  readonly deployments: Pick<DeploymentService, 'checkAll'>;
  /** Deletes predictions past WARDEN_PREDICTION_RETENTION_MS. */
  readonly predictionLog: Pick<PredictionLog, 'deleteExpired'>;
  /** Live metrics, drift and anomalies of every model, into alerts and snapshots. */
  readonly monitoring: Pick<MonitoringService, 'monitorAll'>;
  /** Evaluates the models' cron retraining schedules (a firing is one signal however many processes tick), and repairs decisions whose retrain was lost. */
  readonly retraining: Pick<RetrainingOrchestrator, 'tick' | 'repairLost'>;
  /** The period of the ticks (WARDEN_SWEEP_INTERVAL_MS): a tick looks back two of them, so one missed tick loses no firing. */
  readonly sweepIntervalMs: number;
  /** Deletes delivered events past their retention; returns how many. */
  readonly deleteDeliveredEvents: () => Promise<number>;
  /** Ended jobs (with their logs and checkpoints) past their retention are deleted. */
  readonly jobs: Pick<JobStore, 'deleteFinished'>;
  /** For the periodic jobs' own records (WARDEN_PERIODIC_JOB_RETENTION_MS). */
  readonly periodicJobRetentionMs: number;
  /** For every other job's record and log (WARDEN_JOB_RETENTION_MS). */
  readonly jobRetentionMs: number;
  readonly clock: Clock;
  readonly log?: (level: 'info', message: string, fields: Record<string, unknown>) => void;
}

/**
 * One schedule per periodic kind, named after it: housekeeping every `intervals.sweepMs`
 * (WARDEN_SWEEP_INTERVAL_MS), the deployments' checks every `intervals.deploymentCheckMs`
 * (WARDEN_DEPLOYMENT_CHECK_MS: a canary's bake time is only as precise as this), monitoring
 * every `intervals.monitorMs` (WARDEN_MONITOR_INTERVAL_MS: one anomaly reading per tick).
 */
export function periodicSchedules(intervals: { readonly sweepMs: number; readonly deploymentCheckMs: number; readonly monitorMs: number }): ScheduleRequest[] {
  const everyMs = (kind: (typeof PERIODIC_KINDS)[number]): number =>
    kind === 'check-deployments' ? intervals.deploymentCheckMs : kind === 'monitor-models' ? intervals.monitorMs : intervals.sweepMs;
  return PERIODIC_KINDS.map((kind) => ({ name: kind, everyMs: everyMs(kind), kind }));
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
      const report = await deps.freshData.scanFresh();
      const announced = report.models.filter((m) => m.announced).map((m) => m.model);
      const rejected = report.models.flatMap((m) => m.rejected.map((r) => `${m.model}/${r.file}`));
      if (announced.length > 0 || rejected.length > 0) deps.log?.('info', 'fresh data scan', { announced, rejected });
      // Retrains whose fresh-data event was lost (e.g. the process died after the scan).
      const retrains = await deps.training.reconcileFreshData(report);
      return { announced, rejected, retrains: retrains.map((job) => job.id) };
    },
    'cleanup-events': async () => {
      const deleted = await deps.deleteDeliveredEvents();
      const now = deps.clock.now();
      // Ticks add a few records a minute; without a short retention they would crowd out every other job.
      const ticksDeleted = await deps.jobs.deleteFinished(PERIODIC_KINDS, now - deps.periodicJobRetentionMs, 10_000);
      // Versions and runs keep the lineage; a requested job's record and log only serve `warden jobs`.
      const requestedDeleted = await deps.jobs.deleteFinished(REQUESTED_KINDS, now - deps.jobRetentionMs, 10_000);
      const jobsDeleted = ticksDeleted + requestedDeleted;
      if (deleted > 0 || jobsDeleted > 0) deps.log?.('info', 'delivered events and old jobs deleted', { deleted, ticksDeleted, requestedDeleted });
      return { deleted, jobsDeleted, ticksDeleted, requestedDeleted };
    },
    'check-deployments': async () => {
      const moved = await deps.deployments.checkAll();
      return { moved: moved.map((d) => ({ id: d.id, model: d.model, state: d.state, step: d.stepIndex })) };
    },
    'monitor-models': async () => {
      const report = await deps.monitoring.monitorAll();
      const fired = report.models.flatMap((m) => m.fired);
      const resolved = report.models.flatMap((m) => m.resolved);
      if (fired.length > 0 || resolved.length > 0) deps.log?.('info', 'monitoring tick', { fired, resolved });
      return { models: report.models.map((m) => ({ model: m.model, arms: m.arms, signals: m.signals })), fired, resolved };
    },
    'retraining-schedules': async () => {
      const decisions = await deps.retraining.tick(2 * deps.sweepIntervalMs);
      // A decision still without its job two ticks later, and at least a minute later, lost it
      // with its process. The floor matters where ticks are seconds apart: a live process on a
      // loaded machine can take longer than two of them to queue, and the repair must not
      // queue in its place (its caller is waiting for the job it queues itself).
      const repaired = await deps.retraining.repairLost(Math.max(2 * deps.sweepIntervalMs, REPAIR_GRACE_FLOOR_MS));
      return { decisions: decisions.map((d) => ({ id: d.id, model: d.model, outcome: d.outcome, job: d.jobId })), repaired: repaired.map((r) => ({ ...r })) };
    },
    'cleanup-predictions': async () => {
      const deleted = await deps.predictionLog.deleteExpired();
      if (deleted > 0) deps.log?.('info', 'predictions past retention deleted', { deleted });
      return { deleted };
    },
  };
}
