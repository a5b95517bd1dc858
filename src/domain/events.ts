/**
 * Which domain events a change raises, and the aggregate each one is ordered within.
 * Stores call these inside the transaction that makes the change, so the events and the
 * change commit (or roll back) together; the store persists, this file decides.
 */
import { candidatePercent, keepWarmOf, type Deployment } from './deployments/rollout.js';
import type { Alert } from './alerts/episodes.js';
import type {
  AlertEventSubject,
  AlertFiredEvent,
  AlertResolvedEvent,
  DeploymentChangedEvent,
  DomainEvent,
  FreshDataEvent,
  JobFinishedEvent,
  RedTeamFailedEvent,
  StageChangedEvent,
  VersionRegisteredEvent,
  VulnerabilitiesThresholdReachedEvent,
} from './ports/domain-events.js';
import type { Campaign } from './redteam/campaign.js';
import type { RetrainTrigger } from './redteam/ledger.js';
import type { DatasetVersion } from './datasets.js';
import { isTerminal, type Job } from './jobs.js';
import type { ModelVersion, StageTransition } from './registry/entities.js';

/** Events of one aggregate are delivered in the order they were raised. */
export function eventAggregate(event: DomainEvent): string {
  switch (event.type) {
    case 'fresh-data':
    case 'version-registered':
    case 'stage-changed':
    case 'deployment-changed':
    case 'redteam-failed':
    case 'alert-fired':
    case 'alert-resolved':
      return `model:${event.model}`;
    case 'vulnerabilities-threshold-reached':
      return `redteam:${event.task}`;
    case 'job-finished':
      return `job:${event.jobId}`;
  }
}

/** A registration: the new version, then every stage move of the plan, in history order. */
export function versionRegisteredEvents(version: ModelVersion, transitions: readonly StageTransition[]): DomainEvent[] {
  const registered: VersionRegisteredEvent = {
    type: 'version-registered',
    model: version.model,
    versionId: version.id,
    version: version.number,
    semver: version.semver,
    status: version.status,
    parentVersion: version.parentVersion,
    at: version.createdAt,
  };
  return [registered, ...stageChangedEvents(version.model, transitions)];
}

/** One stage-changed event per appended history record, in history order. */
export function stageChangedEvents(model: string, transitions: readonly StageTransition[]): StageChangedEvent[] {
  return transitions.map((t) => ({
    type: 'stage-changed',
    model,
    versionId: t.versionId,
    version: t.versionNumber,
    from: t.from,
    to: t.to,
    actor: t.actor,
    reason: t.reason,
    transitionId: t.id,
    at: t.at,
  }));
}

/** The event of a new `<model>-fresh` version: its files wait in `fresh/<model>/` for a retrain. */
export function freshDataEvent(model: string, dataset: DatasetVersion): FreshDataEvent {
  return {
    type: 'fresh-data',
    model,
    datasetName: dataset.name,
    datasetVersion: dataset.version,
    datasetDigest: dataset.sha256,
    files: dataset.sourceFiles,
    rows: dataset.rows,
    positives: dataset.positives,
    negatives: dataset.negatives,
    at: dataset.createdAt,
  };
}

/** The job-finished event of a job that just settled, or none while it is not terminal. */
export function jobFinishedEvents(job: Job, now: number): JobFinishedEvent[] {
  if (!isTerminal(job.state)) return [];
  const model = job.payload.model;
  return [{ type: 'job-finished', jobId: job.id, kind: job.kind, state: job.state, model: typeof model === 'string' ? model : null, at: now }];
}

/** The event of a deployment written in a new state (ordered with the model's stage changes). */
export function deploymentChangedEvent(deployment: Deployment): DeploymentChangedEvent {
  const keepWarm = keepWarmOf(deployment);
  return {
    type: 'deployment-changed',
    model: deployment.model,
    deploymentId: deployment.id,
    strategy: deployment.strategy,
    state: deployment.state,
    candidate: deployment.candidate,
    baseline: deployment.baseline,
    candidatePercent: candidatePercent(deployment),
    ...(keepWarm === null ? {} : { keepWarm }),
    ...(deployment.history.at(-1)?.detail === undefined ? {} : { detail: deployment.history.at(-1)!.detail }),
    at: deployment.updatedAt,
  };
}

/** The redteam-failed event of a campaign that just ended with an evasion or an error; none otherwise. */
export function campaignEndedEvents(campaign: Campaign, now: number): RedTeamFailedEvent[] {
  if (campaign.verdict !== 'evaded' && campaign.verdict !== 'error') return [];
  return [
    {
      type: 'redteam-failed',
      campaignId: campaign.id,
      model: campaign.model,
      version: campaign.version,
      semver: campaign.semver,
      task: campaign.task,
      verdict: campaign.verdict,
      attackSuccessRate: campaign.results?.overall.attackSuccessRate ?? null,
      newVulnerabilities: campaign.findings?.new ?? 0,
      error: campaign.error,
      at: now,
    },
  ];
}

/** The event of a retrain trigger just recorded. */
export function thresholdReachedEvent(trigger: RetrainTrigger): VulnerabilitiesThresholdReachedEvent {
  return { type: 'vulnerabilities-threshold-reached', task: trigger.task, triggerId: trigger.id, vulnerabilities: trigger.vulnerabilities, threshold: trigger.threshold, at: trigger.createdAt };
}

/** The event of an alert episode just opened. */
export function alertFiredEvent(alert: Alert): AlertFiredEvent {
  return { type: 'alert-fired', ...alertEventSubject(alert, alert.firedAt), value: alert.value, baseline: alert.baseline, summary: alert.summary };
}

/** The event of an alert episode just resolved. */
export function alertResolvedEvent(alert: Alert): AlertResolvedEvent {
  return { type: 'alert-resolved', ...alertEventSubject(alert, alert.resolvedAt ?? alert.lastSeenAt), firedAt: alert.firedAt };
}

function alertEventSubject(alert: Alert, at: number): AlertEventSubject {
  return {
    alertId: alert.id,
    fingerprint: alert.fingerprint,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    model: alert.model,
    version: alert.version,
    metric: alert.metric,
    silenced: alert.silencedBy !== null,
    at,
  };
}
