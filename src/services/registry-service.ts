import { parseSha256Digest, type Sha256Digest } from '../domain/artifacts.js';
import { requireRole, type Role } from '../domain/auth.js';
import { RECIPE_AUTHOR_ROLE_TAG, RECIPE_AUTHOR_TAG, canonicalJson } from '../domain/recipes.js';
import { RecipeResolver } from './recipe-resolver.js';
import { WardenError, invalid } from '../domain/errors.js';
import { METRIC_KEY_RULE, isMetricKey } from '../domain/metric-keys.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DeploymentStore } from '../domain/ports/deployment-store.js';
import type { RetrainingStore } from '../domain/ports/retraining-store.js';
import type { RegistryStore, VersionPlan } from '../domain/ports/registry-store.js';
import type { ArtifactBlobs, TrackingRuns } from '../domain/ports/version-references.js';
import {
  DEFAULT_AUTO_STAGE_POLICY,
  assembleLineage,
  checkArtifactDigestChange,
  checkStatusChange,
  decideAutoStage,
  isStage,
  isVersionStatus,
  nextSemver,
  parseAutoStagePolicy,
  parseLimit,
  parseModelPageToken,
  parseVersionQuery,
  parseVersionRef,
  planTransition,
  initiatorOf,
  reportedEvidence,
  validateAlias,
  validateModelName,
  versionRelation,
  type AutoStageDecision,
  type AutoStagePolicy,
  type Lineage,
  type LineageRelation,
  type ModelAlias,
  type ModelVersion,
  type Page,
  type StagingEvidence,
  type RawVersionQuery,
  type RegisteredModel,
  type Stage,
  type StageTransition,
  type TransitionPlan,
  type VersionRef,
  type VersionStatus,
} from '../domain/registry/index.js';

/** Who acts: recorded in the history; `role` (when given) is checked against the stage move. */
export interface Actor {
  readonly name: string;
  readonly role?: Role;
}

/** A version as a request names it: its number, its semver label (`v1.2`) or an alias. */
export type VersionRefInput = number | string;

export interface CreateModelInput {
  readonly name: string;
  readonly task: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Auto-stage policy: `{metric, comparison, threshold, targetStage, otherwiseStage?}` or `{enabled:false}`; default: eval_accuracy > 0.9 → Production else Staging. */
  readonly policy?: unknown;
  readonly recipe?: Readonly<Record<string, unknown>> | null;
}

export interface UpdateModelInput {
  readonly task?: string;
  readonly description?: string;
  /** Replaces the whole tag map. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly policy?: unknown;
  readonly recipe?: Readonly<Record<string, unknown>> | null;
}

export interface ListModelsQuery {
  readonly limit?: number | string;
  readonly pageToken?: string;
}

export interface RegisterVersionInput {
  /** Default READY. */
  readonly status?: VersionStatus;
  readonly description?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** The version of the same model this one was retrained from. */
  readonly parent?: VersionRefInput | null;
  /** Same fingerprint as an existing version → minor bump; new fingerprint → major bump. */
  readonly recipeFingerprint?: string | null;
  readonly datasetDigests?: readonly string[];
  readonly resourceUsage?: Readonly<Record<string, number>>;
  readonly sourceRunId?: string | null;
  readonly artifactDigest?: string | null;
}

export interface RegisteredVersion {
  readonly version: ModelVersion;
  /** The auto-stage decision applied right after registration (stage + reason naming the rule). */
  readonly autoStage: AutoStageDecision;
  /** History records appended by the registration (auto-stage, and the archive of a superseded Production version). */
  readonly transitions: readonly StageTransition[];
}

export interface UpdateVersionInput {
  /** PENDING → READY or FAILED only; READY applies the model's auto-stage policy, as registration does. */
  readonly status?: VersionStatus;
  readonly description?: string;
  /** Replaces the whole tag map. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Write-once: may be set while null, never changed. */
  readonly artifactDigest?: string;
}

export interface UpdatedVersion {
  readonly version: ModelVersion;
  /** The auto-stage decision when this update made a PENDING version READY, else null. */
  readonly autoStage: AutoStageDecision | null;
  readonly transitions: readonly StageTransition[];
}

export interface TransitionRequest {
  readonly stage: Stage;
  readonly reason?: string;
  /** Needed (with a reason) to take the Production version out of Production without a replacement. */
  readonly force?: boolean;
}

