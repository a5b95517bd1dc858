export interface DeploymentRow {
  id: string;
  model: string;
  strategy: string;
  state: string;
  candidate: number;
  baseline: number | null;
  /** 1 while the deployment has not ended, null after: a partial unique index keeps one in flight per model. */
  in_flight: number | null;
  revision: number; // optimistic concurrency: each write names the revision it read
  document: string; // JSON of the domain Deployment (settings, step, history)
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

export interface DeploymentsTables {
  deployments: DeploymentRow;
}
