import type { Deployment } from '../deployments/rollout.js';

/** A deployment as stored, with the revision an update must name (optimistic concurrency). */
export interface StoredDeployment {
  readonly deployment: Deployment;
  readonly revision: number;
}

export interface DeploymentFilter {
  readonly model?: string;
  /** true: only deployments that have not ended; false: only ended ones. */
  readonly inFlight?: boolean;
  /** Only deployments of this version: as the candidate or as the baseline (with `model`). */
  readonly version?: number;
  readonly limit: number;
  /** Only deployments created before this one (newest first paging). */
  readonly before?: { readonly createdAt: number; readonly id: string };
}

/**
 * Deployments, persisted whole so a restart resumes where it stopped. Every write records
 * a `deployment-changed` event in the same transaction, so every process's serving follows.
 */
export interface DeploymentStore {
  /**
   * Inserts a new deployment at revision 1. A model has at most one deployment in flight:
   * when another one has not ended, nothing is written and that one is returned (also under races).
   */
  create(deployment: Deployment): Promise<{ created: true } | { created: false; inFlight: Deployment }>;
  get(id: string): Promise<StoredDeployment | undefined>;
  /** The model's deployment that has not ended, if any. */
  inFlight(model: string): Promise<StoredDeployment | undefined>;
  /** Newest first. */
  list(filter: DeploymentFilter): Promise<Deployment[]>;
  /** Writes `next` if the stored revision is still `revision`; false (nothing written) when someone moved it first. */
  replace(next: Deployment, revision: number): Promise<boolean>;
}