export interface TransitionResult {
  /** The version after the move. */
  readonly version: ModelVersion;
  /** The history records appended, in order (an archive of the previous Production version first). */
  readonly transitions: readonly StageTransition[];
  /** The version number that left Production, if any. */
  readonly archived: readonly number[];
}

export interface HistoryQuery {
  /** Only this version's history. */
  readonly version?: VersionRefInput;
  readonly limit?: number | string;
  /** Records with seq after this one (the previous page's last seq). */
  readonly pageToken?: string;
}

export interface ModelStatus {
  readonly name: string;
  readonly task: string;
  /** The version in Production, or null. */
  readonly production: { readonly number: number; readonly semver: string } | null;
  /** What needs a look, e.g. `no-production` (nothing serves the model). */
  readonly flags: readonly ModelFlag[];
  readonly versions: readonly {
    readonly number: number;
    readonly semver: string;
    readonly stage: Stage;
    readonly status: VersionStatus;
    /** The key metrics: eval_* and the policy's metric. */
    readonly metrics: Readonly<Record<string, number>>;
    readonly createdAt: number;
  }[];
}

export interface RegistryStatus {
  readonly models: readonly ModelStatus[];
  /** Models with no version in Production: nothing serves them. */
  readonly withoutProduction: readonly string[];
}

/** Conditions `GET /models/status` flags on a model. */
/** `redteam-failed`: the newest red-team campaign evaded (or failed on) the version that serves (see RedTeamService.withStatus). */
export const MODEL_FLAGS = ['no-production', 'redteam-failed'] as const;
export type ModelFlag = (typeof MODEL_FLAGS)[number];

/** The stage history page token names the last seq served. */
function parseHistoryPageToken(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const match = /^s(\d{1,15})$/.exec(raw);
  if (!match) throw invalid('pageToken', 'pageToken is not one this server issued; pass back the nextPageToken of the previous page');
  return Number(match[1]);
}

const TASK = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TAG_KEY = /^[A-Za-z0-9_.\-/:]{1,128}$/;
const MAX_TAGS = 100;
const MAX_METRICS = 500;
const MAX_TEXT = 10_000;
const MAX_REASON = 1_000;
/** A version's lineage lists at most this many of its deployments (newest kept). */
const MAX_LINEAGE_DEPLOYMENTS = 500;
/** Metrics every status row shows besides the policy's metric. */
const KEY_METRIC_PREFIX = 'eval_';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, field: string, max: number, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  if (value.length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  return value;
}

function optionalId(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(value)) throw invalid(field, `${field} must be an id of letters, digits, '_', '.', ':', '-'`);
  return value;
}

function tags(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid(field, `${field} must be an object of string values`);
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) throw invalid(field, `at most ${MAX_TAGS} tags`);
  for (const [key, v] of entries) {
    if (!TAG_KEY.test(key)) throw invalid(`${field}.${key}`, 'tag keys are 1–128 letters, digits or _ . - / :');
    if (typeof v !== 'string' || v.length > 1000) throw invalid(`${field}.${key}`, 'tag values are strings of at most 1000 characters');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function numbers(value: unknown, field: string): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid(field, `${field} must be an object of numbers`);
  const entries = Object.entries(value);
  if (entries.length > MAX_METRICS) throw invalid(field, `at most ${MAX_METRICS} entries`);
  for (const [key, v] of entries) {
    if (!isMetricKey(key)) throw invalid(`${field}.${key}`, `names are ${METRIC_KEY_RULE}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${field}.${key}`, 'values must be finite numbers');
  }
  return Object.fromEntries(entries) as Record<string, number>;
}

function policyOf(value: unknown): AutoStagePolicy {
  return value === undefined || value === null ? DEFAULT_AUTO_STAGE_POLICY : parseAutoStagePolicy(value, 'policy');
}

function ref(value: unknown, field = 'version'): VersionRef {
  return parseVersionRef(value, field);
}

/** A stage move's reason: the caller's words when given (non-blank), else the default. */
function moveReason(value: unknown, fallback: string): { text: string; given: boolean } {
  const given = text(value, 'reason', MAX_REASON, '').trim();
  return given === '' ? { text: fallback, given: false } : { text: given, given: true };
}

function force(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid('force', 'force must be true or false');
  return value;
}

