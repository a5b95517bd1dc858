/**
 * The retraining orchestrator: every reason to retrain a model — a metric drop or drift
 * (alert-fired), red-team vulnerabilities, fresh data, a cron schedule, a person — becomes a
 * signal; the model's pending signals become ONE recorded decision (domain/retraining
 * arbitration: hysteresis, cooldown, de-duplication, enough labels); a retrain decision
 * queues one retrain job through the training service's retrain path (child of Production,
 * retraining count + 1, minor bump). Explicit retrains (POST /models/retrain, fresh data,
 * vulnerabilities) pass through {@link RetrainingOrchestrator.explicit}, so they too leave a
 * decision, and keep their own jobs, options and idempotency keys.
 */
import { roleAllows } from '../domain/auth.js';
import { WardenError, invalid } from '../domain/errors.js';
import { truncateText } from '../domain/text.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodePageToken, encodePageToken, type Job, type JsonObject, type JsonValue } from '../domain/jobs.js';
import type { AlertFiredEvent, AlertResolvedEvent, DeploymentChangedEvent, JobFinishedEvent } from '../domain/ports/domain-events.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import type { PredictionStore } from '../domain/ports/prediction-store.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DecisionFilter, RetrainingStore } from '../domain/ports/retraining-store.js';
import { LIVE_METRICS, type LiveMetric } from '../domain/monitoring/performance.js';
import type { JobStore } from '../domain/ports/job-store.js';
import { describeLedgerReplay, type RobustnessEvidence } from '../domain/registry/robustness-gate.js';
import { formatRate } from '../domain/redteam/index.js';
import {
  arbitrate,
  awaitsRetrain,
  decisionTriggerKinds,
  lastFiringIn,
  planPromotion,
  releaseFailedRetrain,
  repairMayRequeue,
  requireHeld,
  retrainFailed,
  rolloutRequest,
  type DecisionOutcome,
  type DecisionOutcomeKind,
  type RegisteredRetrain,
  type RetrainingDecision,
  type RetrainingPolicy,
  type TriggerKind,
  type TriggerSignal,
} from '../domain/retraining/index.js';
import type { AlertService } from './alert-service.js';
import type { ComparisonService, ModelComparison } from './comparison-service.js';
import type { DatasetService } from './dataset-service.js';
import { MAX_DEPLOYMENT_REASON, type DeploymentService } from './deployment-service.js';
import type { Actor, RegistryService } from './registry-service.js';
import type { TrainingService } from './training-service.js';
import { SYSTEM_ACTOR, type DatasetRef } from './training-jobs.js';

type Queued = { readonly job: Job; readonly deduplicated: boolean };

/**
 * What promoting a retrained version needs: the finished job's result, the registry, the
 * comparison with Production, the deployment service (the rollout), the alert path (approval
 * needed), and the labelled feedback a retrain may learn from. Without it decisions stop at
 * the queued retrain.
 */
export interface RetrainingPromotionDeps {
  readonly jobs: Pick<JobQueue, 'get'>;
  readonly registry: Pick<RegistryService, 'getVersion' | 'productionVersion'>;
  readonly comparison: Pick<ComparisonService, 'compare'>;
  readonly deployments: Pick<DeploymentService, 'start'>;
  readonly alerts: Pick<AlertService, 'observe'>;
  readonly feedback: Pick<PredictionStore, 'labelledSamples'>;
  readonly datasets: Pick<DatasetService, 'registerRows'>;
}

/** Warden's actor for the rollouts a policy starts (no role: a platform decision, see domain/auth.ts). */
export const RETRAINING_ACTOR: Actor = { name: 'warden-retraining' };

/** Flipped rows each way kept in a decision's comparison summary. */
const RECORDED_FLIPS = 3;
const SUMMARY_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'roc_auc'];

