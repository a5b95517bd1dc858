/**
 * Deployments as use cases: start one (warm and check the candidate before any traffic
 * moves), run the periodic check of every deployment in flight with its arms' live
 * readings, and the operator's pause, resume, abort, conclusion and rollback. The rules
 * are the domain's state machine (domain/deployments); this applies its effects to the
 * registry (promote the candidate, archive the baseline) and persists each state.
 */
import { roleAllows } from '../domain/auth.js';
import {
  abortDeployment,
  abStatistics,
  AB_METRICS,
  candidateFailed,
  candidateReady,
  checkDeployment,
  concludeDeployment,
  NO_READINGS,
  pauseDeployment,
  planDeployment,
  resumeDeployment,
  rollbackDeployment,
  type AbMetric,
  type AbStatistics,
  type ArmName,
  type Deployment,
  type DeploymentEffect,
  type DeploymentOptions,
  type DeploymentStep,
} from '../domain/deployments/index.js';
import { invalid, WardenError } from '../domain/errors.js';
import { truncateText } from '../domain/text.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DeploymentFilter, DeploymentStore, StoredDeployment } from '../domain/ports/deployment-store.js';
import type { PredictionStore, ShadowComparison } from '../domain/ports/prediction-store.js';
import type { ModelVersion } from '../domain/registry/entities.js';
import type { Actor, TransitionResult, VersionRefInput } from './registry-service.js';

/** What deployments need of the registry. */
export interface DeploymentRegistry {
  getVersion(model: string, version: VersionRefInput): Promise<ModelVersion>;
  /** The model's Production version, if any (MODEL_NOT_FOUND for an unknown model). */
  productionVersion(model: string): Promise<ModelVersion | undefined>;
  deploy(model: string, version: VersionRefInput, actor: Actor, reason?: string): Promise<TransitionResult>;
}

/** Loads a version for serving (digest verified) and checks it answers. */
export interface CandidateCheck {
  /**
   * Loads the version into every cache that serves it. `servable: false` for a version Warden
   * cannot serve at all (no model bundle: a registry-only version, or an external trainer's);
   * throws when a bundle it should serve is broken (tampered, missing).
   */
  warm(version: ModelVersion): Promise<{ readonly servable: boolean; readonly detail: string }>;
  /** Blue-green's smoke check: the version answers a validation sample sensibly. Returns what it saw, for the history. */
  smoke(version: ModelVersion): Promise<string>;
}

export interface DeploymentServiceDeps {
  readonly store: DeploymentStore;
  readonly registry: DeploymentRegistry;
  readonly candidates: CandidateCheck;
  /** The prediction log: each arm's answers and feedback since its step started. */
  readonly predictions: Pick<PredictionStore, 'armReadings' | 'shadowComparison'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** A fresh secret for a deployment's sticky arm assignment. */
  readonly newAssignmentKey: () => string;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

export interface DeploymentRequest extends DeploymentOptions {
  readonly model: string;
  readonly version: VersionRefInput;
  readonly reason?: string;
}

export interface DeploymentOutcome {
  readonly deployment: Deployment;
  /** The registry moves this call made (promotion and archive), if any. */
  readonly transitions: TransitionResult | null;
}

export const MAX_DEPLOYMENT_REASON = 500;
export const MAX_SHADOW_EXAMPLES = 200;
/** A concurrent writer moved the deployment: read it again and retry the move this many times. */
const MAX_RACES = 5;

function reasonOf(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length > MAX_DEPLOYMENT_REASON) throw invalid('reason', `reason must be text of at most ${MAX_DEPLOYMENT_REASON} characters`);
  return value.trim() === '' ? null : value.trim();
}

function requireAdmin(actor: Actor, action: string): void {
  if (actor.role !== undefined && !roleAllows(actor.role, 'admin')) {
    throw new WardenError('FORBIDDEN', `${action} changes what serves traffic and needs the admin role`);
  }
}

export class DeploymentService {
  constructor(private readonly deps: DeploymentServiceDeps) {}

