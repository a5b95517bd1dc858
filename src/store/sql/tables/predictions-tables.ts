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

export interface PredictionsTables {
  predictions: PredictionRow;
  prediction_errors: PredictionErrorRow;
}
