export interface ExperimentRow {
  id: string;
  name: string;
  description: string;
  tags: string; // JSON object
  created_at: number;
}

export interface RunRow {
  id: string;
  experiment_id: string;
  name: string;
  status: string;
  start_time: number;
  end_time: number | null;
  resource_usage: string | null; // JSON: ResourceUsage
}

/** Write-once: inserted, never updated. */
export interface RunParamRow {
  run_id: string;
  key: string;
  value: string;
}

export interface RunTagRow {
  run_id: string;
  key: string;
  value: string;
}

/** Append-only metric history. */
export interface RunMetricRow {
  run_id: string;
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

/** The latest point per (run, key), maintained with each append; search filters and orders on it. */
export interface RunLatestMetricRow {
  run_id: string;
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export interface TrackingTables {
  experiments: ExperimentRow;
  runs: RunRow;
  run_params: RunParamRow;
  run_tags: RunTagRow;
  run_metrics: RunMetricRow;
  run_latest_metrics: RunLatestMetricRow;
}