function planOrThrow(result: TransitionPlan | WardenError): TransitionPlan {
  if (result instanceof WardenError) throw result;
  return result;
}

export interface RegistryServiceDeps {
  readonly store: RegistryStore;
  /** Where a version's artifactDigest must name a stored blob. */
  readonly artifacts: ArtifactBlobs;
  /** Where a version's sourceRunId must name a run. */
  readonly runs: TrackingRuns;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Checks recipes when they are stored; default: built-in families only (external trainers off). */
  readonly recipes?: RecipeResolver;
  /** The deployments a version took part in make its lineage's deployment history. */
  readonly deployments: Pick<DeploymentStore, 'list'>;
  /** The retraining decision that made a version (by its job) shows in its lineage. */
  readonly retraining?: Pick<RetrainingStore, 'decisionOfJob'>;
}

/**
 * The registry's use cases. Every method validates its input (VALIDATION_FAILED naming the
 * field), reports unknown names as MODEL_NOT_FOUND / VERSION_NOT_FOUND / ALIAS_NOT_FOUND, and
 * applies each change in one store transaction, decided by the domain rules under the model's lock.
 */
export class RegistryService {
  private readonly store: RegistryStore;
  private readonly artifacts: ArtifactBlobs;
  private readonly runs: TrackingRuns;
  private readonly clock: Clock;
  private readonly nextId: () => string;
  private readonly recipes: RecipeResolver;
  private readonly deployments: Pick<DeploymentStore, 'list'>;
  private readonly retraining: Pick<RetrainingStore, 'decisionOfJob'> | undefined;

  constructor(deps: RegistryServiceDeps) {
    this.store = deps.store;
    this.artifacts = deps.artifacts;
    this.runs = deps.runs;
    this.clock = deps.clock;
    this.nextId = () => deps.ids.next();
    this.recipes = deps.recipes ?? new RecipeResolver();
    this.deployments = deps.deployments;
    this.retraining = deps.retraining;
  }

  /**
   * The policy decides what reaches Production on registration, so giving one (at creation
   * or later) is an admin's call: one rule for create and update.
   */
  private checkPolicyChange(policy: unknown, actor: Actor): void {
    if (policy !== undefined) requireRole(actor, 'admin', 'policy', 'setting the auto-stage policy');
  }

  /**
   * A recipe is validated completely when stored (not at the next retrain), an external one
   * only by an admin; the author tag is Warden's record of who last changed it, so a
   * caller's tags may repeat it but never rewrite it.
   */
  private storeRecipe(
    current: { readonly recipe: Readonly<Record<string, unknown>> | null; readonly tags: Readonly<Record<string, string>> } | null,
    patch: { readonly recipe?: unknown; readonly tags?: unknown },
    actor: Actor,
  ): { recipe?: Record<string, unknown> | null; tags?: Record<string, string> } {
    const given = patch.tags === undefined ? undefined : tags(patch.tags, 'tags');
    const kept = { name: current?.tags[RECIPE_AUTHOR_TAG], role: current?.tags[RECIPE_AUTHOR_ROLE_TAG] };
    for (const [tag, value] of [[RECIPE_AUTHOR_TAG, kept.name], [RECIPE_AUTHOR_ROLE_TAG, kept.role]] as const) {
      if (given !== undefined && given[tag] !== undefined && given[tag] !== value) throw invalid(`tags.${tag}`, `${tag} is set by Warden when the recipe changes`);
    }
    const withAuthor = (base: Readonly<Record<string, string>>, author: { name: string | undefined; role: string | undefined }): Record<string, string> => {
      const out = { ...base };
      delete out[RECIPE_AUTHOR_TAG];
      delete out[RECIPE_AUTHOR_ROLE_TAG];
      if (author.name !== undefined) out[RECIPE_AUTHOR_TAG] = author.name;
      if (author.name !== undefined && author.role !== undefined) out[RECIPE_AUTHOR_ROLE_TAG] = author.role;
      return out;
    };
    if (patch.recipe === undefined) return given === undefined ? {} : { tags: withAuthor(given, kept) };
    if (patch.recipe !== null && JSON.stringify(patch.recipe).length > 100_000) throw invalid('recipe', 'recipe is larger than 100 kB');
    const next = patch.recipe === null ? null : this.recipes.resolve(patch.recipe, 'recipe');
    const previous = this.recipes.stored(current?.recipe ?? null);
    this.recipes.authorize(previous, next, actor);
    const changed = canonicalJson(previous) !== canonicalJson(next);
    // An admin who stores the same recipe again takes it over: that is how an editor's recipe gets reviewed.
    const reviewed = !changed && next !== null && actor.role === 'admin';
    const author = !changed && !reviewed ? kept : next === null ? { name: undefined, role: undefined } : { name: actor.name, role: actor.role ?? 'system' };
    return { recipe: next as unknown as Record<string, unknown> | null, tags: withAuthor(given ?? current?.tags ?? {}, author) };
  }

