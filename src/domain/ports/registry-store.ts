import type { AutoStagePolicy } from '../registry/auto-stage.js';
import type { ModelAlias, ModelVersion, Page, RegisteredModel, StageTransition } from '../registry/entities.js';
import type { LineageFacts } from '../registry/lineage.js';
import type { VersionRef } from '../registry/names.js';
import type { SemverPoint } from '../registry/semver.js';
import type { TransitionPlan } from '../registry/transitions.js';
import type { VersionFilter } from '../registry/version-filter.js';
import type { VersionStatus } from '../registry/vocabulary.js';

export interface NewModel {
  readonly id: string;
  readonly name: string;
  readonly task: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly policy: AutoStagePolicy;
  readonly recipe: Readonly<Record<string, unknown>> | null;
  readonly createdAt: number;
}

/** Fields to change; absent fields stay as they are. */
export interface ModelChanges {
  readonly task?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly policy?: AutoStagePolicy;
  readonly recipe?: Readonly<Record<string, unknown>> | null;
  readonly updatedAt: number;
}

/** A model as read under its lock: everything but the aliases (no decision needs them). */
export type LockedModel = Omit<RegisteredModel, 'aliases'>;

/** What the store knows when a new version is allocated, read under the model's lock. */
export interface VersionFacts {
  /** The model as locked; `latestVersion` already counts the new version. */
  readonly model: LockedModel;
  /** The number allocated to the new version. */
  readonly number: number;
  /**
   * Existing versions that matter to `nextSemver`: the newest version with the requested
   * fingerprint, the version with the highest major, the highest minor on each of those
   * majors and on the parent's major, and the parent. Empty for a model's first version.
   */
  readonly semverPoints: readonly SemverPoint[];
  readonly parent: ModelVersion | null;
  /** The version currently in Production, if any. */
  readonly production: ModelVersion | null;
}

/** A version to insert: it starts in stage None; `transitions` then moves it (the store may write the final stage directly). */
export interface NewVersion {
  readonly id: string;
  readonly number: number;
  readonly semver: string;
  readonly major: number;
  readonly minor: number;
  readonly status: VersionStatus;
  readonly description: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly parentVersionId: string | null;
  readonly retrainingCount: number;
  readonly datasetDigests: readonly string[];
  readonly resourceUsage: Readonly<Record<string, number>>;
  readonly recipeFingerprint: string | null;
  readonly sourceRunId: string | null;
  readonly artifactDigest: string | null;
  readonly createdAt: number;
}

export interface VersionPlan {
  readonly version: NewVersion;
  /** Applied right after the insert, in the same transaction (the auto-stage decision). */
  readonly transitions: TransitionPlan;
}

export interface VersionRequest {
  readonly model: string;
  /** Number of the parent version in the same model. */
  readonly parent: number | null;
  readonly recipeFingerprint: string | null;
}

/** What the store knows when a stage move is decided, read under the model's lock. */
export interface TransitionFacts {
  readonly model: LockedModel;
  readonly version: ModelVersion;
  /** The version currently in Production (may be `version` itself), if any. */
  readonly production: ModelVersion | null;
}

/** Fields of a version that may change after registration (see checkStatusChange). */
export interface VersionChanges {
  readonly status?: VersionStatus;
  readonly description?: string;
  /** Replaces the whole tag map. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly artifactDigest?: string;
  readonly updatedAt: number;
}

export interface VersionUpdatePlan {
  readonly changes: VersionChanges;
  /** Stage moves applied after the changes (e.g. auto-stage once a PENDING version is READY). */
  readonly transitions: TransitionPlan;
}

export interface AppliedTransition {
  /** The version after the move. */
  readonly version: ModelVersion;
  /** The history records appended, in order. */
  readonly transitions: readonly StageTransition[];
}

export interface ModelQuery {
  readonly limit: number;
  /** Only models whose name sorts after this one. */
  readonly afterName: string | null;
}

