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
import { WardenError } from '../domain/errors.js';
import type { Job } from '../domain/jobs.js';
import type { AlertFiredEvent, AlertResolvedEvent } from '../domain/ports/domain-events.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DecisionFilter, RetrainingStore } from '../domain/ports/retraining-store.js';
import { LIVE_METRICS, type LiveMetric } from '../domain/monitoring/performance.js';
import {
  arbitrate,
  decisionTriggerKinds,
  lastFiringIn,
  type RetrainingDecision,
  type RetrainingPolicy,
  type TriggerSignal,
} from '../domain/retraining/index.js';
import type { AlertService } from './alert-service.js';
import type { RegistryService } from './registry-service.js';
import type { TrainingService } from './training-service.js';
import { SYSTEM_ACTOR } from './training-jobs.js';

type Queued = { readonly job: Job; readonly deduplicated: boolean };

export interface RetrainingOrchestratorDeps {
  readonly store: RetrainingStore;
  readonly training: Pick<TrainingService, 'requestRetrain'>;
  readonly registry: Pick<RegistryService, 'listModels'>;
  readonly alerts: Pick<AlertService, 'get'>;
  /** The policy in force for a model (WARDEN_RETRAINING_POLICY and its per-model overrides). */
  readonly policyOf: (model: string) => RetrainingPolicy;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
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

  /** The model's pending signals and the arbiter's state (for `warden triggers`). */
  async pending(model: string): Promise<{ signals: TriggerSignal[]; state: Awaited<ReturnType<RetrainingStore['arbiterState']>>['state'] }> {
    const [signals, { state }] = await Promise.all([this.deps.store.pendingSignals(model), this.deps.store.arbiterState(model)]);
    return { signals, state };
  }

  list(filter: DecisionFilter): Promise<RetrainingDecision[]> {
    return this.deps.store.listDecisions(filter);
  }

  get(id: string): Promise<RetrainingDecision | undefined> {
    return this.deps.store.getDecision(id);
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
      try {
        queued = queue !== undefined ? await queue() : await this.deps.training.requestRetrain(model, SYSTEM_ACTOR, { trigger, idempotencyKey: `retraining:${decision.id}`, decided: true });
      } catch (error) {
        await this.deps.store.appendOutcome(decision.id, { kind: 'queue-failed', at: this.deps.clock.now(), detail: error instanceof Error ? error.message : String(error), values: {} });
        throw error;
      }
      const recorded = await this.deps.store.appendOutcome(
        decision.id,
        { kind: 'queued', at: this.deps.clock.now(), detail: `${queued.deduplicated ? 'joined the retrain already queued' : 'retrain queued'}: job ${queued.job.id}`, values: { job: queued.job.id, deduplicated: queued.deduplicated } },
        queued.job.id,
      );
      return { decision: recorded ?? decision, queued };
    }
    this.deps.log?.('warn', 'retraining: gave up deciding after repeated races with other processes', { model });
    return {};
  }
}