  // ---------------------------------------------------------------- models

  async createModel(input: CreateModelInput, actor: Actor): Promise<RegisteredModel> {
    if (!isPlainObject(input)) throw invalid('body', 'expected an object');
    const name = validateModelName(input.name, 'name');
    if (typeof input.task !== 'string' || !TASK.test(input.task)) throw invalid('task', 'task must match [a-z0-9][a-z0-9._-]{0,63}, e.g. spam, phishing, prompt-injection');
    this.checkPolicyChange(input.policy, actor);
    const stored = this.storeRecipe(null, { recipe: input.recipe ?? null, tags: input.tags ?? {} }, actor);
    return this.store.createModel({
      id: this.nextId(),
      name,
      task: input.task,
      description: text(input.description, 'description', MAX_TEXT, ''),
      tags: stored.tags ?? {},
      policy: policyOf(input.policy),
      recipe: stored.recipe ?? null,
      createdAt: this.clock.now(),
    });
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return this.store.getModel(name);
  }

  async listModels(query: ListModelsQuery = {}): Promise<Page<RegisteredModel>> {
    return this.store.listModels({ limit: parseLimit(query.limit), afterName: parseModelPageToken(query.pageToken) });
  }

  async updateModel(name: string, patch: UpdateModelInput, actor: Actor): Promise<RegisteredModel> {
    if (!isPlainObject(patch)) throw invalid('body', 'expected an object');
    this.checkPolicyChange(patch.policy, actor);
    if (patch.task !== undefined && (typeof patch.task !== 'string' || !TASK.test(patch.task))) throw invalid('task', 'task must match [a-z0-9][a-z0-9._-]{0,63}');
    const current = patch.recipe !== undefined || patch.tags !== undefined ? await this.store.getModel(name) : null;
    const stored = this.storeRecipe(current, patch, actor);
    return this.store.updateModel(name, {
      ...(patch.task !== undefined ? { task: patch.task } : {}),
      ...(patch.description !== undefined ? { description: text(patch.description, 'description', MAX_TEXT, '') } : {}),
      ...(stored.tags !== undefined ? { tags: stored.tags } : {}),
      ...(patch.policy !== undefined ? { policy: policyOf(patch.policy) } : {}),
      ...(stored.recipe !== undefined ? { recipe: stored.recipe } : {}),
      updatedAt: this.clock.now(),
    });
  }

  async deleteModel(name: string, _actor: Actor): Promise<void> {
    await this.store.deleteModel(name, (production) => {
      if (production !== null) {
        throw new WardenError('VERSION_CONFLICT', `version ${production.number} of "${name}" is in Production; archive it first (\`warden archive ${name} ${production.number}\`)`, {
          field: 'name',
        });
      }
    });
  }

  // -------------------------------------------------------------- versions

