/** A run's artifact: display name (metadata only) and the digest that keys its blob. */
export interface RunArtifactRow {
  id: string;
  run_id: string;
  name: string;
  size: number;
  sha256: string;
  media_type: string;
  created_at: number;
}

export interface ArtifactsTables {
  run_artifacts: RunArtifactRow;
}
