/**
 * Datasets: import files and uploads as immutable, content-addressed dataset versions;
 * read a version's rows back exactly; merge and split them. The fresh-data folders are
 * scanned by FreshDataService (fresh-data-service.ts), which versions through here.
 */
import { blobMissingError, parseSha256Digest } from '../domain/artifacts.js';
import {
  canonicalRow,
  checkRow,
  datasetDigest,
  deduplicateRows,
  describeDeduplication,
  formatOfFileName,
  isDatasetFormat,
  labelBalance,
  mergeDatasets,
  parseCanonicalContent,
  ProblemCollector,
  validateDatasetName,
  validateDatasetVersionNumber,
  parseSplitSpec,
  type DatasetFormat,
  type DatasetOrigin,
  type DatasetRow,
  type DatasetSourceFile,
  type DatasetVersion,
  type DeduplicatedRows,
  type SplitSpec,
} from '../domain/datasets.js';
import { WardenError, invalid, isWardenError } from '../domain/errors.js';
import { freshDatasetName, validateDataFileName, validateFreshModelName } from '../domain/fresh-data.js';
import type { ArtifactStore } from '../domain/ports/artifact-store.js';
import type { BuiltinCorpus } from '../domain/ports/builtin-corpus.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DatasetFileReader, ParsedDatasetFile } from '../domain/ports/dataset-file-reader.js';
import type { DatasetStore, DatasetSummary, ListDatasetsOptions, RegisteredDataset } from '../domain/ports/dataset-store.js';
import { splitRows as splitByTextHash } from '../ml/split.js';
import { sha256Digest } from '../system/sha256-digest.js';

export type { BuiltinCorpus } from '../domain/ports/builtin-corpus.js';

export interface DatasetServiceDeps {
  readonly store: DatasetStore;
  /** Holds each version's canonical content under its sha256. */
  readonly artifacts: ArtifactStore;
  readonly reader: DatasetFileReader;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Largest upload and largest canonical content stored, in bytes. */
  readonly maxDatasetBytes: number;
  readonly corpora?: readonly BuiltinCorpus[];
}

export interface ImportOptions {
  readonly name: string;
  readonly description?: string;
}

export interface UploadOptions extends ImportOptions {
  /** File name of the upload (for reports and for the format when `format` is absent). */
  readonly fileName?: string;
  readonly format?: DatasetFormat;
}

export interface RegisterRowsOptions extends ImportOptions {
  readonly origin: DatasetOrigin;
  readonly sourceFiles?: readonly DatasetSourceFile[];
  readonly parentDigests?: readonly string[];
}

export interface DatasetSplit {
  readonly spec: SplitSpec;
  readonly train: DatasetRow[];
  readonly validation: DatasetRow[];
  readonly test: DatasetRow[];
}

const CANONICAL_CHUNK_CHARS = 1 << 20;

export class DatasetService {
  constructor(private readonly deps: DatasetServiceDeps) {}

  // ── versions ──────────────────────────────────────────────────────────────

  /**
   * Imports a JSONL or CSV file from the server's file system as a version of `name`
   * (origin `upload`). All or nothing: any bad row fails the import with DATASET_INVALID
   * listing the bad rows by line; same content as an existing version returns it (`created: false`).
   */
  async importFile(path: string, options: ImportOptions & { readonly format?: DatasetFormat }): Promise<RegisteredDataset> {
    const name = validateDatasetName(options.name);
    const fileName = path.split(/[\\/]/).pop() ?? path;
    const format = this.formatOf(options.format, fileName);
    const parsed = await this.deps.reader.readFile(path, { displayName: fileName, format, maxBytes: this.deps.maxDatasetBytes });
    return this.storeUpload(parsed, name, fileName, options.description);
  }