  /**
   * Registers a version and applies the model's auto-stage policy. Without `evidence` (the
   * API's path) the metrics count as self-reported, so the policy can place the version in
   * Staging at most; only Warden's own jobs pass evidence (see StagingEvidence).
   */
  async registerVersion(model: string, input: RegisterVersionInput, actor: Actor, evidence?: StagingEvidence): Promise<RegisteredVersion> {
    if (!isPlainObject(input)) throw invalid('body', 'expected an object');
    const rawStatus: unknown = input.status ?? 'READY';
    if (!isVersionStatus(rawStatus)) throw invalid('status', 'status must be one of PENDING, READY, FAILED');
    const status: VersionStatus = rawStatus;
    const metrics = numbers(input.metrics, 'metrics');
    const versionTags = tags(input.tags, 'tags');
    const resourceUsage = numbers(input.resourceUsage, 'resourceUsage');
    const description = text(input.description, 'description', MAX_TEXT, '');
    const fingerprint = input.recipeFingerprint === undefined || input.recipeFingerprint === null ? null : text(input.recipeFingerprint, 'recipeFingerprint', 200, '');
    if (fingerprint === '') throw invalid('recipeFingerprint', 'recipeFingerprint must not be empty (omit it or pass null)');
    const rawDatasetDigests: unknown = input.datasetDigests ?? [];
    if (!Array.isArray(rawDatasetDigests) || rawDatasetDigests.length > 100) throw invalid('datasetDigests', 'datasetDigests must be a list of at most 100 sha256 digests');
    const datasetDigests = rawDatasetDigests.map((d: unknown, i) => parseSha256Digest(d, `datasetDigests[${i}]`));
    const artifactDigest = input.artifactDigest === undefined || input.artifactDigest === null ? null : parseSha256Digest(input.artifactDigest, 'artifactDigest');
    const sourceRunId = optionalId(input.sourceRunId, 'sourceRunId');
    await this.requireReferences(artifactDigest, sourceRunId);
    const parentRef = input.parent === undefined || input.parent === null ? null : ref(input.parent, 'parent');
    let parentNumber: number | null = null;
    if (parentRef !== null) {
      parentNumber = parentRef.kind === 'number' ? parentRef.number : (await this.resolveParent(model, parentRef)).number;
    }
    let decision: AutoStageDecision | undefined;
    const applied = await this.store.createVersion({ model, parent: parentNumber, recipeFingerprint: fingerprint }, (facts): VersionPlan => {
      const now = this.clock.now();
      const semver = nextSemver(facts.semverPoints, fingerprint, facts.parent);
      const id = this.nextId();
      decision = decideAutoStage(facts.model.policy, { status, metrics, artifactDigest: artifactDigest as string | null }, evidence ?? reportedEvidence(initiatorOf(actor)), facts.production);
      const subject = { id, modelId: facts.model.id, number: facts.number, stage: 'None' as Stage, status };
      // Registration always leaves one history record naming the policy's verdict, even when it keeps the version in None.
      const transitions = this.autoStagePlan(subject, decision, facts.production, actor, now, `registered; ${decision.reason}`);
      return {
        version: {
          id,
          number: facts.number,
          semver: semver.semver,
          major: semver.major,
          minor: semver.minor,
          status,
          description,
          metrics,
          tags: versionTags,
          parentVersionId: facts.parent?.id ?? null,
          retrainingCount: facts.parent === null ? 0 : facts.parent.retrainingCount + 1,
          datasetDigests,
          resourceUsage,
          recipeFingerprint: fingerprint,
          sourceRunId,
          artifactDigest,
          createdAt: now,
        },
        transitions,
      };
    });
    if (decision === undefined) throw new WardenError('INTERNAL', 'registration finished without an auto-stage decision');
    return { version: applied.version, autoStage: decision, transitions: applied.transitions };
  }

  /** The model's Production version, if any (MODEL_NOT_FOUND for an unknown model). */
  async productionVersion(model: string): Promise<ModelVersion | undefined> {
    return (await this.searchVersions(model, { stage: 'Production', limit: 1 })).items[0];
  }

  async getVersion(model: string, version: VersionRefInput): Promise<ModelVersion> {
    return this.store.getVersion(model, ref(version));
  }

