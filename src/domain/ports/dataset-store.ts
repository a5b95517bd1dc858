import type { DatasetOrigin, DatasetVersion } from '../datasets.js';

/** A dataset version to register; the store allocates its version number. */
export type NewDatasetVersion = Omit<DatasetVersion, 'version'>;

export interface RegisteredDataset {
  readonly dataset: DatasetVersion;
  /** False when this name already had a version with the same sha256 (that one is returned). */
  readonly created: boolean;
}

/** One dataset name with its version count and newest version. */
export interface DatasetSummary {
  readonly name: string;
  readonly versions: number;
  readonly latest: DatasetVersion;
}

export interface ListDatasetsOptions {
  /** Only versions of this name. */
  readonly name?: string;
  readonly origin?: DatasetOrigin;
  /** At most this many (default 100, max 1000), newest first. */
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * Metadata of immutable dataset versions. The rows themselves live in the artifact
 * store under the version's sha256 (the canonical content); this store never changes
 * a version once registered.
 */
export interface DatasetStore {
  /**
   * Registers a version under `name` with the next number (1, 2, 3… without gaps, also
   * under concurrent registrations from several processes). Registering a sha256 the name
   * already has returns that version with `created: false` and writes nothing — so the
   * same content registered twice (or by two racing processes) yields one version.
   * The source files are recorded with the version in the same transaction, and so is the
   * fresh-data event of `options.freshDataOf` (the model whose fresh files the version holds)
   * when the version is new.
   */
  register(input: NewDatasetVersion, options?: { readonly freshDataOf?: string }): Promise<RegisteredDataset>;
  /** The version `version` of `name`; undefined when there is none. */
  get(name: string, version: number): Promise<DatasetVersion | undefined>;
  /** The newest version of `name`; undefined when the name has none. */
  latest(name: string): Promise<DatasetVersion | undefined>;
  /** Every version (of any name) whose content has this sha256, oldest first. */
  findBySha256(sha256: string): Promise<DatasetVersion[]>;
  /** Versions, newest first (by creation, then version number). */
  list(options?: ListDatasetsOptions): Promise<DatasetVersion[]>;
  /** Every dataset name with its version count and newest version, by name. */
  summaries(): Promise<DatasetSummary[]>;
  /**
   * Of `fileDigests`, those recorded as a source file of some version of `name`
   * (how the fresh-data scanner knows a file's content was versioned already).
   */
  knownSourceFiles(name: string, fileDigests: readonly string[]): Promise<Set<string>>;
  /** The sha256 of every version: the artifact blobs that garbage collection must keep. */
  referencedDigests(): Promise<string[]>;
}
