import type { RunArtifact, Sha256Digest } from '../artifacts.js';

/**
 * The metadata of run artifacts (name, size, digest, media type per run) and the
 * question garbage collection asks: which digests does anything still reference?
 */
export interface ArtifactIndex {
  /**
   * Records an artifact. ARTIFACT_ALREADY_EXISTS when the run already has an artifact
   * with this name (also under a race); RUN_NOT_FOUND when the run does not exist
   * (also when it is deleted concurrently). Nothing is written on error.
   */
  add(artifact: RunArtifact): Promise<void>;

  /** The artifact with this id in this run, or undefined (an id of another run is not found). */
  get(runId: string, artifactId: string): Promise<RunArtifact | undefined>;

  /** The artifact with this display name in this run, or undefined. */
  getByName(runId: string, name: string): Promise<RunArtifact | undefined>;

  /** A run's artifacts ordered by name. */
  list(runId: string): Promise<RunArtifact[]>;

  /** Run artifacts whose bytes have this digest (in the stored spelling: see parseSha256Digest), oldest first. */
  findByDigest(sha256: Sha256Digest): Promise<RunArtifact[]>;

  /** Removes one artifact record and returns it; undefined when there was none. */
  remove(runId: string, artifactId: string): Promise<RunArtifact | undefined>;

  /**
   * Every digest something references: run artifacts, model versions' artifact digests
   * and dataset versions' content digests (datasets keep their canonical content in the
   * same store), read in one consistent snapshot (a digest moving from a run to a
   * version concurrently is never missed by both halves).
   */
  referencedDigests(): Promise<Set<string>>;

  /** Whether a run artifact, a model version or a dataset version references this digest (stored spelling). */
  isReferenced(sha256: Sha256Digest): Promise<boolean>;
}