  /** Changes description, tags, a write-once artifact digest, or a PENDING status (READY triggers auto-stage). */
  async updateVersion(model: string, version: VersionRefInput, input: UpdateVersionInput, actor: Actor): Promise<UpdatedVersion> {
    if (!isPlainObject(input)) throw invalid('body', 'expected an object');
    const rawStatus: unknown = input.status;
    if (rawStatus !== undefined && !isVersionStatus(rawStatus)) throw invalid('status', 'status must be one of PENDING, READY, FAILED');
    const description = input.description === undefined ? undefined : text(input.description, 'description', MAX_TEXT, '');
    const newTags = input.tags === undefined ? undefined : tags(input.tags, 'tags');
    const digest = input.artifactDigest === undefined ? undefined : parseSha256Digest(input.artifactDigest, 'artifactDigest');
    if (digest !== undefined) await this.requireReferences(digest, null);
    let autoStage: AutoStageDecision | null = null;
    const applied = await this.store.updateVersion(model, ref(version), (facts) => {
      const now = this.clock.now();
      autoStage = null;
      const current = facts.version;
      if (rawStatus !== undefined) {
        const refused = checkStatusChange(current, rawStatus);
        if (refused) throw refused;
      }
      if (typeof digest === 'string') {
        const refused = checkArtifactDigestChange(current, digest);
        if (refused) throw refused;
      }
      let transitions: TransitionPlan = { modelId: facts.model.id, changes: [] };
      if (rawStatus === 'READY' && current.status === 'PENDING' && current.stage === 'None') {
        // The metrics were given at registration by the caller: self-reported, so Staging at most.
        const decision = decideAutoStage(facts.model.policy, { status: 'READY', metrics: current.metrics, artifactDigest: current.artifactDigest }, reportedEvidence(initiatorOf(actor)), facts.production);
        autoStage = decision;
        if (decision.stage !== 'None') transitions = this.autoStagePlan({ ...current, status: 'READY' }, decision, facts.production, actor, now, null);
      }
      return {
        changes: {
          ...(rawStatus !== undefined ? { status: rawStatus } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(newTags !== undefined ? { tags: newTags } : {}),
          ...(typeof digest === 'string' ? { artifactDigest: digest } : {}),
          updatedAt: now,
        },
        transitions,
      };
    });
    return { version: applied.version, autoStage, transitions: applied.transitions };
  }

  async searchVersions(model: string, query: RawVersionQuery = {}): Promise<Page<ModelVersion>> {
    return this.store.searchVersions(model, parseVersionQuery(query));
  }

  // ----------------------------------------------------------- transitions

  async transition(model: string, version: VersionRefInput, request: TransitionRequest, actor: Actor): Promise<TransitionResult> {
    if (!isPlainObject(request)) throw invalid('body', 'expected an object');
    if (!isStage(request.stage)) throw invalid('stage', 'stage must be one of None, Staging, Production, Archived');
    return this.move(model, ref(version), request.stage, moveReason(request.reason, `moved to ${request.stage}`), actor, force(request.force));
  }

  async deploy(model: string, version: VersionRefInput, actor: Actor, reason?: string): Promise<TransitionResult> {
    return this.move(model, ref(version), 'Production', moveReason(reason, 'deployed'), actor, false);
  }

  /** Archives a version; archiving the Production version needs `force` and a reason (nothing would serve the model). */
  async archive(model: string, version: VersionRefInput, actor: Actor, reason?: string, forced?: boolean): Promise<TransitionResult> {
    return this.move(model, ref(version), 'Archived', moveReason(reason, 'archived'), actor, force(forced));
  }

  private async move(model: string, version: VersionRef, to: Stage, reason: { text: string; given: boolean }, actor: Actor, forced: boolean): Promise<TransitionResult> {
    const applied = await this.store.applyTransition(model, version, (facts) =>
      planOrThrow(
        planTransition(facts.version, to, facts.production === null ? [] : [facts.production], {
          actor: actor.name,
          reason: reason.text,
          reasonGiven: reason.given,
          force: forced,
          now: this.clock.now(),
          ids: this.nextId,
          ...(actor.role !== undefined ? { role: actor.role } : {}),
        }),
      ),
    );
    const archived = applied.transitions.filter((t) => t.versionId !== applied.version.id && t.from === 'Production').map((t) => t.versionNumber);
    return { version: applied.version, transitions: applied.transitions, archived };
  }

  // --------------------------------------------------------------- aliases

  async setAlias(model: string, alias: string, version: VersionRefInput, _actor: Actor): Promise<ModelAlias> {
    return this.store.setAlias(model, validateAlias(alias), ref(version), this.clock.now());
  }

  async deleteAlias(model: string, alias: string, _actor: Actor): Promise<void> {
    await this.store.deleteAlias(model, validateAlias(alias));
  }

  // ------------------------------------------------------- lineage & views

  async lineage(model: string, version: VersionRefInput): Promise<Lineage> {
    const facts = await this.store.lineageFacts(model, ref(version));
    const deployments = await this.deployments.list({ model: facts.version.model, version: facts.version.number, limit: MAX_LINEAGE_DEPLOYMENTS });
    const job = facts.version.tags['warden.job_id'];
    const decision = job === undefined || this.retraining === undefined ? undefined : await this.retraining.decisionOfJob(job);
    const retraining =
      decision === undefined
        ? null
        : {
            decision: decision.id,
            decidedAt: decision.decidedAt,
            summary: decision.summary,
            triggers: decision.triggers.map((t) => t.kind),
            outcomes: decision.outcomes.map((o) => ({ kind: o.kind, at: o.at, detail: o.detail })),
          };
    return assembleLineage(facts, deployments, retraining);
  }

  async history(model: string, query: HistoryQuery = {}): Promise<Page<StageTransition>> {
    return this.store.listTransitions(model, {
      ...(query.version !== undefined ? { version: ref(query.version) } : {}),
      limit: parseLimit(query.limit),
      afterSeq: parseHistoryPageToken(query.pageToken),
    });
  }

  /** How version `a` of `model` relates to version `b` by lineage (comparing them is ComparisonService's work). */
  async relation(model: string, a: VersionRefInput, b: VersionRefInput): Promise<LineageRelation> {
    const refA = ref(a, 'a');
    const refB = ref(b, 'b');
    const [factsA, factsB] = await Promise.all([this.store.lineageFacts(model, refA), this.store.lineageFacts(model, refB)]);
    const chainA = assembleLineage(factsA).ancestors.map((v) => v.number);
    const chainB = assembleLineage(factsB).ancestors.map((v) => v.number);
    return versionRelation(factsA.version, factsB.version, chainA, chainB);
  }

  async status(): Promise<RegistryStatus> {
    const facts = await this.store.statusFacts();
    const byModel = new Map<string, ModelVersion[]>();
    for (const v of facts.versions) {
      const list = byModel.get(v.modelId) ?? [];
      list.push(v);
      byModel.set(v.modelId, list);
    }
    const models = facts.models.map((m): ModelStatus => {
        const versions = byModel.get(m.id) ?? [];
        const production = versions.find((v) => v.stage === 'Production');
        const policyMetric = m.policy.enabled ? m.policy.metric : null;
        return {
          name: m.name,
          task: m.task,
          production: production === undefined ? null : { number: production.number, semver: production.semver },
          flags: production === undefined ? ['no-production'] : [],
          versions: versions.map((v) => ({
            number: v.number,
            semver: v.semver,
            stage: v.stage,
            status: v.status,
            metrics: Object.fromEntries(Object.entries(v.metrics).filter(([k]) => k.startsWith(KEY_METRIC_PREFIX) || k === policyMetric)),
            createdAt: v.createdAt,
          })),
        };
      });
    return { models, withoutProduction: models.filter((m) => m.production === null).map((m) => m.name) };
  }

  /** A version never points at a model file or a run that does not exist (ARTIFACT_NOT_FOUND / RUN_NOT_FOUND naming the field). */
  private async requireReferences(artifactDigest: Sha256Digest | null, sourceRunId: string | null): Promise<void> {
    if (artifactDigest !== null) await this.artifacts.requireBlob(artifactDigest, 'artifactDigest');
    if (sourceRunId !== null) await this.runs.requireRun(sourceRunId, 'sourceRunId');
  }

  /**
   * The history a policy decision appends: the move to the decided stage (archiving the
   * previous Production version when it enters Production), or — when `noMoveReason` is given
   * and the decision keeps the version in None — one None → None record naming the verdict.
   */
  private autoStagePlan(
    subject: Pick<ModelVersion, 'id' | 'modelId' | 'number' | 'stage' | 'status'>,
    decision: AutoStageDecision,
    production: ModelVersion | null,
    actor: Actor,
    now: number,
    noMoveReason: string | null,
  ): TransitionPlan {
    if (decision.stage === 'None') {
      const changes =
        noMoveReason === null ? [] : [{ id: this.nextId(), versionId: subject.id, versionNumber: subject.number, from: 'None' as Stage, to: 'None' as Stage, actor: actor.name, reason: noMoveReason, at: now }];
      return { modelId: subject.modelId, changes };
    }
    return planOrThrow(planTransition(subject, decision.stage, production === null ? [] : [production], { actor: actor.name, reason: decision.reason, now, ids: this.nextId }));
  }

  private async resolveParent(model: string, parent: VersionRef): Promise<ModelVersion> {
    try {
      return await this.store.getVersion(model, parent);
    } catch (error) {
      if (error instanceof WardenError && error.code === 'VERSION_NOT_FOUND') {
        throw new WardenError('VERSION_NOT_FOUND', error.message, { field: 'parent' });
      }
      throw error;
    }
  }
}