  /** One uploaded file becomes a version of its own (origin `upload`). */
  private storeUpload(parsed: ParsedDatasetFile, name: string, fileName: string, description: string | undefined): Promise<RegisteredDataset> {
    return this.storeVersion(parsed.rows, {
      name,
      origin: 'upload',
      description: description ?? '',
      sourceFiles: [{ name: fileName, sha256: parsed.sha256, rows: parsed.rows.length }],
      parentDigests: [],
      sha256: parsed.sha256,
    });
  }

  /** Imports an uploaded JSONL or CSV body (origin `upload`); same rules as {@link importFile}. */
  async importStream(source: AsyncIterable<Uint8Array>, options: UploadOptions): Promise<RegisteredDataset> {
    const name = validateDatasetName(options.name);
    const fileName = options.fileName ? validateDataFileName(options.fileName, 'fileName') : `${name}.${options.format ?? 'jsonl'}`;
    const format = this.formatOf(options.format, fileName);
    const parsed = await this.deps.reader.readStream(source, { displayName: fileName, format, maxBytes: this.deps.maxDatasetBytes });
    return this.storeUpload(parsed, name, fileName, options.description);
  }

  /**
   * Registers rows built in code (a vulnerability corpus, a generated set). Every row is
   * validated like a file row; any bad row fails the whole call (DATASET_INVALID, `line` =
   * 1-based row index).
   */
  async registerRows(rows: ReadonlyArray<{ readonly text: unknown; readonly label: unknown }>, options: RegisterRowsOptions): Promise<RegisteredDataset> {
    const name = validateDatasetName(options.name);
    const problems = new ProblemCollector(name);
    const valid: DatasetRow[] = [];
    rows.forEach((row, index) => {
      const check = checkRow(row.text, row.label);
      if (check.ok) valid.push(check.row);
      else problems.add({ line: index + 1, field: check.field, message: check.message });
    });
    if (valid.length === 0 && problems.empty) problems.add({ line: 0, field: 'rows', message: 'a dataset needs at least one row' });
    if (!problems.empty) throw problems.toError();
    return this.storeVersion(valid, {
      name,
      origin: options.origin,
      description: options.description ?? '',
      sourceFiles: options.sourceFiles ?? [],
      parentDigests: options.parentDigests ?? [],
    });
  }

  /** Names of the built-in corpora this platform ships. */
  builtinCorpora(): string[] {
    return (this.deps.corpora ?? []).map((c) => c.name);
  }

  /**
   * Versions a built-in corpus (origin `builtin-corpus`) under `name` (default: the
   * corpus name). Idempotent: the same corpus content returns the existing version.
   */
  async importBuiltinCorpus(corpus: string, name: string = corpus): Promise<RegisteredDataset & { readonly skippedRows: number }> {
    const source = (this.deps.corpora ?? []).find((c) => c.name === corpus);
    if (!source) throw invalid('corpus', `unknown corpus "${corpus}"; available: ${this.builtinCorpora().join(', ') || 'none'}`);
    const { rows, skippedRows } = await builtinCorpusRows(source);
    const description = skippedRows > 0 ? `${source.description} (${skippedRows} empty messages skipped)` : source.description;
    const registered = await this.storeVersion(rows, { name: validateDatasetName(name), origin: 'builtin-corpus', description, sourceFiles: [], parentDigests: [] });
    return { ...registered, skippedRows };
  }

  /** Merges versions into a new version of `name` (origin `merge`): identical rows kept once, parents recorded. */
  async merge(name: string, parents: ReadonlyArray<{ readonly name: string; readonly version: number }>, description = ''): Promise<RegisteredDataset> {
    validateDatasetName(name);
    if (parents.length < 2) throw invalid('parents', 'a merge needs at least two parent datasets');
    const inputs = [];
    for (const parent of parents) {
      const version = await this.get(parent.name, parent.version);
      inputs.push({ digest: version.sha256, rows: await this.rowsOf(version) });
    }
    const plan = mergeDatasets(inputs);
    const note = describeDeduplication(plan);
    return this.storeVersion([...plan.rows], {
      name,
      origin: 'merge',
      description: description ? `${description} (${note})` : note,
      sourceFiles: [],
      parentDigests: plan.parentDigests,
    });
  }

