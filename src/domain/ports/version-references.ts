import type { Sha256Digest } from '../artifacts.js';

/**
 * What a model version points at outside the registry, checked when the pointer is set
 * (registration, or a PENDING version getting its artifact), so the registry never holds
 * a version whose model file or source run never existed.
 */
export interface ArtifactBlobs {
  /** Resolves when a blob with this digest is stored; ARTIFACT_NOT_FOUND naming `field` otherwise. */
  requireBlob(digest: Sha256Digest, field: string): Promise<unknown>;
}

export interface TrackingRuns {
  /** Resolves when the run exists; RUN_NOT_FOUND naming `field` otherwise. */
  requireRun(runId: string, field: string): Promise<unknown>;
}
