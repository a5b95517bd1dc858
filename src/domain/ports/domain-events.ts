import type { AlertSeverity, SignalKind } from '../alerts/rules.js';
import type { DatasetSourceFile } from '../datasets.js';
import type { JobKind, TerminalJobState } from '../jobs.js';
import type { Stage, VersionStatus } from '../registry/vocabulary.js';

/**
 * Files waiting in `fresh/<model>/` were validated and versioned as `datasetName`
 * version `datasetVersion`, and at least one of them is new. A subscriber (retraining)
 * trains on the version and, only when that training succeeds, calls
 * `FreshDataService.markUsed(model, files)` to move exactly these files to `used/`.
 */
export interface FreshDataEvent {
  readonly type: 'fresh-data';
  readonly model: string;
  readonly datasetName: string;
  readonly datasetVersion: number;
  readonly datasetDigest: string;
  readonly files: readonly DatasetSourceFile[];
  readonly rows: number;
  readonly positives: number;
  readonly negatives: number;
  /** ms since the epoch. */
  readonly at: number;
}

/** A version was registered (in the stage its registration ended in; its stage moves follow as stage-changed events). */
export interface VersionRegisteredEvent {
  readonly type: 'version-registered';
  readonly model: string;
  readonly versionId: string;
  readonly version: number;
  readonly semver: string;
  readonly status: VersionStatus;
  readonly parentVersion: number | null;
  readonly at: number;
}

/** One stage-history record: a version moved from one stage to another. */
export interface StageChangedEvent {
  readonly type: 'stage-changed';
  readonly model: string;
  readonly versionId: string;
  readonly version: number;
  readonly from: Stage;
  readonly to: Stage;
  readonly actor: string;
  readonly reason: string;
  /** The stage-history record's id (handlers dedupe on it). */
  readonly transitionId: string;
  readonly at: number;
}

/** A job reached a terminal state. */
export interface JobFinishedEvent {
  readonly type: 'job-finished';
  readonly jobId: string;
  readonly kind: JobKind;
  readonly state: TerminalJobState;
  /** The job's `payload.model`, when it names one. */
  readonly model: string | null;
  readonly at: number;
}

/** A deployment was created or moved (step, pause, end): every process's serving re-reads the model's traffic split. */
export interface DeploymentChangedEvent {
  readonly type: 'deployment-changed';
  readonly model: string;
  readonly deploymentId: string;
  readonly strategy: string;
  readonly state: string;
  readonly candidate: number;
  readonly baseline: number | null;
  /** The candidate's share of served traffic after the change, in percent. */
  readonly candidatePercent: number;
  /** A finished blue-green switch: every process keeps the replaced version loaded until `until` (ms); absent otherwise (and in events from before it existed). */
  readonly keepWarm?: { readonly version: number; readonly until: number };
  /** The change's own words (the history entry it wrote: which guardrail breached, who rolled back); absent in events from before it existed. */
  readonly detail?: string;
  readonly at: number;
}

/**
 * A red-team campaign against a version ended badly for the model: an attack evaded it
 * (`evaded`), or the campaign itself failed (`error`). Alerting consumes it.
 */
export interface RedTeamFailedEvent {
  readonly type: 'redteam-failed';
  readonly campaignId: string;
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly task: string;
  readonly verdict: 'evaded' | 'error';
  /** Overall attack success rate; null when nothing was attacked (or the campaign failed). */
  readonly attackSuccessRate: number | null;
  /** Ledger entries the campaign added. */
  readonly newVulnerabilities: number;
  readonly error: string | null;
  readonly at: number;
}

/**
 * The unused vulnerabilities of a task reached the retrain threshold and were claimed by one
 * trigger: every model of the task is retrained on them, once (the subscriber's jobs are keyed by the trigger).
 */
export interface VulnerabilitiesThresholdReachedEvent {
  readonly type: 'vulnerabilities-threshold-reached';
  readonly task: string;
  readonly triggerId: string;
  readonly vulnerabilities: number;
  readonly threshold: number;
  readonly at: number;
}

/** What both alert events say about the episode: which alert, of what, and when this happened. */
export interface AlertEventSubject {
  readonly alertId: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly kind: SignalKind;
  readonly severity: AlertSeverity;
  readonly model: string;
  readonly version: number | null;
  readonly metric: string | null;
  /** A silence mutes the episode's notifications (the event is still raised). */
  readonly silenced: boolean;
  readonly at: number;
}

/**
 * An alert episode opened: a rule's condition started to hold for a model (version, metric).
 * Raised once per episode, in the transaction that stored it; the retraining orchestrator and
 * the webhook notifications consume it. `silenced`: a silence mutes its notifications.
 */
export interface AlertFiredEvent extends AlertEventSubject {
  readonly type: 'alert-fired';
  readonly value: number;
  readonly baseline: number | null;
  readonly summary: string;
}

/** An alert episode ended: its rule's condition cleared for as many observations in a row as the rule asks. */
export interface AlertResolvedEvent extends AlertEventSubject {
  readonly type: 'alert-resolved';
  readonly firedAt: number;
}

/** Every domain event. Areas add members to this union (and a case to `eventAggregate`). */
export type DomainEvent =
  | FreshDataEvent
  | VersionRegisteredEvent
  | StageChangedEvent
  | JobFinishedEvent
  | DeploymentChangedEvent
  | RedTeamFailedEvent
  | VulnerabilitiesThresholdReachedEvent
  | AlertFiredEvent
  | AlertResolvedEvent;
export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
export type DomainEventHandler<T extends DomainEventType> = (event: DomainEventOf<T>) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Omitted: every process receives the event (broadcast, one cursor per process).
   * Set: the handler runs once per cluster: all processes subscribing with the same
   * `group` share one cursor and one of them handles each event (e.g. fresh-data → retrain).
   */
  readonly group?: string;
}

/**
 * A typed publish/subscribe channel for domain events. Delivery guarantees depend on the
 * implementation: the outbox one is durable and cross-process (at least once, in order per
 * aggregate, so handlers must be idempotent); the in-process one is at most once. A handler's
 * error never reaches the publisher.
 */
export interface DomainEvents {
  /** Records (outbox) or announces (in-process) the event; resolves once it is recorded. */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Tells this process's subscribers about an event a store already recorded with its change
   * (e.g. fresh-data with its dataset version): the outbox one reads it from the outbox now,
   * the in-process one delivers it.
   */
  announceRecorded(event: DomainEvent): void;
  /** Subscribes `handler` to events of `type`; returns the unsubscribe function. */
  subscribe<T extends DomainEventType>(type: T, handler: DomainEventHandler<T>, options?: SubscribeOptions): () => void;
}
