import type { DatasetFormat, DatasetRow } from '../datasets.js';

/** A dataset file read and validated in full. */
export interface ParsedDatasetFile {
  /** The valid, normalised rows in file order. */
  readonly rows: DatasetRow[];
  /** sha256 of the rows' canonical content (the dataset identity of this file alone). */
  readonly sha256: string;
  /** Size of the canonical content, in UTF-8 bytes. */
  readonly bytes: number;
  readonly positives: number;
  readonly negatives: number;
  readonly format: DatasetFormat;
}

export interface ReadOptions {
  /** The name used in problem reports (file name, never a server path shown to clients). */
  readonly displayName: string;
  readonly format: DatasetFormat;
  /** Refuse with PAYLOAD_TOO_LARGE once the input exceeds this many bytes. */
  readonly maxBytes?: number;
}

/**
 * Reads `text,label` datasets: JSONL (`{"text": …, "label": …}` per line) and CSV
 * (a header naming `text` and `label`, RFC 4180 quoting, newlines inside quotes).
 * Input is streamed; every bad row is reported with its 1-based line number (the line
 * where the record starts) and field, and all of a file's bad rows — up to a cap, with
 * an exact count — come back in ONE DATASET_INVALID error. A file with any bad row, or
 * with no row at all, yields no rows: it is all or nothing.
 */
export interface DatasetFileReader {
  /** Reads a file from the local file system. */
  readFile(path: string, options: ReadOptions): Promise<ParsedDatasetFile>;
  /** Reads bytes from a stream (an upload). */
  readStream(source: AsyncIterable<Uint8Array>, options: ReadOptions): Promise<ParsedDatasetFile>;
}
