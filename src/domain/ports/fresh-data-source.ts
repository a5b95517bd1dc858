import type { DatasetFormat } from '../datasets.js';
import type { RejectionReason } from '../fresh-data.js';
import type { ParsedDatasetFile } from './dataset-file-reader.js';

/** A regular file found directly inside `fresh/<model>/`. */
export interface FreshEntry {
  readonly name: string;
  readonly size: number;
  /** ms since the epoch. */
  readonly modifiedAt: number;
}

/**
 * The `data/` lifecycle folders: `fresh/<model>/` (waiting), `used/<model>/` (trained on),
 * `rejected/<model>/` (failed validation, each with `<file>.reason.json`). File names
 * are single path segments; an adapter never follows one outside its folder.
 */
export interface FreshDataSource {
  /** Names of the folders directly inside `fresh/` (unvalidated; the caller applies the model-name rule). */
  models(): Promise<string[]>;
  /** Regular files directly inside `fresh/<model>/` (symlinks and folders are not listed). */
  list(model: string): Promise<FreshEntry[]>;
  /** Reads and validates `fresh/<model>/<name>` (see DatasetFileReader: DATASET_INVALID with line numbers). */
  read(model: string, name: string, format: DatasetFormat): Promise<ParsedDatasetFile>;
  /**
   * Moves `fresh/<model>/<name>` into `rejected/<model>/` (never overwriting: a clash gets
   * a numbered name) and writes `<that name>.reason.json` beside it. Returns the name in
   * rejected/, or undefined when the file is no longer in fresh/.
   */
  reject(model: string, name: string, reason: RejectionReason): Promise<string | undefined>;
  /**
   * Moves `fresh/<model>/<name>` into `used/<model>/` atomically: the used/ entry appears
   * whole in one step and never replaces an existing file (a clash gets a numbered name:
   * `a.jsonl` → `a.1.jsonl`). Returns the name in used/, or undefined when the file is no
   * longer in fresh/ (already moved).
   */
  markUsed(model: string, name: string): Promise<string | undefined>;
}
