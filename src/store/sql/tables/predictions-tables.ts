export interface PredictionRow {
  id: string; // the id feedback names (request id, or <request id>.<index> in a batch)
  request_id: string;
  model: string;
  version: number;
  semver: string;
  arm: string;
  label: number;
  probability: number;
  score: number;
  latency_ms: number;
  chars: number;
  non_ascii_share: number;
  url_count: number;
  created_at: number;
  feedback_label: number | null;
  feedback_at: number | null;
  feedback_actor: string | null;
  // Monitoring descriptors (0018): null on rows written before, or by a process that did not describe.
  tokens: number | null;
  invisible_per_1k: number | null;
  mixed_script_tokens: number | null;
  base64_spans: number | null;
  spaced_letter_runs: number | null;
  beyond_max_share: number | null;
  oov_share: number | null;
  near_duplicate: number | null;
  sample_text: string | null;
  // The normalisation gap (0020): 1 when the raw text's verdict differed from the normalised one's; null when not described.
  normalization_flip: number | null;
}

export interface PredictionErrorRow {
  request_id: string; // with arm, the key: a request fails at most once per arm
  arm: string;
  model: string;
  version: number;
  semver: string;
  inputs: number;
  code: string;
  latency_ms: number;
  created_at: number;
}

export interface MonitoringSnapshotRow {
  model: string;
  evaluated_at: number;
  snapshot: string; // JSON
}

export interface MonitoringDetectorRow {
  key: string; // model/version/arm
  model: string;
  updated_at: number;
  state: string; // JSON
}

export interface ProcessHeartbeatRow {
  id: string;
  host: string;
  pid: number;
  roles: string; // JSON array
  started_at: number;
  expires_at: number;
  resources: string; // JSON ProcessResources
}

export interface PredictionsTables {
  predictions: PredictionRow;
  prediction_errors: PredictionErrorRow;
  monitoring_snapshots: MonitoringSnapshotRow;
  monitoring_detectors: MonitoringDetectorRow;
  process_heartbeats: ProcessHeartbeatRow;
}