export interface RetrainingOrchestratorDeps {
  readonly store: RetrainingStore;
  readonly training: Pick<TrainingService, 'requestRetrain'>;
  readonly registry: Pick<RegistryService, 'listModels'>;
  readonly alerts: Pick<AlertService, 'get'>;
  /** Where the repair reads what became of a decision's retrain job. */
  readonly jobs: Pick<JobStore, 'get'>;
  readonly promotion?: RetrainingPromotionDeps;
  /** The policy in force for a model (WARDEN_RETRAINING_POLICY and its per-model overrides). */
  readonly policyOf: (model: string) => RetrainingPolicy;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** What {@link RetrainingOrchestrator.repairLost} did to one decision. */
export interface RepairedDecision {
  readonly id: string;
  readonly model: string;
  readonly outcome: 'requeued' | 'queue-failed' | 'training-failed';
  readonly detail: string;
}

/** How many of the newest retrain decisions each repair looks at (a retrain's fate is known within hours, not hundreds of decisions). */
const REPAIR_SCAN = 200;

/** `GET /retraining`: the filters, a page size (1..200, default 50) and the previous page's `nextPageToken`. */
export interface DecisionListQuery {
  readonly model?: string;
  readonly outcome?: 'retrain' | 'no-retrain';
  readonly trigger?: TriggerKind;
  readonly limit?: number;
  readonly pageToken?: string;
}

const isLiveMetric = (metric: string | null): metric is LiveMetric => metric !== null && (LIVE_METRICS as readonly string[]).includes(metric);

/** How many labelled predictions an alert's observation rests on, when its producer said (details.support, else details.labelled). */
function supportOf(details: Readonly<Record<string, unknown>>): number | null {
  for (const key of ['support', 'labelled']) {
    const value = details[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return null;
}

export class RetrainingOrchestrator {
  constructor(private readonly deps: RetrainingOrchestratorDeps) {}

  /** Stores a signal and decides for its model; undefined when the signal was already known or another process decided. */
  async observe(signal: TriggerSignal): Promise<RetrainingDecision | undefined> {
    if (!(await this.deps.store.addSignal(signal))) return undefined;
    return (await this.decide(signal.model)).decision;
  }

  /**
   * An explicit retrain (a person, fresh data, the red team's threshold): recorded as a signal
   * and decided with whatever else is pending; `queue` is the caller's own retrain (its
   * options and idempotency key), run when the decision is to retrain. A signal already known
   * (a redelivered event, a repeated idempotency key) queues through `queue` again, whose key
   * returns the same job. When the policy declines it (the operator took the kind out of
   * cooldownExempt), VERSION_CONFLICT says until when.
   */
  async explicit(signal: TriggerSignal, queue: () => Promise<Queued>): Promise<Queued> {
    if (!(await this.deps.store.addSignal(signal))) return queue();
    const { decision, queued } = await this.decide(signal.model, queue);
    if (queued !== undefined) return queued;
    const declined = decision?.declined.find((d) => d.key === signal.key);
    if (declined !== undefined) throw new WardenError('VERSION_CONFLICT', `retrain of "${signal.model}" declined: ${declined.detail}`, { field: 'model' });
    // Another process's decision consumed the signal first; the caller still gets its job.
    return queue();
  }

  /** alert-fired subscriber: a performance alert on a live metric or a drift alert becomes a signal. */
  async onAlertFired(event: AlertFiredEvent): Promise<RetrainingDecision | undefined> {
    const at = event.at;
    if (event.kind === 'drift') {
      return this.observe({ kind: 'drift', model: event.model, key: `alert:${event.alertId}`, at, descriptor: event.metric, statistic: event.value });
    }
    if (event.kind !== 'performance' || !isLiveMetric(event.metric) || event.baseline === null) return undefined;
    const alert = await this.deps.alerts.get(event.alertId);
    return this.observe({ kind: 'metric', model: event.model, key: `alert:${event.alertId}`, at, metric: event.metric, value: event.value, baseline: event.baseline, support: supportOf(alert.details) });
  }

  /** alert-resolved subscriber: the metric recovered, so its drop counts again (hysteresis). */
  async onAlertResolved(event: AlertResolvedEvent): Promise<RetrainingDecision | undefined> {
    if (event.kind !== 'performance' || !isLiveMetric(event.metric)) return undefined;
    return this.observe({ kind: 'metric-recovered', model: event.model, key: `resolved:${event.alertId}`, at: event.at, metric: event.metric });
  }

  /**
   * The periodic tick: every model whose policy has a cron schedule that fired in the last
   * `lookbackMs` gets a schedule signal keyed by model and firing time, so however many
   * processes run the tick (or overlap their windows) a firing is one signal and one decision.
   */
  async tick(lookbackMs: number): Promise<RetrainingDecision[]> {
    const now = this.deps.clock.now();
    const decisions: RetrainingDecision[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.listModels({ limit: 500, ...(pageToken !== undefined ? { pageToken } : {}) });
      for (const model of page.items) {
        const cron = this.deps.policyOf(model.name).schedule;
        if (cron === null) continue;
        const firedAt = lastFiringIn(cron, now - lookbackMs, now);
        if (firedAt === null) continue;
        const decision = await this.observe({ kind: 'schedule', model: model.name, key: `schedule:${firedAt}`, at: now, cron, firedAt });
        if (decision !== undefined) decisions.push(decision);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return decisions;
  }

  /**
   * Repairs retrain decisions whose retrain did not happen, so a lost job neither holds its
   * model in cooldown nor leaves a metric disarmed for good (the periodic
   * `retraining-schedules` job runs it every tick):
   * - never queued, `graceMs` after it was decided (the deciding process stopped between
   *   recording the decision and queueing): queued now under the decision's own idempotency
   *   key, so a job the process did queue before it stopped is found rather than doubled, and
   *   recorded as `requeued`; a retrain on fresh data or vulnerabilities is marked
   *   `queue-failed` instead (see {@link repairMayRequeue});
   * - its job failed, was cancelled or no longer exists: `training-failed`, with why.
   * A failed retrain gives back its cooldown and re-arms the metrics it acted on. Outcomes are
   * appended only if no other process recorded one meanwhile, so two repairs write one.
   */
  async repairLost(graceMs: number): Promise<RepairedDecision[]> {
    const now = this.deps.clock.now();
    const repaired: RepairedDecision[] = [];
    for (const decision of await this.deps.store.listDecisions({ outcome: 'retrain', limit: REPAIR_SCAN })) {
      if (!awaitsRetrain(decision)) continue;
      const done = decision.jobId === null ? (decision.decidedAt <= now - graceMs ? await this.requeue(decision) : undefined) : await this.checkJob(decision, decision.jobId);
      if (done !== undefined) {
        repaired.push(done);
        this.deps.log?.('warn', 'retraining: repaired a decision whose retrain was lost', { ...done });
      }
    }
    return repaired;
  }

  /** A retrain decision that never queued its job. */
  private async requeue(decision: RetrainingDecision): Promise<RepairedDecision | undefined> {
    const lost = 'the process that decided stopped before queueing the retrain';
    if (!repairMayRequeue(decision)) {
      const detail = `${lost}; a retrain on fresh data or red-team vulnerabilities is queued again by its own request (the fresh-data scan, the red team), not by the repair`;
      return (await this.failRetrain(decision, { kind: 'queue-failed', at: this.deps.clock.now(), detail, values: { repaired: true } })) ? { id: decision.id, model: decision.model, outcome: 'queue-failed', detail } : undefined;
    }
    let queued: Queued;
    try {
      queued = await this.deps.training.requestRetrain(decision.model, SYSTEM_ACTOR, {
        trigger: decisionTriggerKinds(decision).join('+'),
        idempotencyKey: `retraining:${decision.id}`,
        decided: true,
      });
    } catch (error) {
      const detail = `${lost}; queueing it again failed: ${error instanceof Error ? error.message : String(error)}`;
      return (await this.failRetrain(decision, { kind: 'queue-failed', at: this.deps.clock.now(), detail, values: { repaired: true } })) ? { id: decision.id, model: decision.model, outcome: 'queue-failed', detail } : undefined;
    }
    const detail = `${lost}; ${queued.deduplicated ? 'found the retrain it had queued or joined one already queued' : 'retrain queued by the repair'}: job ${queued.job.id}`;
    const outcome: DecisionOutcome = { kind: 'requeued', at: this.deps.clock.now(), detail, values: { job: queued.job.id, deduplicated: queued.deduplicated } };
    return (await this.deps.store.appendOutcomeIf(decision.id, outcome, decision.outcomes.length, queued.job.id)) ? { id: decision.id, model: decision.model, outcome: 'requeued', detail } : undefined;
  }

  /** A retrain decision whose job was queued: settled as failed when the job failed, was cancelled or is gone. */
  private async checkJob(decision: RetrainingDecision, jobId: string): Promise<RepairedDecision | undefined> {
    const job = await this.deps.jobs.get(jobId);
    if (job !== undefined && job.state !== 'failed' && job.state !== 'cancelled') return undefined;
    const detail =
      job === undefined
        ? `retrain job ${jobId} no longer exists`
        : `retrain job ${jobId} ${job.state}${job.error !== null ? `: ${job.error.message}` : ''}`;
    const outcome: DecisionOutcome = { kind: 'training-failed', at: this.deps.clock.now(), detail, values: { job: jobId, state: job?.state ?? null } };
    return (await this.failRetrain(decision, outcome)) ? { id: decision.id, model: decision.model, outcome: 'training-failed', detail } : undefined;
  }

  /**
   * Records that `decision`'s retrain did not happen and gives back what it took from the
   * arbiter (domain releaseFailedRetrain), in one write; false when another process recorded
   * an outcome of the decision first. A race on the arbiter state alone is retried.
   */
  private async failRetrain(decision: RetrainingDecision, outcome: DecisionOutcome): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [{ state, revision }, current, retrains] = await Promise.all([
        this.deps.store.arbiterState(decision.model),
        this.deps.store.getDecision(decision.id),
        this.deps.store.listDecisions({ model: decision.model, outcome: 'retrain', limit: REPAIR_SCAN }),
      ]);
      if (current === undefined || current.outcomes.length !== decision.outcomes.length) return false;
      const newer = (d: RetrainingDecision) => d.decidedAt > decision.decidedAt || (d.decidedAt === decision.decidedAt && d.id > decision.id);
      const effective = retrains.filter((d) => d.id !== decision.id && !retrainFailed(d));
      const previous = effective.find((d) => !newer(d));
      const next = releaseFailedRetrain(state, decision, previous?.decidedAt ?? null, effective.filter(newer));
      if (await this.deps.store.settleFailedRetrain(decision.id, outcome, decision.outcomes.length, next, revision)) return true;
    }
    this.deps.log?.('warn', 'retraining: gave up recording a failed retrain after repeated races with other processes', { decision: decision.id });
    return false;
  }

  /** The model's pending signals and the arbiter's state (for `warden triggers`). */
  async pending(model: string): Promise<{ signals: TriggerSignal[]; state: Awaited<ReturnType<RetrainingStore['arbiterState']>>['state'] }> {
    const [signals, { state }] = await Promise.all([this.deps.store.pendingSignals(model), this.deps.store.arbiterState(model)]);
    return { signals, state };
  }

  list(filter: DecisionFilter): Promise<RetrainingDecision[]> {
    return this.deps.store.listDecisions(filter);
  }

  /**
   * One page of decisions, newest first. The token is the jobs' and alerts' keyset cursor
   * (the page's last decidedAt and id), so decisions recorded meanwhile neither shift nor
   * repeat the pages that follow.
   */
  async listPage(query: DecisionListQuery): Promise<{ decisions: RetrainingDecision[]; nextPageToken?: string }> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw invalid('limit', `limit must be from 1 to ${MAX_PAGE_SIZE}`);
    const after = query.pageToken === undefined ? undefined : decodePageToken(query.pageToken);
    const fetched = await this.deps.store.listDecisions({
      ...(query.model !== undefined ? { model: query.model } : {}),
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
      ...(query.trigger !== undefined ? { trigger: query.trigger } : {}),
      // One more than asked says whether another page exists.
      limit: limit + 1,
      ...(after !== undefined ? { before: { decidedAt: after.createdAt, id: after.id } } : {}),
    });
    const decisions = fetched.slice(0, limit);
    const last = decisions.at(-1);
    return fetched.length > limit && last !== undefined ? { decisions, nextPageToken: encodePageToken({ createdAt: last.decidedAt, id: last.id }) } : { decisions };
  }

  get(id: string): Promise<RetrainingDecision | undefined> {
    return this.deps.store.getDecision(id);
  }

  /**
   * The labelled feedback a decided retrain learns from, when the model's policy allows it:
   * the newest labelled predictions whose input serving sampled, stored as a dataset version
   * (`<model>-feedback`, origin feedback) so the version's lineage names it and a comparison
   * can rebuild its held-out rows. Null when the policy says no or there is none.
   */
  private async feedbackSnapshot(model: string): Promise<{ ref: DatasetRef; rows: number } | null> {
    const policy = this.deps.policyOf(model);
    const promotion = this.deps.promotion;
    if (!policy.trainOnFeedback || promotion === undefined) return null;
    const rows = await promotion.feedback.labelledSamples(model, policy.feedbackMaxRows);
    if (rows.length === 0) return null;
    const { dataset } = await promotion.datasets.registerRows(rows, {
      name: `${model}-feedback`,
      origin: 'feedback',
      description: `the newest ${rows.length} labelled predictions of ${model} with a sampled input, for a retrain`,
    });
    return { ref: { name: dataset.name, version: dataset.version, digest: dataset.sha256 }, rows: dataset.rows };
  }

  /**
   * job-finished subscriber: a retrain a decision owns has registered its version (or failed).
   * The decision records it, the comparison with Production on the same held-out rows, and
   * what the model's promotion policy makes of it: a rollout, a hold for approval, or no
   * promotion. Idempotent: an outcome already recorded is not recorded or acted on again.
   */
  async onJobFinished(event: JobFinishedEvent): Promise<RetrainingDecision | undefined> {
    const promotion = this.deps.promotion;
    if (event.kind !== 'retrain' || promotion === undefined) return undefined;
    let decision = await this.deps.store.decisionOfJob(event.jobId);
    if (decision === undefined) return undefined;
    const job = await promotion.jobs.get(event.jobId);
    // A retrain queued before decisions promoted was staged by its registration; nothing to do.
    if (job.payload.promotion !== 'retraining-decision') return decision;
    // A retrain that failed or was cancelled is the repair's (repairLost): it records the failure and gives the cooldown back in one write.
    if (event.state !== 'succeeded') return decision;
    const retrain = registeredRetrain(job.result);
    if (retrain === null) return this.recordOnce(decision, 'training-failed', `retrain job ${job.id} left no readable result`, { job: job.id });
    const model = decision.model;
    const semver = typeof (job.result as JsonObject).semver === 'string' ? String((job.result as JsonObject).semver) : `version ${retrain.version}`;
    const verdict = retrain.cleared ? 'cleared every gate to Production (promotion is the decision’s)' : 'did not clear the gates to Production';
    decision = await this.recordOnce(decision, 'trained', `${model} ${semver} registered in ${retrain.stage}; it ${verdict}`, {
      job: job.id,
      version: retrain.version,
      semver,
      stage: retrain.stage,
      cleared: retrain.cleared,
      comparedWith: retrain.comparedWith,
      gate: retrain.gate,
    });
    const production = (await promotion.registry.productionVersion(model))?.number ?? null;
    if (production !== null && production !== retrain.version && !has(decision, 'compared')) {
      decision = await this.recordComparison(decision, model, production, retrain.version, robustnessOf(job.result));
    }
    if (has(decision, 'rollout-started', 'held', 'rejected', 'promoted', 'rollout-failed')) return decision;
    const plan = planPromotion(this.deps.policyOf(model).promotion, retrain, production);
    switch (plan.action) {
      case 'reject':
        return this.recordOnce(decision, 'rejected', plan.reason, { version: retrain.version, by: 'policy' });
      case 'hold':
        return this.hold(decision, retrain.version, plan.reason);
      case 'rollout':
        return this.rollout(decision, retrain.version, RETRAINING_ACTOR, plan.reason);
    }
  }

  /**
   * deployment-changed subscriber: the rollout of a decision's version ended. Succeeded (the
   * candidate is Production, the old version Archived) → promoted; rolled back, aborted or
   * failed to load → rollout-failed, with the deployment's last word.
   */
  async onDeploymentChanged(event: DeploymentChangedEvent): Promise<RetrainingDecision | undefined> {
    const promotion = this.deps.promotion;
    if (promotion === undefined || !['succeeded', 'rolled-back', 'aborted', 'failed', 'concluded'].includes(event.state)) return undefined;
    const decision = await this.decisionOfVersion(event.model, event.candidate);
    if (decision === undefined) return undefined;
    const started = decision.outcomes.find((o) => o.kind === 'rollout-started' && o.values.deployment === event.deploymentId);
    if (started === undefined) return undefined;
    const version = event.candidate;
    const promoted = event.state === 'succeeded' || (event.state === 'concluded' && event.candidatePercent === 100);
    if (promoted) {
      return this.recordOnce(
        decision,
        'promoted',
        `version ${version} is Production after ${event.strategy} ${event.deploymentId} completed with its guardrails held${event.baseline === null ? '' : `; version ${event.baseline} Archived`}`,
        { version, deployment: event.deploymentId, archived: event.baseline },
      );
    }
    const why = event.detail === undefined ? '' : ` (${event.detail})`;
    return this.recordOnce(decision, 'rollout-failed', `${event.strategy} ${event.deploymentId} ended ${event.state}${why}: version ${version} is not Production${event.baseline === null ? '' : `, version ${event.baseline} still serves`}`, {
      version,
      deployment: event.deploymentId,
      state: event.state,
      ...(event.detail === undefined ? {} : { why: event.detail }),
    });
  }

  /** An admin approves a held version: the policy's rollout starts, in the admin's name. */
  async approve(id: string, actor: Actor, reason?: unknown): Promise<RetrainingDecision> {
    const { decision, version, why } = await this.settle(id, actor, reason, 'approving a retrained version');
    const approved = await this.recordOnce(decision, 'approved', `approved by ${actor.name}${why === null ? '' : `: ${why}`}`, { version, actor: actor.name, reason: why });
    await this.resolveApproval(approved, version);
    return this.rollout(approved, version, actor, `approved by ${actor.name}`);
  }

  /** An admin rejects a held version: it stays where it is (Staging), never promoted by this decision. */
  async reject(id: string, actor: Actor, reason?: unknown): Promise<RetrainingDecision> {
    const { decision, version, why } = await this.settle(id, actor, reason, 'rejecting a retrained version');
    const rejected = await this.recordOnce(decision, 'rejected', `rejected by ${actor.name}${why === null ? '' : `: ${why}`}; version ${version} stays in Staging`, { version, by: actor.name, reason: why });
    await this.resolveApproval(rejected, version);
    return rejected;
  }

  private async settle(id: string, actor: Actor, reason: unknown, action: string): Promise<{ decision: RetrainingDecision; version: number; why: string | null }> {
    if (actor.role !== undefined && !roleAllows(actor.role, 'admin')) throw new WardenError('FORBIDDEN', `${action} decides what reaches Production and needs the admin role`);
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw invalid('reason', 'reason must be text of at most 500 characters');
    const decision = await this.deps.store.getDecision(id);
    if (decision === undefined) throw new WardenError('RETRAINING_DECISION_NOT_FOUND', `no retraining decision ${id}; list them with GET /retraining`, { field: 'id' });
    requireHeld(decision.outcomes, id);
    const held = decision.outcomes.find((o) => o.kind === 'held')!;
    const why = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : null;
    return { decision, version: Number(held.values.version), why };
  }

  private async hold(decision: RetrainingDecision, version: number, reason: string): Promise<RetrainingDecision> {
    if (has(decision, 'held')) return decision;
    // The alert first (through the alert path: one "approval needed" episode per held version, and
    // its webhooks), then the outcome: a redelivered event finds the episode still open, never a
    // held decision nobody was told about.
    await this.deps.promotion!.alerts.observe({
      model: decision.model,
      version,
      kind: 'retraining',
      value: version,
      breached: true,
      details: { decision: decision.id, reason, approve: `POST /retraining/${decision.id}/approve`, reject: `POST /retraining/${decision.id}/reject` },
    });
    return this.recordOnce(decision, 'held', `${reason}; approve with POST /retraining/${decision.id}/approve or reject with POST /retraining/${decision.id}/reject`, { version });
  }

  private async resolveApproval(decision: RetrainingDecision, version: number): Promise<void> {
    await this.deps.promotion!.alerts.observe({ model: decision.model, version, kind: 'retraining', value: version, breached: false, details: { decision: decision.id } });
  }

  /** Starts the policy's rollout of `version`; a refusal or a candidate that fails to load is recorded as rollout-failed. */
  private async rollout(decision: RetrainingDecision, version: number, actor: Actor, why: string): Promise<RetrainingDecision> {
    const promotion = this.deps.promotion!;
    const configured = this.deps.policyOf(decision.model).promotion;
    // A progressive rollout compares with the live version: without one (an approved first version) it is a blue-green switch.
    const live = await promotion.registry.productionVersion(decision.model);
    const policy = live === undefined && configured.strategy !== 'blue-green' ? { ...configured, strategy: 'blue-green' as const, rollout: {} } : configured;
    let started;
    try {
      started = await promotion.deployments.start({ model: decision.model, version, ...rolloutRequest(policy), reason: truncateText(`retraining decision ${decision.id}: ${why}`, MAX_DEPLOYMENT_REASON) }, actor);
    } catch (error) {
      return this.recordOnce(decision, 'rollout-failed', `the ${policy.strategy} of version ${version} could not start: ${error instanceof Error ? error.message : String(error)}`, { version });
    }
    const deployment = started.deployment;
    if (deployment.state === 'failed') {
      return this.recordOnce(decision, 'rollout-failed', `${deployment.strategy} ${deployment.id} failed: ${deployment.history.at(-1)?.detail ?? 'the candidate did not load'}`, { version, deployment: deployment.id, state: deployment.state });
    }
    const recorded = await this.recordOnce(decision, 'rollout-started', `${deployment.strategy} ${deployment.id} of version ${version} started by ${actor.name}: ${deployment.history[0]?.detail ?? ''}`, {
      version,
      deployment: deployment.id,
      strategy: deployment.strategy,
      steps: [...deployment.settings.steps],
      bakeSeconds: deployment.settings.bakeMs / 1000,
      by: actor.name,
    });
    // A switch that completed in the call (blue-green) sent its event before the outcome existed.
    if (deployment.state === 'succeeded') {
      return this.recordOnce(recorded, 'promoted', `version ${version} is Production after ${deployment.strategy} ${deployment.id}${deployment.baseline === null ? '' : `; version ${deployment.baseline} Archived`}`, {
        version,
        deployment: deployment.id,
        archived: deployment.baseline,
      });
    }
    return recorded;
  }

  /** The comparison with Production (ComparisonService: same held-out rows, deltas with intervals, McNemar, flipped rows), summarised on the decision. */
  private async recordComparison(decision: RetrainingDecision, model: string, production: number, version: number, robustness: RobustnessEvidence | null): Promise<RetrainingDecision> {
    let comparison: ModelComparison;
    try {
      comparison = await this.deps.promotion!.comparison.compare({ model, a: String(production), b: String(version), flips: RECORDED_FLIPS });
    } catch (error) {
      return this.recordOnce(decision, 'compared', `could not compare version ${version} with Production version ${production}: ${error instanceof Error ? error.message : String(error)}`, { champion: production, challenger: version, sameRows: false });
    }
    const summary = { ...comparisonSummary(comparison), robustness: robustnessSummary(robustness, production) };
    const accuracy = comparison.metrics.find((m) => m.metric === 'accuracy');
    const p = comparison.paired?.mcnemar.pValue;
    const detail = comparison.sameRows
      ? `version ${version} vs Production version ${production} on ${comparison.rows.count} held-out rows: accuracy ${fmt(accuracy?.b)} vs ${fmt(accuracy?.a)} (Δ ${fmt(accuracy?.delta)}), McNemar p ${p === undefined ? 'n/a' : p < 1e-4 ? p.toExponential(1) : fmt(p)}`
      : `version ${version} vs Production version ${production}: ${comparison.note}`;
    return this.recordOnce(decision, 'compared', `${detail}${robustnessDetail(robustness, production)}`, summary);
  }

  /** The decision whose retrain registered `version` of `model` (through the version's job tag). */
  private async decisionOfVersion(model: string, version: number): Promise<RetrainingDecision | undefined> {
    const registered = await this.deps.promotion!.registry.getVersion(model, version);
    const job = registered.tags['warden.job_id'];
    return job === undefined ? undefined : this.deps.store.decisionOfJob(job);
  }

  /** Appends an outcome unless the decision already has one of that kind (events arrive at least once). */
  private async recordOnce(decision: RetrainingDecision, kind: DecisionOutcomeKind, detail: string, values: JsonObject): Promise<RetrainingDecision> {
    const current = (await this.deps.store.getDecision(decision.id)) ?? decision;
    if (has(current, kind)) return current;
    const outcome: DecisionOutcome = { kind, at: this.deps.clock.now(), detail, values };
    this.deps.log?.('info', `retraining decision ${kind}`, { model: decision.model, decision: decision.id, detail });
    return (await this.deps.store.appendOutcome(decision.id, outcome)) ?? current;
  }

  /**
   * Decides over the model's pending signals; retries when another process decided first
   * (its decision took those signals; what is still pending is decided here).
   */
  private async decide(model: string, queue?: () => Promise<Queued>): Promise<{ decision?: RetrainingDecision; queued?: Queued }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [signals, { state, revision }] = await Promise.all([this.deps.store.pendingSignals(model), this.deps.store.arbiterState(model)]);
      if (signals.length === 0) return {};
      const now = this.deps.clock.now();
      const { decision: plan, state: next } = arbitrate({ model, signals, state, policy: this.deps.policyOf(model), now });
      const decision: RetrainingDecision = { ...plan, id: this.deps.ids.next(), jobId: null, outcomes: [] };
      if (!(await this.deps.store.recordDecision(decision, signals.map((s) => s.key), next, revision))) continue;
      this.deps.log?.('info', 'retraining decision', { model, decision: decision.id, outcome: decision.outcome, summary: decision.summary });
      if (decision.outcome !== 'retrain') return { decision };
      const trigger = decisionTriggerKinds(decision).join('+');
      let queued: Queued;
      let feedback: { ref: DatasetRef; rows: number } | null = null;
      try {
        if (queue === undefined) feedback = await this.feedbackSnapshot(model);
        queued =
          queue !== undefined
            ? await queue()
            : await this.deps.training.requestRetrain(model, SYSTEM_ACTOR, {
                trigger,
                idempotencyKey: `retraining:${decision.id}`,
                decided: true,
                ...(feedback !== null ? { feedback: feedback.ref } : {}),
              });
      } catch (error) {
        // No retrain: the decision must not hold the model in cooldown for nothing.
        await this.failRetrain(decision, { kind: 'queue-failed', at: this.deps.clock.now(), detail: error instanceof Error ? error.message : String(error), values: {} });
        throw error;
      }
      const recorded = await this.deps.store.appendOutcome(
        decision.id,
        {
          kind: 'queued',
          at: this.deps.clock.now(),
          detail: `${queued.deduplicated ? 'joined the retrain already queued' : 'retrain queued'}: job ${queued.job.id}${feedback === null ? '' : `, with ${feedback.rows} labelled feedback rows (${feedback.ref.name} v${feedback.ref.version})`}`,
          values: { job: queued.job.id, deduplicated: queued.deduplicated, feedback: feedback === null ? null : { dataset: feedback.ref.name, version: feedback.ref.version, rows: feedback.rows } },
        },
        queued.job.id,
      );
      return { decision: recorded ?? decision, queued };
    }
    this.deps.log?.('warn', 'retraining: gave up deciding after repeated races with other processes', { model });
    return {};
  }
}

