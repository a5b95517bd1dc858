/**
 * The fresh → used data lifecycle rules. Files dropped into `data/fresh/<model>/`
 * are picked up once they are complete, validated, versioned as the dataset
 * `<model>-fresh`, and announced with a `fresh-data` event; only after a training
 * job on them succeeds are they moved to `data/used/<model>/`. A file that fails
 * validation goes to `data/rejected/<model>/` with a reason file.
 * Pure: callers pass file snapshots and `now`.
 */
import { invalid } from './errors.js';
import { DATASET_NAME_PATTERN, MAX_DATASET_NAME_LENGTH, formatOfFileName, type DatasetFormat, type DatasetSourceFile } from './datasets.js';

/** The three lifecycle folders under `WARDEN_HOME/data/`. */
export const DATA_FOLDERS = ['fresh', 'used', 'rejected'] as const;
export type DataFolder = (typeof DATA_FOLDERS)[number];

/** Suffix of the dataset name that versions a model's fresh files. */
export const FRESH_DATASET_SUFFIX = '-fresh';

/** The dataset name versioning `model`'s fresh files: `<model>-fresh`. */
export function freshDatasetName(model: string): string {
  return `${model}${FRESH_DATASET_SUFFIX}`;
}

/**
 * Validates a model folder name (the registered-model name rule, short enough that
 * `<model>-fresh` stays a valid dataset name).
 */
export function validateFreshModelName(value: unknown, field = 'model'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, `${field} is required: a registered model name`);
  const max = MAX_DATASET_NAME_LENGTH - FRESH_DATASET_SUFFIX.length;
  if (value.length > max || !DATASET_NAME_PATTERN.test(value)) {
    throw invalid(field, `${field} must be a model name (lower-case letters, digits, '.', '_', '-'; at most ${max} characters)`);
  }
  return value;
}

/** Validates a file name inside a lifecycle folder: one plain path segment, never a path. */
export function validateDataFileName(value: unknown, field = 'file'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw invalid(field, `${field} must be a file name of 1 to 255 characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f]/.test(value) || value === '.' || value === '..') {
    throw invalid(field, `${field} must be a plain file name, not a path`);
  }
  return value;
}

/** What the scanner does with a directory entry of a fresh folder. */
export type FreshFileKind =
  | { readonly kind: 'skip' }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'dataset'; readonly format: DatasetFormat };

/**
 * Dotfiles and names of files still being written (`*.tmp`, `*.part`, `*.partial`,
 * `*.crdownload`, `*.swp`, `*~`) are skipped, never touched. `.jsonl`/`.ndjson`/`.csv`
 * files are datasets. Anything else is unsupported (it is rejected once complete, so
 * the person who dropped it learns why it was not used).
 */
export function classifyFreshFile(name: string): FreshFileKind {
  const lower = name.toLowerCase();
  if (name.startsWith('.') || name.endsWith('~') || /\.(tmp|temp|part|partial|crdownload|swp)$/.test(lower)) return { kind: 'skip' };
  if (lower.endsWith('.reason.json')) return { kind: 'skip' };
  const format = formatOfFileName(name);
  return format === undefined ? { kind: 'unsupported' } : { kind: 'dataset', format };
}

/** Size and modification time of a file as one scan saw it. */
export interface FileSnapshot {
  readonly size: number;
  /** ms since the epoch. */
  readonly modifiedAt: number;
}

/** How long a file must stay unmodified before it is taken without a second look, in ms. */
export const DEFAULT_QUIET_PERIOD_MS = 5_000;

/**
 * A file is complete enough to read when an earlier scan saw the same size and
 * modification time (nobody wrote to it in between), or when it has not been modified
 * for `quietPeriodMs`. A writer that is still appending changes one or the other.
 */
export function isStableFile(previous: FileSnapshot | undefined, current: FileSnapshot, now: number, quietPeriodMs: number): boolean {
  if (previous !== undefined && previous.size === current.size && previous.modifiedAt === current.modifiedAt) return true;
  return now - current.modifiedAt >= quietPeriodMs;
}

/**
 * The name tried at the `attempt`-th try when moving a file into a folder that may already
 * hold one of that name: `a.jsonl`, then `a.1.jsonl`, `a.2.jsonl`, … Never overwrite.
 */
export function alternativeFileName(name: string, attempt: number): string {
  if (attempt === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${attempt}${name.slice(dot)}` : `${name}.${attempt}`;
}

/** A validated fresh file waiting in `fresh/<model>/`. */
export interface FreshFile extends DatasetSourceFile {
  /** True when no version of `<model>-fresh` recorded this content before. */
  readonly isNew: boolean;
}

export interface FreshVersionPlan {
  /** Whether to version the waiting files and announce them. */
  readonly announce: boolean;
  /** The files in the version, by name (stable order regardless of directory listing order). */
  readonly files: readonly FreshFile[];
}

/**
 * Decides what a scan versions: every valid file waiting in `fresh/<model>/` (new ones
 * and those whose training has not succeeded yet) goes into one dataset version, in
 * name order — but only when at least one of them holds content never versioned for
 * this model before. Files already versioned are therefore never announced again on
 * their own: a failed training leaves them waiting, and they ride along with the next
 * new file.
 */
export function planFreshVersion(files: readonly FreshFile[]): FreshVersionPlan {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { announce: sorted.some((f) => f.isNew), files: sorted };
}

/** The reason file written next to a rejected file (`<file>.reason.json`). */
export interface RejectionReason {
  readonly file: string;
  readonly model: string;
  readonly rejectedAt: string;
  readonly code: string;
  readonly message: string;
  readonly badRows?: number;
  readonly problems?: readonly unknown[];
}