  async list(options: ListDatasetsOptions = {}): Promise<DatasetVersion[]> {
    if (options.name !== undefined) validateDatasetName(options.name);
    return this.deps.store.list(options);
  }

  async summaries(): Promise<DatasetSummary[]> {
    return this.deps.store.summaries();
  }

  /** Version `version` of `name`; DATASET_NOT_FOUND when there is none. */
  async get(name: string, version: number | string): Promise<DatasetVersion> {
    validateDatasetName(name);
    const number = validateDatasetVersionNumber(version);
    const found = await this.deps.store.get(name, number);
    if (!found) throw new WardenError('DATASET_NOT_FOUND', `dataset "${name}" has no version ${number}; see \`warden datasets list\``);
    return found;
  }

  /** The newest version of `name`; DATASET_NOT_FOUND when the name has none. */
  async latest(name: string): Promise<DatasetVersion> {
    validateDatasetName(name);
    const found = await this.deps.store.latest(name);
    if (!found) throw new WardenError('DATASET_NOT_FOUND', `no dataset is named "${name}"; see \`warden datasets list\``);
    return found;
  }

  /** The first version registered with this content; DATASET_NOT_FOUND when none. */
  async getBySha256(input: string): Promise<DatasetVersion> {
    const sha256 = parseSha256Digest(input, 'sha256');
    const [found] = await this.deps.store.findBySha256(sha256);
    if (!found) throw new WardenError('DATASET_NOT_FOUND', `no dataset version has sha256 ${sha256}`);
    return found;
  }

  /** The rows of a version, exactly as versioned (verified against its sha256). */
  async readRows(name: string, version: number | string): Promise<DatasetRow[]> {
    return this.rowsOf(await this.get(name, version));
  }

  /** The rows of the version with this content digest (what a model version records as its dataset). */
  async readRowsBySha256(sha256: string): Promise<DatasetRow[]> {
    return this.rowsOf(await this.getBySha256(sha256));
  }

  /**
   * The split of a version as a training with this spec sees it: rows deduplicated by the
   * one duplicate rule (domain/datasets.ts `deduplicateRows`), then placed by the hash of
   * their text (ml/split.ts), so a row keeps its split in every later version that holds it.
   */
  async split(name: string, version: number | string, spec?: unknown): Promise<DatasetSplit> {
    const valid = parseSplitSpec(spec);
    const dataset = await this.get(name, version);
    return splitRows(combineDatasetRows([{ digest: dataset.sha256, rows: await this.rowsOf(dataset) }]).rows, valid);
  }