function has(decision: RetrainingDecision, ...kinds: DecisionOutcomeKind[]): boolean {
  return decision.outcomes.some((o) => kinds.includes(o.kind));
}

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : String(Math.round(x * 1e4) / 1e4));

/** What a retrain job's result says of the version it registered (training-pipeline.ts TrainingOutcome); null when unreadable. */
function registeredRetrain(result: JsonValue | null): RegisteredRetrain | null {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return null;
  const r = result;
  if (typeof r.version !== 'number' || typeof r.stage !== 'string' || typeof r.status !== 'string') return null;
  return {
    version: r.version,
    stage: r.stage,
    status: r.status,
    cleared: r.productionCleared === true,
    gate: typeof r.autoStageReason === 'string' ? r.autoStageReason : 'the registration gave no verdict',
    comparedWith: typeof r.comparedWith === 'number' ? r.comparedWith : null,
  };
}

/** The red team's evidence a retrain job left in its result (see TrainingPipeline.withRobustness), or null. */
function robustnessOf(result: JsonValue | null): RobustnessEvidence | null {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return null;
  const r = result.robustness;
  if (typeof r !== 'object' || r === null || Array.isArray(r) || typeof r.inputs !== 'number') return null;
  return r as unknown as RobustnessEvidence;
}

/** The Production version's part of the evidence, when it is the given version. */
const championOf = (evidence: RobustnessEvidence, production: number) => (evidence.champion?.version === production ? evidence.champion : null);

