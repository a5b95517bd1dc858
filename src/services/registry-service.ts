import type { AutoStageDecision } from '../domain/registry/auto-stage.js';
import type { VersionComparison } from '../domain/registry/compare.js';
import type { ModelAlias, ModelVersion, Page, RegisteredModel, StageTransition } from '../domain/registry/entities.js';
import type { Lineage } from '../domain/registry/lineage.js';
import type { RawVersionQuery } from '../domain/registry/version-filter.js';
import type { Stage, VersionStatus } from '../domain/registry/vocabulary.js';

/** Who acts: recorded in the history; `role` (when given) is checked against the stage move. */
export interface Actor {
  readonly name: string;
  readonly role?: 'viewer' | 'editor' | 'admin';
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

export interface TransitionRequest {
  readonly stage: Stage;
  readonly reason?: string;
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
}

/**
 * The registry's use cases. Every method validates its input (VALIDATION_FAILED naming the
 * field), reports unknown names as MODEL_NOT_FOUND / VERSION_NOT_FOUND / ALIAS_NOT_FOUND, and
 * applies each change in one store transaction.
 */
export interface RegistryService {
  createModel(input: CreateModelInput, actor: Actor): Promise<RegisteredModel>;
  getModel(name: string): Promise<RegisteredModel>;
  listModels(query?: ListModelsQuery): Promise<Page<RegisteredModel>>;
  updateModel(name: string, patch: UpdateModelInput, actor: Actor): Promise<RegisteredModel>;
  /** Refused (VERSION_CONFLICT) while a version is in Production. */
  deleteModel(name: string, actor: Actor): Promise<void>;

  /** Registers the next version (number + semver allocated atomically) and applies the model's auto-stage policy in the same transaction. */
  registerVersion(model: string, input: RegisterVersionInput, actor: Actor): Promise<RegisteredVersion>;
  getVersion(model: string, version: VersionRefInput): Promise<ModelVersion>;
  /** Filter by stage, tag `key=value`, metric condition `eval_f1>0.9`; newest first, paginated. */
  searchVersions(model: string, query?: RawVersionQuery): Promise<Page<ModelVersion>>;

  /** Any legal stage move (planTransition decides); entering Production archives the previous Production version atomically. */
  transition(model: string, version: VersionRefInput, request: TransitionRequest, actor: Actor): Promise<TransitionResult>;
  /** To Production; the previous Production version is archived in the same transaction. */
  deploy(model: string, version: VersionRefInput, actor: Actor, reason?: string): Promise<TransitionResult>;
  archive(model: string, version: VersionRefInput, actor: Actor, reason?: string): Promise<TransitionResult>;

  /** Points `alias` at `version` (moves it if it exists). */
  setAlias(model: string, alias: string, version: VersionRefInput, actor: Actor): Promise<ModelAlias>;
  deleteAlias(model: string, alias: string, actor: Actor): Promise<void>;

  lineage(model: string, version: VersionRefInput): Promise<Lineage>;
  /** The model's stage history, oldest first. */
  history(model: string, query?: HistoryQuery): Promise<Page<StageTransition>>;
  compare(model: string, a: VersionRefInput, b: VersionRefInput): Promise<VersionComparison>;
  /** Every model with its versions and which one is in Production (a fixed number of queries). */
  status(): Promise<RegistryStatus>;
}
