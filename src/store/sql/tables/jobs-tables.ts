export interface JobRow {
  id: string;
  kind: string;
  state: string;
  payload: string; // JSON object
  result: string | null; // JSON
  error: string | null; // JSON: {code, message, retryable}
  attempts: number;
  max_attempts: number;
  idempotency_key: string | null; // unique when set
  dedupe_key: string | null; // unique among queued and running jobs
  progress: string | null; // JSON
  cancel_requested: number; // 0 | 1 (portable boolean)
  run_at: number;
  worker_id: string | null;
  lease_until: number | null;
  revision: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface JobLogRow {
  job_id: string;
  seq: number;
  at: number;
  line: string;
}

/** First write wins: the value a handler's `once(key)` recorded for a job. */
export interface JobCheckpointRow {
  job_id: string;
  key: string;
  value: string; // JSON
  created_at: number;
}

export interface JobsTables {
  jobs: JobRow;
  job_logs: JobLogRow;
  job_checkpoints: JobCheckpointRow;
}