  /**
   * Plans and starts a deployment: nothing serves the candidate until it has loaded (and,
   * for blue-green, passed its smoke check); a direct or blue-green switch completes in
   * this call, a progressive one returns at its first step.
   */
  async start(request: DeploymentRequest, actor: Actor): Promise<DeploymentOutcome> {
    requireAdmin(actor, 'a deployment');
    const reason = reasonOf(request.reason);
    const candidate = await this.deps.registry.getVersion(request.model, request.version);
    if (candidate.status !== 'READY') throw new WardenError('STAGE_TRANSITION_INVALID', `version ${candidate.number} is ${candidate.status}; only READY versions are deployed`, { field: 'version' });
    const production = await this.deps.registry.productionVersion(request.model);
    const current = await this.deps.store.inFlight(request.model);
    const planned = planDeployment(request, {
      id: this.deps.ids.next(),
      model: candidate.model,
      candidate: candidate.number,
      production: production?.number ?? null,
      inFlight: current?.deployment ?? null,
      actor: actor.name,
      reason,
      now: this.deps.clock.now(),
      assignmentKey: this.deps.newAssignmentKey(),
    });
    const created = await this.deps.store.create(planned);
    if (!created.created) {
      throw new WardenError('VERSION_CONFLICT', `${planned.model} already has deployment ${created.inFlight.id} in progress: let it end, or abort it first`, { details: { deployment: created.inFlight.id } });
    }
    let stored: StoredDeployment = { deployment: planned, revision: 1 };
    let ready: Deployment;
    try {
      const warmed = await this.deps.candidates.warm(candidate);
      // Only a direct switch may move a version Warden cannot serve (a registry-only model): every other strategy serves it.
      if (!warmed.servable && planned.strategy !== 'direct') throw new Error(`${planned.strategy} serves the candidate, and ${warmed.detail}`);
      const smoke = planned.strategy === 'blue-green' ? await this.deps.candidates.smoke(candidate) : null;
      ready = candidateReady(planned, this.deps.clock.now(), smoke === null ? warmed.detail : `${warmed.detail}; smoke check: ${smoke}`);
    } catch (error) {
      const failed = candidateFailed(planned, this.deps.clock.now(), error instanceof Error ? error.message : String(error));
      await this.deps.store.replace(failed, stored.revision);
      this.deps.log?.('warn', 'deployment candidate failed to load: nothing was switched', { deployment: planned.id, model: planned.model, version: planned.candidate, error: String(error) });
      return { deployment: failed, transitions: null };
    }
    if (!(await this.deps.store.replace(ready, stored.revision))) return this.reread(planned.id);
    stored = { deployment: ready, revision: stored.revision + 1 };
    if (ready.strategy === 'direct' || ready.strategy === 'blue-green') {
      return this.move(stored, (d) => checkDeployment(d, { candidate: NO_READINGS, baseline: null }, this.deps.clock.now()));
    }
    return { deployment: ready, transitions: null };
  }

  async get(id: string): Promise<Deployment> {
    return (await this.load(id)).deployment;
  }

  async list(filter: Omit<DeploymentFilter, 'limit'> & { readonly limit?: number }): Promise<Deployment[]> {
    return this.deps.store.list({ ...filter, limit: filter.limit ?? 50 });
  }

