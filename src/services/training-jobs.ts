/**
 * What the training use cases share about their jobs: the payload a train/retrain job
 * carries (validated when it is read back), who it records (starter, initiator, recipe
 * author), how it is submitted, and how metrics land on the job's run.
 */
import { invalid, isWardenError } from '../domain/errors.js';
import type { Job, JsonObject, JsonValue } from '../domain/jobs.js';
import type { JobContext, JobQueue } from '../domain/ports/job-queue.js';
import { RECIPE_AUTHOR_ROLE_TAG, RECIPE_AUTHOR_TAG, type Recipe } from '../domain/recipes.js';
import { initiatorOf, type Initiator, type ModelVersion, type RegisteredModel, type RobustnessEvidence } from '../domain/registry/index.js';
import type { TextClassifier } from '../ml/index.js';
import { isRole } from '../domain/auth.js';
import type { MetricPoint } from '../domain/ports/trainer.js';
import type { RecipeResolver } from './recipe-resolver.js';
import type { Actor, RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';

/** What a training job carries (validated at enqueue, so a bad recipe is a 400, not a failed job). */
export interface TrainingPayload {
  readonly model: string;
  readonly recipe: Recipe;
  readonly fingerprint: string;
  readonly parent: number | null;
  readonly fresh: { readonly name: string; readonly version: number; readonly digest: string } | null;
  /**
   * A retrain from red-team vulnerabilities: the task's vulnerability corpus (a dataset version
   * of origin `vulnerability-corpus`) trained on too, and the trigger whose vulnerabilities the
   * version is recorded as trained on once it registers. Absent on every other training.
   */
  readonly vulnerabilities?: VulnerabilityTraining;
  /** Labelled feedback trained on too (a dataset version of origin `feedback`, see RetrainingPolicy.trainOnFeedback). */
  readonly feedback?: DatasetRef;
  readonly saveRecipe: boolean;
  readonly trigger: string;
  /** Whose name the registration records (the person who started the job, or Warden). */
  readonly actor: string;
  /** Who started the job. */
  readonly startedBy: string;
  /** Who wrote the recipe the job runs (the model's RECIPE_AUTHOR_TAG, or the starter when the request changed it); null when unknown. */
  readonly recipeAuthor: string | null;
  /** That author's role when the recipe was stored (`system` for Warden's own); null when unknown. */
  readonly recipeAuthorRole: string | null;
  /** Who started the job: a user with a role, or the platform's own trigger (bootstrap, fresh data). */
  readonly initiator: Initiator;
  /**
   * `retraining-decision`: a retrain a retraining decision owns; registration leaves it in
   * Staging and the decision promotes it (see domain/retraining/promotion.ts). Absent: the
   * model's auto-stage policy places the version, as for any training.
   */
  readonly promotion?: 'retraining-decision';
}

export interface DatasetRef {
  readonly name: string;
  readonly version: number;
  readonly digest: string;
}

export interface VulnerabilityTraining {
  readonly name: string;
  readonly version: number;
  readonly digest: string;
  readonly triggerId: string;
}

/** Where a vulnerability retrain records that its version trained on the trigger's vulnerabilities. */
export interface VulnerabilityUses {
  /** Idempotent; returns how many vulnerabilities the trigger names. */
  markUsed(triggerId: string, model: string, version: number): Promise<number>;
}

/** Attacks a newly trained model for its policy's robustness gate (implemented by the red team). */
export interface RobustnessEvaluator {
  evidence(input: {
    readonly task: string;
    readonly candidate: TextClassifier;
    readonly heldOut: ReadonlyArray<{ readonly text: string; readonly label: number }>;
    readonly champion: ModelVersion | null;
    /** How many malicious held-out inputs to attack and the search attack's query budget each (default: a campaign's, 200 and 200). */
    readonly effort?: { readonly maxInputs: number; readonly queryBudget: number };
    /** Called as the attacks go: `done` of `total` (the candidate's attacks, then Production's), and what runs now. */
    readonly progress?: (done: number, total: number, what: string) => void;
  }): Promise<RobustnessEvidence | null>;
}

/** Warden's own actor: bootstrap and fresh-data retrains. */
export const SYSTEM_ACTOR: Actor = { name: 'warden-training' };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface SubmitOptions {
  readonly idempotencyKey?: string;
  readonly dedupeKey?: string;
  readonly maxAttempts?: number;
}

/** Queues a train/retrain job; `created: false` when the idempotency or dedupe key found an existing one. */
export function submitTraining(jobs: JobQueue, kind: 'train' | 'retrain', payload: TrainingPayload, options: SubmitOptions = {}): Promise<{ job: Job; created: boolean }> {
  return jobs.submit({
    kind,
    payload: payload as unknown as JsonObject,
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
    ...(options.dedupeKey !== undefined ? { dedupeKey: options.dedupeKey } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
}

/** A job's payload read back (the recipe resolved again, so a payload from an older release runs as it reads today). */
export function readPayload(raw: JsonObject, recipes: RecipeResolver): TrainingPayload {
  if (typeof raw.model !== 'string') throw invalid('payload.model', 'the job names no model');
  const recipe = recipes.resolve(raw.recipe, 'payload.recipe');
  const parent = raw.parent === null || raw.parent === undefined ? null : Number(raw.parent);
  const fresh = isObject(raw.fresh) ? (raw.fresh as unknown as TrainingPayload['fresh']) : null;
  const vulnerabilities = isObject(raw.vulnerabilities) ? (raw.vulnerabilities as unknown as VulnerabilityTraining) : undefined;
  return {
    ...(vulnerabilities !== undefined ? { vulnerabilities } : {}),
    ...(raw.promotion === 'retraining-decision' ? { promotion: 'retraining-decision' as const } : {}),
    ...(isObject(raw.feedback) ? { feedback: raw.feedback as unknown as DatasetRef } : {}),
    model: raw.model,
    recipe,
    fingerprint: typeof raw.fingerprint === 'string' ? raw.fingerprint : recipes.fingerprint(recipe),
    parent: Number.isInteger(parent) ? parent : null,
    fresh,
    saveRecipe: raw.saveRecipe === true,
    trigger: typeof raw.trigger === 'string' ? raw.trigger : 'train',
    actor: typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name,
    startedBy: typeof raw.startedBy === 'string' ? raw.startedBy : typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name,
    recipeAuthor: typeof raw.recipeAuthor === 'string' ? raw.recipeAuthor : null,
    recipeAuthorRole: typeof raw.recipeAuthorRole === 'string' ? raw.recipeAuthorRole : null,
    initiator: readInitiator(raw.initiator, typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name),
  };
}

export type RecipeAuthorFields = Pick<TrainingPayload, 'recipeAuthor' | 'recipeAuthorRole'>;
type WhoFields = Pick<TrainingPayload, 'actor' | 'startedBy' | 'initiator'> & RecipeAuthorFields;

/** The one place a job payload's "who" is written: the starter (as actor, startedBy and initiator) and the recipe's author. */
export function whoFields(starter: Actor, author: RecipeAuthorFields): WhoFields {
  return { actor: starter.name, startedBy: starter.name, initiator: initiatorOf(starter), ...author };
}

/** The recipe's author as Warden recorded it on the model (tags set by the registry when the recipe changed). */
export function storedRecipeAuthor(model: RegisteredModel): RecipeAuthorFields {
  return { recipeAuthor: model.tags[RECIPE_AUTHOR_TAG] ?? null, recipeAuthorRole: model.tags[RECIPE_AUTHOR_ROLE_TAG] ?? null };
}

/** `actor` as the author of a recipe it writes (`system` for Warden's own actor). */
export function authorOf(actor: Actor): RecipeAuthorFields {
  return { recipeAuthor: actor.name, recipeAuthorRole: actor.role ?? 'system' };
}

/**
 * The initiator a job payload records. A payload without one (queued before initiators were
 * recorded) or with a malformed one acts with the least privilege: a policy cannot promote it.
 */
function readInitiator(raw: JsonValue | undefined, actor: string): Initiator {
  if (isObject(raw) && typeof raw.name === 'string') {
    if (raw.kind === 'system') return { kind: 'system', name: raw.name };
    if (raw.kind === 'user' && isRole(raw.role)) return { kind: 'user', name: raw.name, role: raw.role };
  }
  return { kind: 'user', name: actor, role: 'viewer' };
}

/** The recipe's author as the policy sees it; null when the job does not know (queued before authors were recorded). */
export function recipeAuthorOf(payload: TrainingPayload): Initiator | null {
  if (payload.recipeAuthor === null || payload.recipeAuthorRole === null) return null;
  if (payload.recipeAuthorRole === 'system') return { kind: 'system', name: payload.recipeAuthor };
  return { kind: 'user', name: payload.recipeAuthor, role: isRole(payload.recipeAuthorRole) ? payload.recipeAuthorRole : 'viewer' };
}

export function actorOfInitiator(initiator: Initiator): Actor {
  return initiator.kind === 'system' ? { name: initiator.name } : { name: initiator.name, role: initiator.role };
}

/**
 * Logs metric points on the job's run. A later attempt trains the same epochs again:
 * the points an earlier attempt logged are kept and not repeated.
 */
export async function logJobMetrics(tracking: TrackingService, ctx: JobContext, runId: string, metrics: readonly MetricPoint[]): Promise<void> {
  if (metrics.length === 0) return;
  if (ctx.attempt > 1) await tracking.logMetricsOnce(runId, metrics);
  else await tracking.logBatch(runId, { metrics: [...metrics] });
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The model named `name`, or undefined when none is registered. */
export async function findModel(registry: Pick<RegistryService, 'getModel'>, name: string): Promise<RegisteredModel | undefined> {
  try {
    return await registry.getModel(name);
  } catch (error) {
    if (isWardenError(error) && error.code === 'MODEL_NOT_FOUND') return undefined;
    throw error;
  }
}

/** The model's version in Production, else its newest READY version; undefined when it has neither. */
export async function productionOrNewestReady(registry: Pick<RegistryService, 'searchVersions'>, model: string): Promise<ModelVersion | undefined> {
  const production = await registry.searchVersions(model, { stage: 'Production', limit: 1 });
  if (production.items[0] !== undefined) return production.items[0];
  // Newest first: the first READY one is the newest.
  let pageToken: string | undefined;
  do {
    const page = await registry.searchVersions(model, { limit: 100, ...(pageToken !== undefined ? { pageToken } : {}) });
    const ready = page.items.find((v) => v.status === 'READY');
    if (ready !== undefined) return ready;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return undefined;
}
