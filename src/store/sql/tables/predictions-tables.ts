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

export interface PredictionsTables {
  predictions: PredictionRow;
}
