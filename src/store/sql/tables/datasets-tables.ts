/** One row per immutable dataset version. */
export interface DatasetRow {
  id: string;
  name: string;
  version: number; // 1, 2, 3… per name
  sha256: string; // canonical content digest; unique per name; the artifact blob's key
  row_count: number;
  positives: number;
  negatives: number;
  byte_size: number; // canonical content size
  origin: string;
  source_files: string; // JSON array of {name, sha256, rows}
  parent_digests: string; // JSON array of sha256
  description: string;
  created_at: number;
}

/** The source files of a version, one row each, so a file's digest can be looked up. */
export interface DatasetFileRow {
  dataset_id: string;
  ordinal: number;
  name: string;
  sha256: string;
  row_count: number;
}

export interface DatasetsTables {
  datasets: DatasetRow;
  dataset_files: DatasetFileRow;
}
