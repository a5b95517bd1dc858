/**
 * Runs an external trainer (docs/external-trainers.md): Warden writes the splits as
 * JSONL and a config.json into a private temporary directory, runs
 * `<command…> <config.json>`, and reads JSON lines from the trainer's stdout.
 */
import type { DatasetRow } from '../datasets.js';
import type { JsonObject } from '../jobs.js';

/** One parsed stdout line of the protocol. */
export type ExternalTrainerMessage =
  | { readonly type: 'progress'; readonly fraction: number; readonly phase?: string; readonly epoch?: number; readonly totalEpochs?: number; readonly step?: number; readonly totalSteps?: number; readonly message?: string }
  | { readonly type: 'metric'; readonly key: string; readonly value: number; readonly step?: number }
  | { readonly type: 'final'; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: 'log'; readonly message: string };

export interface ExternalTrainerRequest {
  readonly command: readonly string[];
  readonly splits: { readonly train: readonly DatasetRow[]; readonly validation: readonly DatasetRow[]; readonly test: readonly DatasetRow[] };
  readonly hyperParameters: JsonObject;
  /** Extra fields for config.json (model name, seed…). */
  readonly context: JsonObject;
  readonly signal: AbortSignal;
  /** Every well-formed message, in order. */
  onMessage(message: ExternalTrainerMessage): void;
  /** A line that is not a protocol message (stderr lines, malformed stdout lines). */
  onLog(line: string): void;
}

/** A file the trainer left in its output directory. */
export interface ExternalTrainerOutputFile {
  /** Path relative to the output directory, `/`-separated. */
  readonly name: string;
  readonly size: number;
  /** Streams the bytes (call once). */
  open(): AsyncIterable<Uint8Array>;
}

export interface ExternalTrainerResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The `final` message's metrics, when the trainer sent one. */
  readonly finalMetrics: Readonly<Record<string, number>> | null;
  /** Files in output_dir (regular files only; symlinks are ignored). */
  readonly outputFiles: readonly ExternalTrainerOutputFile[];
  /** Removes the temporary directory; call after the outputs were uploaded. */
  cleanup(): Promise<void>;
}

export interface ExternalTrainerRunner {
  /**
   * Runs the trainer to completion (or until `signal` aborts: the process gets SIGTERM, then
   * SIGKILL after a grace period). Resolves whatever the exit code; the caller decides.
   */
  run(request: ExternalTrainerRequest): Promise<ExternalTrainerResult>;
}