/**
 * Robustness as a decision records it: attack success overall and per family for the
 * challenger and for Production on the same malicious held-out inputs, and the vulnerability
 * ledger replayed against the challenger. Null when nothing was attacked (no red team, or
 * nothing to attack).
 */
function robustnessSummary(evidence: RobustnessEvidence | null, production: number): JsonObject | null {
  if (evidence === null) return null;
  const champion = championOf(evidence, production);
  const families: JsonObject = {};
  for (const [family, rate] of Object.entries(evidence.families)) families[family] = { challenger: rate, production: champion?.families[family] ?? null };
  return {
    inputs: evidence.inputs,
    attackSuccessRate: evidence.attackSuccessRate,
    productionAttackSuccessRate: champion?.attackSuccessRate ?? null,
    families,
    ledger: { replayed: evidence.ledger.replayed, evaded: evidence.ledger.evaded },
  };
}

function robustnessDetail(evidence: RobustnessEvidence | null, production: number): string {
  if (evidence === null) return '';
  const productionRate = championOf(evidence, production)?.attackSuccessRate ?? null;
  const against = productionRate === null ? '' : ` (Production ${formatRate(productionRate)})`;
  return `; attack success ${formatRate(evidence.attackSuccessRate)}${against} on ${evidence.inputs} malicious held-out inputs, ${describeLedgerReplay(evidence.ledger)}`;
}

