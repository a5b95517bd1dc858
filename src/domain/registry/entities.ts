import type { Stage, VersionStatus } from './vocabulary.js';
import type { AutoStagePolicy } from './auto-stage.js';

/** A named model: the container of versions, with its auto-stage policy. */
export interface RegisteredModel {
  readonly id: string;
  readonly name: string;
  /** What the model does, e.g. `spam`, `phishing`, `prompt-injection`, `malicious-url`. */
  readonly task: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly policy: AutoStagePolicy;
  /** The training recipe (free-form JSON) new versions are trained with, when known. */
  readonly recipe: Readonly<Record<string, unknown>> | null;
  /** Highest version number handed out so far (0 before the first version). */
  readonly latestVersion: number;
  /** Alias name → version number. */
  readonly aliases: Readonly<Record<string, number>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One registered version of a model. Only stage, status, description and tags change after registration. */
export interface ModelVersion {
  readonly id: string;
  readonly modelId: string;
  /** The registered model's name (for display; the id is the identity). */
  readonly model: string;
  /** 1, 2, 3… per model, allocated in registration order. */
  readonly number: number;
  /** `v<major>.<minor>`, see `nextSemver`. */
  readonly semver: string;
  readonly major: number;
  readonly minor: number;
  readonly stage: Stage;
  readonly status: VersionStatus;
  readonly description: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Number of the parent version in the same model (the version this one was retrained from). */
  readonly parentVersion: number | null;
  /** Parent's retraining count + 1; 0 for a version without parent. */
  readonly retrainingCount: number;
  /** sha256 digests of the dataset versions the model was trained on. */
  readonly datasetDigests: readonly string[];
  /** e.g. `{ train_seconds: 12.5, peak_rss_bytes: 1.2e8 }`. */
  readonly resourceUsage: Readonly<Record<string, number>>;
  /** Identifies the training recipe/architecture; equal fingerprints mean "a retrain of the same recipe". */
  readonly recipeFingerprint: string | null;
  readonly sourceRunId: string | null;
  /** sha256 of the model artifact; never changes after registration. */
  readonly artifactDigest: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One stage change. Append-only: never updated, never deleted while its version exists. */
export interface StageTransition {
  readonly id: string;
  /** Per-model order, strictly increasing. */
  readonly seq: number;
  readonly modelId: string;
  readonly versionId: string;
  readonly versionNumber: number;
  readonly from: Stage;
  readonly to: Stage;
  readonly actor: string;
  readonly reason: string;
  readonly at: number;
}

export interface ModelAlias {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: number;
}

/** A page of results; `nextPageToken` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}