  private async rowsOf(version: DatasetVersion): Promise<DatasetRow[]> {
    // +1: an empty blob is still a valid read; the bound is what the version says it holds.
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.artifacts.readVerified(version.sha256, { maxBytes: Math.max(version.bytes, 1) });
    } catch (error) {
      throw isWardenError(error) && error.code === 'ARTIFACT_NOT_FOUND' ? blobMissingError(version.sha256, `dataset ${version.name} v${version.version}`, 'dataset', error) : error;
    }
    const rows = parseCanonicalContent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), `${version.name} v${version.version}`);
    if (rows.length !== version.rows) {
      throw new WardenError('ARTIFACT_TAMPERED', `dataset ${version.name} v${version.version} holds ${rows.length} rows, ${version.rows} were versioned`);
    }
    return rows;
  }

  private formatOf(format: unknown, fileName: string): DatasetFormat {
    if (format !== undefined) {
      if (!isDatasetFormat(format)) throw invalid('format', 'format must be "jsonl" or "csv"');
      return format;
    }
    const guessed = formatOfFileName(fileName);
    if (!guessed) throw invalid('format', `cannot tell the format of "${fileName}": name it .jsonl or .csv, or pass format`);
    return guessed;
  }

  /**
   * Stores the canonical content in the artifact store (first: a blob without a reference
   * is only garbage-collected after the grace period), then registers the metadata.
   */
  private async storeVersion(
    rows: readonly DatasetRow[],
    meta: Omit<RegisterRowsOptions, 'description'> & { readonly description: string; readonly sha256?: string; readonly freshDataOf?: string },
  ): Promise<RegisteredDataset> {
    if (rows.length === 0) throw invalid('rows', 'a dataset needs at least one row');
    const sha256 = meta.sha256 ?? datasetDigest(rows, sha256Digest);
    const stored = await this.deps.artifacts.put(canonicalChunks(rows), { maxBytes: this.deps.maxDatasetBytes, expectedDigest: sha256 });
    const balance = labelBalance(rows);
    return this.deps.store.register(
      {
        id: this.deps.ids.next(),
        name: meta.name,
        sha256,
        rows: balance.rows,
        positives: balance.positives,
        negatives: balance.negatives,
        bytes: stored.size,
        origin: meta.origin,
        sourceFiles: meta.sourceFiles ?? [],
        parentDigests: meta.parentDigests ?? [],
        description: meta.description,
        createdAt: this.deps.clock.now(),
      },
      meta.freshDataOf !== undefined ? { freshDataOf: meta.freshDataOf } : {},
    );
  }

  /**
   * Registers the rows of fresh files as a version of `<model>-fresh` (origin `fresh-file`);
   * the store records the model's fresh-data event with the version, in one transaction.
   */
  async registerFreshVersion(model: string, rows: readonly DatasetRow[], sourceFiles: readonly DatasetSourceFile[], description: string): Promise<RegisteredDataset> {
    return this.storeVersion(rows, {
      name: freshDatasetName(validateFreshModelName(model)),
      origin: 'fresh-file',
      description,
      sourceFiles,
      parentDigests: [],
      freshDataOf: model,
    });
  }
}

/**
 * A built-in corpus's rows as Warden stores them: each checked by the import rule (text
 * trimmed, label folded; empty rows skipped). Training reads the stored rows, and the split
 * places a row by the hash of its text, so anything that means to reproduce a training (the
 * robustness bench) starts from these, not from the corpus as loaded.
 */
export async function builtinCorpusRows(source: BuiltinCorpus): Promise<{ rows: DatasetRow[]; skippedRows: number }> {
  const rows: DatasetRow[] = [];
  let skippedRows = 0;
  for (const row of await source.load()) {
    const check = checkRow(row.text, row.label);
    if (check.ok) rows.push(check.row);
    else skippedRows++;
  }
  return { rows, skippedRows };
}

/**
 * The rows a training sees from the datasets its recipe names (in this order): the one
 * duplicate rule (domain/datasets.ts `deduplicateRows`) over all of them, whether one dataset
 * or several. The training job and the comparison (which rebuilds a version's held-out rows)
 * both call this, so they see the same rows.
 */
export function combineDatasetRows(parts: ReadonlyArray<{ readonly digest: string; readonly rows: readonly DatasetRow[] }>): DeduplicatedRows {
  return deduplicateRows(parts.flatMap((p) => p.rows));
}

/**
 * THE place rows are split (training, comparison, `DatasetService.split`): by the keyed hash
 * of each row's text (ml/split.ts), so a row keeps its split in every version that holds it.
 */
export function splitRows(rows: readonly DatasetRow[], spec: SplitSpec): DatasetSplit {
  return { spec, ...splitByTextHash(rows, spec) };
}

/** The canonical content of `rows` as UTF-8 chunks of about 1 MiB. */
async function* canonicalChunks(rows: readonly DatasetRow[]): AsyncGenerator<Uint8Array> {
  let chunk = '';
  for (const row of rows) {
    chunk += canonicalRow(row);
    if (chunk.length >= CANONICAL_CHUNK_CHARS) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
}