/** The comparison as a decision records it: the rows, the key metrics with their paired intervals, McNemar, and a few flipped rows each way. */
function comparisonSummary(c: ModelComparison): JsonObject {
  const metrics: JsonObject = {};
  for (const m of c.metrics) {
    if (!SUMMARY_METRICS.includes(m.metric)) continue;
    metrics[m.metric] = { production: m.a, challenger: m.b, delta: m.delta, ci: m.ci === null ? null : { lower: m.ci.lower, upper: m.ci.upper, level: m.ci.level } };
  }
  const flip = (f: NonNullable<ModelComparison['flips']>['onlyARight'][number]): JsonObject => ({ label: f.label, text: f.text, production: f.a.label, challenger: f.b.label });
  return {
    champion: c.a.number,
    challenger: c.b.number,
    sameRows: c.sameRows,
    rows: c.rows.count,
    source: c.rows.source,
    note: c.note,
    metrics,
    wins: { production: c.wins.a, challenger: c.wins.b, ties: c.wins.ties },
    mcnemar: c.paired === null ? null : { pValue: c.paired.mcnemar.pValue, method: c.paired.mcnemar.method, onlyProductionRight: c.paired.counts.onlyARight, onlyChallengerRight: c.paired.counts.onlyBRight },
    flips: c.flips === null ? null : { onlyProductionRight: c.flips.onlyARight.map(flip), onlyChallengerRight: c.flips.onlyBRight.map(flip) },
  };
}