export interface TransitionQuery {
  /** Only this version's records. */
  readonly version?: VersionRef;
  readonly limit: number;
  /** Only records with a higher seq. */
  readonly afterSeq: number | null;
}

/**
 * Persistence of registered models, versions, stage history and aliases.
 *
 * Decisions are made by domain functions; the store applies them. Methods that change stages or
 * allocate numbers take a `decide` callback, which the store runs INSIDE its transaction after
 * locking the model (PostgreSQL: the model row `FOR UPDATE`; SQLite: a write on the model row,
 * which takes the database write lock), with facts re-read under that lock. So two concurrent
 * calls for one model are serialised, and each decides on the state the other left.
 * `decide` must be pure: it may run more than once when a transaction is retried after a
 * serialization failure or deadlock. If it throws, nothing is written and the error propagates.
 *
 * Guarantees, on every adapter:
 * - At most one version of a model is in Production at any instant (enforced by the plan and,
 *   as a last line, by a unique index).
 * - Stage history is append-only; each model's records have strictly increasing `seq`.
 * - Version numbers are 1, 2, 3… per model without gaps in committed registrations.
 * - Unknown names raise MODEL_NOT_FOUND, VERSION_NOT_FOUND or ALIAS_NOT_FOUND; a duplicate model
 *   name raises MODEL_ALREADY_EXISTS; a plan that no longer matches the stored stages raises
 *   VERSION_CONFLICT. Driver errors never leak their codes.
 */
export interface RegistryStore {
  /** Raises MODEL_ALREADY_EXISTS when the name is taken. */
  createModel(model: NewModel): Promise<RegisteredModel>;
  getModel(name: string): Promise<RegisteredModel>;
  /** Ordered by name. */
  listModels(query: ModelQuery): Promise<Page<RegisteredModel>>;
  updateModel(name: string, changes: ModelChanges): Promise<RegisteredModel>;
  /**
   * Deletes the model with its versions, history and aliases. `check` runs under the model's
   * lock with the version in Production (or null) and may throw to refuse.
   */
  deleteModel(name: string, check: (production: ModelVersion | null) => void): Promise<void>;

  /**
   * Allocates the next version number from the model's counter, reads the facts under the
   * model's lock, inserts the version `decide` returns, then applies its transitions — one transaction.
   */
  createVersion(request: VersionRequest, decide: (facts: VersionFacts) => VersionPlan): Promise<AppliedTransition>;
  getVersion(model: string, ref: VersionRef): Promise<ModelVersion>;
  /** Newest first, filtered, paginated by version number. */
  searchVersions(model: string, filter: VersionFilter): Promise<Page<ModelVersion>>;

  /** Runs `decide` on fresh facts under the model's lock and applies its plan in the same transaction. */
  applyTransition(model: string, ref: VersionRef, decide: (facts: TransitionFacts) => TransitionPlan): Promise<AppliedTransition>;
  /** Runs `decide` on fresh facts under the model's lock; writes its changes, then its transitions, in one transaction. */
  updateVersion(model: string, ref: VersionRef, decide: (facts: TransitionFacts) => VersionUpdatePlan): Promise<AppliedTransition>;
  /** The model's history, oldest first (by seq). */
  listTransitions(model: string, query: TransitionQuery): Promise<Page<StageTransition>>;

  /** Creates or moves the alias in one statement; the version must exist. */
  setAlias(model: string, alias: string, ref: VersionRef, now: number): Promise<ModelAlias>;
  /** Raises ALIAS_NOT_FOUND when the alias does not exist. */
  deleteAlias(model: string, alias: string): Promise<void>;

  /** The version, its ancestors, its children and the stage history of the chain. */
  lineageFacts(model: string, ref: VersionRef): Promise<LineageFacts>;
  /** Every model (by name) and every version (by model, newest first), in a fixed number of queries. */
  statusFacts(): Promise<{ readonly models: readonly RegisteredModel[]; readonly versions: readonly ModelVersion[] }>;
}
