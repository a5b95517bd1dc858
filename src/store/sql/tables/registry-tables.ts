export interface RegisteredModelRow {
  id: string;
  name: string;
  task: string;
  description: string;
  tags: string; // JSON object
  policy: string; // JSON: auto-stage policy
  recipe: string | null; // JSON: training recipe
  latest_version: number; // highest version number handed out (allocation counter)
  created_at: number;
  updated_at: number;
}

export interface ModelVersionRow {
  id: string;
  model_id: string;
  number: number;
  semver: string;
  major: number;
  minor: number;
  stage: string;
  status: string;
  description: string;
  metrics: string; // JSON object of final metrics
  tags: string; // JSON object
  parent_version_id: string | null;
  retraining_count: number;
  dataset_digests: string; // JSON array
  resource_usage: string; // JSON object
  recipe_fingerprint: string | null;
  source_run_id: string | null;
  artifact_digest: string | null;
  created_at: number;
  updated_at: number;
}

/** One row per metric, so version search can filter on metrics in SQL. */
export interface ModelVersionMetricRow {
  version_id: string;
  key: string;
  value: number;
}

export interface ModelVersionTagRow {
  version_id: string;
  key: string;
  value: string;
}

/** Append-only: never updated, never deleted while its version exists. */
export interface StageTransitionRow {
  id: string;
  seq: number; // per-model order, allocated under the model's lock
  model_id: string;
  version_id: string;
  from_stage: string;
  to_stage: string;
  actor: string;
  reason: string;
  created_at: number;
}

export interface ModelAliasRow {
  model_id: string;
  alias: string;
  version_id: string;
  updated_at: number;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface RegistryTables {
  registered_models: RegisteredModelRow;
  model_versions: ModelVersionRow;
  model_version_metrics: ModelVersionMetricRow;
  model_version_tags: ModelVersionTagRow;
  stage_transitions: StageTransitionRow;
  model_aliases: ModelAliasRow;
  api_tokens: ApiTokenRow;
}