  /** A shadow's answers beside the live ones they copied: how often they disagree, and the newest disagreements. */
  async shadowComparison(id: string, limit = 20): Promise<ShadowComparison & { readonly deployment: string }> {
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SHADOW_EXAMPLES) throw invalid('limit', `limit must be an integer from 0 to ${MAX_SHADOW_EXAMPLES}`);
    const { deployment } = await this.load(id);
    if (deployment.strategy !== 'shadow') throw new WardenError('VERSION_CONFLICT', `deployment ${id} is a ${deployment.strategy}, not a shadow: its candidate answers live traffic (see its readings)`);
    return { deployment: id, ...(await this.deps.predictions.shadowComparison(deployment.model, deployment.candidate, deployment.createdAt, limit)) };
  }

  /**
   * An A/B test's arms side by side on their labelled predictions since it started, and the
   * two-proportion test on `metric` (accuracy by default). No verdict before both arms have
   * the deployment's `minLabelled` guardrail of labels, the bar its precision and recall
   * checks use too.
   */
  async abStatistics(id: string, metric: unknown = 'accuracy'): Promise<AbStatistics & { readonly deployment: string; readonly since: number }> {
    if (typeof metric !== 'string' || !(AB_METRICS as readonly string[]).includes(metric)) throw invalid('metric', `metric must be one of ${AB_METRICS.join(', ')}`);
    const { deployment } = await this.load(id);
    if (deployment.strategy !== 'ab' || deployment.baseline === null) {
      throw new WardenError('VERSION_CONFLICT', `deployment ${id} is a ${deployment.strategy}, not an A/B test: ${deployment.strategy === 'shadow' ? 'see its shadow comparison' : 'see its guardrail readings'}`);
    }
    const since = deployment.createdAt;
    const [baseline, candidate] = await Promise.all([
      this.deps.predictions.armReadings(deployment.model, deployment.baseline, 'baseline', since),
      this.deps.predictions.armReadings(deployment.model, deployment.candidate, 'candidate', since),
    ]);
    return { deployment: id, since, ...abStatistics({ baseline, candidate }, metric as AbMetric, deployment.settings.guardrails.minLabelled) };
  }

  /** The periodic check of every deployment in flight (run as scheduled work, once per cluster). */
  async checkAll(): Promise<Deployment[]> {
    const moved: Deployment[] = [];
    for (const deployment of await this.deps.store.list({ inFlight: true, limit: 1_000 })) {
      if (deployment.state !== 'active') continue;
      try {
        const outcome = await this.check(deployment.id);
        if (outcome.deployment.updatedAt !== deployment.updatedAt) moved.push(outcome.deployment);
      } catch (error) {
        // One broken deployment (e.g. its model deleted) must not stall the others' checks.
        this.deps.log?.('warn', 'deployment check failed', { deployment: deployment.id, model: deployment.model, error: String(error) });
      }
    }
    return moved;
  }

  /** Checks one deployment against its arms' readings since its step started. */
  async check(id: string): Promise<DeploymentOutcome> {
    return this.move(await this.load(id), async (deployment) => {
      if (deployment.state !== 'active') return { deployment, effects: [] };
      const since = deployment.stepStartedAt;
      const [candidate, baseline] = await Promise.all([
        this.deps.predictions.armReadings(deployment.model, deployment.candidate, 'candidate', since),
        deployment.baseline === null ? null : this.deps.predictions.armReadings(deployment.model, deployment.baseline, 'baseline', since),
      ]);
      return checkDeployment(deployment, { candidate, baseline }, this.deps.clock.now());
    });
  }

  async pause(id: string, actor: Actor, reason?: string): Promise<Deployment> {
    requireAdmin(actor, 'pausing a deployment');
    const why = reasonOf(reason);
    return (await this.move(await this.load(id), (d) => ({ deployment: pauseDeployment(d, this.deps.clock.now(), actor.name, why), effects: [] }))).deployment;
  }

  async resume(id: string, actor: Actor, reason?: string): Promise<Deployment> {
    requireAdmin(actor, 'resuming a deployment');
    const why = reasonOf(reason);
    return (await this.move(await this.load(id), (d) => ({ deployment: resumeDeployment(d, this.deps.clock.now(), actor.name, why), effects: [] }))).deployment;
  }

  async abort(id: string, actor: Actor, reason?: string): Promise<Deployment> {
    requireAdmin(actor, 'aborting a deployment');
    const why = reasonOf(reason);
    return (await this.move(await this.load(id), (d) => ({ deployment: abortDeployment(d, this.deps.clock.now(), actor.name, why), effects: [] }))).deployment;
  }

  /** Ends an A/B test or a shadow: a winning candidate is promoted. */
  async conclude(id: string, winner: unknown, actor: Actor, reason?: string): Promise<DeploymentOutcome> {
    requireAdmin(actor, 'concluding a deployment');
    if (winner !== 'baseline' && winner !== 'candidate') throw invalid('winner', 'winner must be baseline or candidate');
    const why = reasonOf(reason);
    return this.move(await this.load(id), (d) => concludeDeployment(d, winner as ArmName, this.deps.clock.now(), actor.name, why));
  }

  /**
   * `POST /models/rollback`: all traffic back to the version before, in one call. A
   * deployment in flight ends (its baseline keeps serving); otherwise the last switch that
   * put the current Production version there is reversed (the version it replaced is
   * Production again, the candidate archived).
   */
  async rollback(model: string, actor: Actor, reason?: string): Promise<DeploymentOutcome> {
    requireAdmin(actor, 'a rollback');
    const why = reasonOf(reason);
    const inFlight = await this.deps.store.inFlight(model);
    if (inFlight) return this.move(inFlight, (d) => rollbackDeployment(d, this.deps.clock.now(), actor.name, why));
    const production = await this.deps.registry.productionVersion(model);
    const switched = production === undefined ? undefined : await this.lastSwitchTo(model, production.number);
    if (!switched) {
      throw new WardenError('VERSION_CONFLICT', `${model} has no deployment that put its Production version ${production ? `(${production.semver}) ` : ''}there: nothing to roll back; deploy the version you want instead`, { field: 'model' });
    }
    return this.move(await this.load(switched.id), (d) => rollbackDeployment(d, this.deps.clock.now(), actor.name, why));
  }

  /** The newest deployment that made `version` Production and replaced another version. */
  private async lastSwitchTo(model: string, version: number): Promise<Deployment | undefined> {
    const recent = await this.deps.store.list({ model, inFlight: false, limit: 50 });
    const switched = recent.find((d) => d.candidate === version && (d.state === 'succeeded' || (d.state === 'concluded' && d.winner === 'candidate')));
    return switched !== undefined && switched.baseline !== null ? switched : undefined;
  }

  private async load(id: string): Promise<StoredDeployment> {
    if (typeof id !== 'string' || id === '') throw invalid('id', 'id must name a deployment');
    const stored = await this.deps.store.get(id);
    if (!stored) throw new WardenError('DEPLOYMENT_NOT_FOUND', `no deployment ${id}`);
    return stored;
  }

  private async reread(id: string): Promise<DeploymentOutcome> {
    return { deployment: (await this.load(id)).deployment, transitions: null };
  }

  /**
   * Applies one move: its registry effects first (idempotent: a promotion already made is
   * not made twice), then the new state, guarded by the revision read; a concurrent writer
   * makes it read again and re-decide. A crash between the two repeats the effects on the
   * next check, never loses them.
   */
  private async move(stored: StoredDeployment, decide: (deployment: Deployment) => DeploymentStep | Promise<DeploymentStep>): Promise<DeploymentOutcome> {
    let current = stored;
    for (let race = 0; race < MAX_RACES; race++) {
      const step = await decide(current.deployment);
      if (step.deployment === current.deployment) return { deployment: current.deployment, transitions: null };
      const transitions = await this.apply(step.deployment, step.effects);
      if (await this.deps.store.replace(step.deployment, current.revision)) {
        if (step.deployment.state !== current.deployment.state) {
          this.deps.log?.('info', 'deployment moved', { deployment: step.deployment.id, model: step.deployment.model, from: current.deployment.state, to: step.deployment.state, detail: step.deployment.history.at(-1)?.detail });
        }
        return { deployment: step.deployment, transitions };
      }
      current = await this.load(stored.deployment.id);
    }
    throw new WardenError('VERSION_CONFLICT', `deployment ${stored.deployment.id} kept changing under this call; try again`);
  }

  private async apply(deployment: Deployment, effects: readonly DeploymentEffect[]): Promise<TransitionResult | null> {
    let result: TransitionResult | null = null;
    for (const effect of effects) {
      if (effect.type !== 'promote') continue;
      const production = await this.deps.registry.productionVersion(deployment.model);
      if (production?.number === effect.version) continue;
      const last = deployment.history.at(-1);
      // The stage history says why, as the deployment's creator gave it (a rollback's detail already carries its own reason).
      const why = effect.version === deployment.candidate && deployment.reason ? ` — ${deployment.reason}` : '';
      const reason = truncateText(`deployment ${deployment.id} (${deployment.strategy}): ${last?.detail ?? 'promoted'}${why}`, MAX_DEPLOYMENT_REASON);
      // The deployment's creator (an admin) is the actor: the registry checks the role again.
      result = await this.deps.registry.deploy(deployment.model, effect.version, { name: last?.actor === 'system' ? deployment.createdBy : last!.actor, role: 'admin' }, reason);
    }
    return result;
  }
}
