/**
 * Datasets and the fresh → used data lifecycle: import files and uploads as immutable,
 * content-addressed dataset versions; read a version's rows back exactly; scan
 * `data/fresh/<model>/`, version what is new and announce it; move files to
 * `data/used/<model>/` once a training on them succeeded.
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
import {
  DEFAULT_QUIET_PERIOD_MS,
  classifyFreshFile,
  freshDatasetName,
  FRESH_DATASET_SUFFIX,
  isStableFile,
  planFreshVersion,
  validateDataFileName,
  validateFreshModelName,
  type FileSnapshot,
  type FreshFile,
  type RejectionReason,
} from '../domain/fresh-data.js';
import type { ArtifactStore } from '../domain/ports/artifact-store.js';
import type { BuiltinCorpus } from '../domain/ports/builtin-corpus.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DatasetFileReader, ParsedDatasetFile } from '../domain/ports/dataset-file-reader.js';
import type { DatasetStore, DatasetSummary, ListDatasetsOptions, RegisteredDataset } from '../domain/ports/dataset-store.js';
import type { DomainEvents } from '../domain/ports/domain-events.js';
import { freshDataEvent } from '../domain/events.js';
import type { FreshDataSource } from '../domain/ports/fresh-data-source.js';
import { splitRows as splitByTextHash } from '../ml/split.js';
import { sha256Digest } from '../system/sha256-digest.js';

export type { BuiltinCorpus } from '../domain/ports/builtin-corpus.js';

export interface DatasetServiceDeps {
  readonly store: DatasetStore;
  /** Holds each version's canonical content under its sha256. */
  readonly artifacts: ArtifactStore;
  readonly reader: DatasetFileReader;
  readonly fresh: FreshDataSource;
  readonly events: DomainEvents;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Largest upload and largest canonical content stored, in bytes. */
  readonly maxDatasetBytes: number;
  /** A fresh file unmodified this long is taken without waiting for a second scan, in ms (default 5 s). */
  readonly quietPeriodMs?: number;
  readonly corpora?: readonly BuiltinCorpus[];
  /** Where the scanner reports what it did (log lines); optional. */
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
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

/** What one scan did in one model's fresh folder. */
export interface FreshModelScan {
  readonly model: string;
  /** Valid files waiting in fresh/ (new and already versioned), in name order. */
  readonly files: readonly FreshFile[];
  /** Files seen changing (still being written) or unreadable right now: looked at again by the next scan. */
  readonly pending: readonly string[];
  /** Files moved to rejected/ by this scan, with why. */
  readonly rejected: ReadonlyArray<{ readonly file: string; readonly movedTo: string; readonly code: string; readonly message: string }>;
  /**
   * The `<model>-fresh` version covering `files`: the one this scan registered (`announced`),
   * or, when nothing was new, the newest version whose source files include every waiting
   * file, same name and content (its training has not succeeded yet, or its files would
   * have moved to used/).
   */
  readonly dataset?: DatasetVersion;
  /** True when this scan registered that version and published a `fresh-data` event. */
  readonly announced: boolean;
}

export interface FreshScanReport {
  readonly scannedAt: number;
  readonly models: readonly FreshModelScan[];
  /** Folders in fresh/ whose names are not model names (left alone). */
  readonly ignoredFolders: readonly string[];
}

export interface MarkUsedReport {
  /** Files moved, with their name in used/<model>/ (a clash gets a numbered name). */
  readonly moved: ReadonlyArray<{ readonly file: string; readonly usedAs: string }>;
  /** Files no longer in fresh/ (already moved, e.g. by an earlier successful training). */
  readonly missing: readonly string[];
  /** Files whose content changed since they were versioned: left in fresh/ for the next scan. */
  readonly changed: readonly string[];
}

export interface DatasetSplit {
  readonly spec: SplitSpec;
  readonly train: DatasetRow[];
  readonly validation: DatasetRow[];
  readonly test: DatasetRow[];
}

interface ParsedCacheEntry extends FileSnapshot {
  readonly sha256: string;
  readonly rows: number;
}

const CANONICAL_CHUNK_CHARS = 1 << 20;

export class DatasetService {
  private readonly quietPeriodMs: number;
  /** Sizes and times seen by the previous scan, per `model/file`. */
  private snapshots = new Map<string, FileSnapshot>();
  /** Digests of files already read, valid while size and time stay the same. */
  private readonly parsed = new Map<string, ParsedCacheEntry>();
  /** Scans and moves run one at a time in this process. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DatasetServiceDeps) {
    this.quietPeriodMs = deps.quietPeriodMs ?? DEFAULT_QUIET_PERIOD_MS;
  }

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
    const rows: DatasetRow[] = [];
    let skippedRows = 0;
    for (const row of await source.load()) {
      const check = checkRow(row.text, row.label);
      if (check.ok) rows.push(check.row);
      else skippedRows++;
    }
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

  // ── fresh → used ──────────────────────────────────────────────────────────

  /**
   * Scans every `data/fresh/<model>/` folder once. Files still being written are left for
   * the next scan; a file that fails validation is moved to `rejected/<model>/` with a
   * `.reason.json` and nothing of it is versioned; when at least one valid file holds
   * content never versioned for the model, all valid waiting files become one version of
   * `<model>-fresh` and a `fresh-data` event is published (once: a version registered
   * before — by this or another process — is not announced again).
   */
  scanFresh(): Promise<FreshScanReport> {
    return this.exclusive(() => this.runScan());
  }

  /**
   * Moves files of `model` from fresh/ to used/ — call it only after a training job on
   * them SUCCEEDED (a failed job leaves them in fresh/). With `sha256` (as in the
   * fresh-data event), a file whose content changed since it was versioned is left in
   * fresh/ and reported as `changed`. Files already gone are reported as `missing`.
   */
  async markUsed(model: string, files: ReadonlyArray<{ readonly name: string; readonly sha256?: string }>): Promise<MarkUsedReport> {
    const validModel = validateFreshModelName(model);
    const checked = files.map((file, index) => ({ name: validateDataFileName(file.name, `files[${index}].name`), sha256: file.sha256 }));
    return this.exclusive(() => this.runMarkUsed(validModel, checked));
  }

  /**
   * {@link markUsed} for every source file of a `<model>-fresh` version (what a training
   * job on that version calls when it succeeded).
   */
  async markDatasetUsed(name: string, version: number | string): Promise<MarkUsedReport> {
    const dataset = await this.get(name, version);
    if (dataset.origin !== 'fresh-file' || !dataset.name.endsWith(FRESH_DATASET_SUFFIX)) {
      throw invalid('name', `dataset ${name} v${dataset.version} was not made from fresh files`);
    }
    return this.markUsed(dataset.name.slice(0, -FRESH_DATASET_SUFFIX.length), dataset.sourceFiles);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(task, task);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private async runScan(): Promise<FreshScanReport> {
    const scannedAt = this.deps.clock.now();
    const seen = new Map<string, FileSnapshot>();
    const models: FreshModelScan[] = [];
    const ignoredFolders: string[] = [];
    for (const model of await this.deps.fresh.models()) {
      try {
        validateFreshModelName(model);
      } catch {
        ignoredFolders.push(model);
        continue;
      }
      models.push(await this.scanModel(model, scannedAt, seen));
    }
    this.snapshots = seen;
    for (const key of [...this.parsed.keys()]) if (!seen.has(key)) this.parsed.delete(key);
    return { scannedAt, models, ignoredFolders };
  }

  private async scanModel(model: string, now: number, seen: Map<string, FileSnapshot>): Promise<FreshModelScan> {
    const pending: string[] = [];
    const rejected: Array<{ file: string; movedTo: string; code: string; message: string }> = [];
    const files: Array<Omit<FreshFile, 'isNew'>> = [];
    const rowsRead = new Map<string, ParsedDatasetFile>();

    for (const entry of await this.deps.fresh.list(model)) {
      const kind = classifyFreshFile(entry.name);
      if (kind.kind === 'skip') continue;
      const key = `${model}/${entry.name}`;
      const snapshot = { size: entry.size, modifiedAt: entry.modifiedAt };
      const previous = this.snapshots.get(key);
      seen.set(key, snapshot);
      if (!isStableFile(previous, snapshot, now, this.quietPeriodMs)) {
        pending.push(entry.name);
        continue;
      }
      if (kind.kind === 'unsupported') {
        const message = 'only .jsonl, .ndjson and .csv files of text,label rows are read from fresh/';
        const movedTo = await this.reject(model, entry.name, now, 'UNSUPPORTED_FORMAT', message);
        if (movedTo) rejected.push({ file: entry.name, movedTo, code: 'UNSUPPORTED_FORMAT', message });
        continue;
      }
      const cached = this.parsed.get(key);
      if (cached && cached.size === snapshot.size && cached.modifiedAt === snapshot.modifiedAt) {
        files.push({ name: entry.name, sha256: cached.sha256, rows: cached.rows });
        continue;
      }
      try {
        const parsed = await this.deps.fresh.read(model, entry.name, kind.format);
        rowsRead.set(entry.name, parsed);
        this.parsed.set(key, { ...snapshot, sha256: parsed.sha256, rows: parsed.rows.length });
        files.push({ name: entry.name, sha256: parsed.sha256, rows: parsed.rows.length });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') continue; // moved away meanwhile
        if (!isWardenError(error)) {
          // Unreadable right now (permissions, swapped for a symlink…): one file must not stop the scan.
          this.deps.log?.('warn', 'fresh file unreadable; retried next scan', { model, file: entry.name, error: (error as Error).message });
          pending.push(entry.name);
          continue;
        }
        if (error.code !== 'DATASET_INVALID' && error.code !== 'PAYLOAD_TOO_LARGE') throw error;
        const movedTo = await this.reject(model, entry.name, now, error.code, error.message, error.details);
        if (movedTo) rejected.push({ file: entry.name, movedTo, code: error.code, message: error.message });
      }
    }

    const datasetName = freshDatasetName(model);
    const known = await this.deps.store.knownSourceFiles(datasetName, files.map((f) => f.sha256));
    const plan = planFreshVersion(files.map((f) => ({ ...f, isNew: !known.has(f.sha256) })));
    const base = { model, files: plan.files, pending, rejected };
    if (!plan.announce) {
      // Nothing new: name the version that already covers the waiting files, so a caller that
      // missed its event (a crash between versioning and retraining) can still act on it.
      const covering = plan.files.length > 0 ? await this.deps.store.latest(datasetName) : undefined;
      const covered = new Set(covering?.sourceFiles.map((f) => `${f.sha256}/${f.name}`));
      const covers = covering !== undefined && plan.files.every((f) => covered.has(`${f.sha256}/${f.name}`));
      return { ...base, ...(covers ? { dataset: covering } : {}), announced: false };
    }

    const rows: DatasetRow[] = [];
    for (const file of plan.files) {
      const parsed = rowsRead.get(file.name) ?? (await this.readAgain(model, file));
      // Changed since the digest was taken (rewritten in place): wait for the next scan.
      if (parsed === undefined || parsed.sha256 !== file.sha256) {
        this.parsed.delete(`${model}/${file.name}`);
        return { ...base, pending: [...pending, file.name], announced: false };
      }
      for (const row of parsed.rows) rows.push(row);
    }
    const registered = await this.storeVersion(rows, {
      name: datasetName,
      origin: 'fresh-file',
      description: `fresh files of ${model}: ${plan.files.map((f) => f.name).join(', ')}`.slice(0, 1000),
      sourceFiles: plan.files.map(({ name, sha256, rows: count }) => ({ name, sha256, rows: count })),
      parentDigests: [],
      // The store records the fresh-data event with the version, in one transaction.
      freshDataOf: model,
    });
    const dataset = registered.dataset;
    if (registered.created) {
      this.deps.events.announceRecorded(freshDataEvent(model, dataset));
      this.deps.log?.('info', 'fresh data versioned', { model, dataset: dataset.name, version: dataset.version, rows: dataset.rows, files: dataset.sourceFiles.length });
    }
    return { ...base, dataset, announced: registered.created };
  }

  private async readAgain(model: string, file: DatasetSourceFile): Promise<ParsedDatasetFile | undefined> {
    const kind = classifyFreshFile(file.name);
    if (kind.kind !== 'dataset') return undefined;
    try {
      return await this.deps.fresh.read(model, file.name, kind.format);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT' || isWardenError(error)) return undefined;
      throw error;
    }
  }

  private async reject(model: string, file: string, now: number, code: string, message: string, details?: Readonly<Record<string, unknown>>): Promise<string | undefined> {
    const reason: RejectionReason = {
      file,
      model,
      rejectedAt: new Date(now).toISOString(),
      code,
      message,
      ...(typeof details?.badRows === 'number' ? { badRows: details.badRows } : {}),
      ...(Array.isArray(details?.problems) ? { problems: details.problems as unknown[] } : {}),
    };
    const movedTo = await this.deps.fresh.reject(model, file, reason);
    this.parsed.delete(`${model}/${file}`);
    if (movedTo) this.deps.log?.('warn', 'fresh file rejected', { model, file, movedTo: `rejected/${model}/${movedTo}`, code, message });
    return movedTo;
  }

  private async runMarkUsed(model: string, files: ReadonlyArray<{ name: string; sha256: string | undefined }>): Promise<MarkUsedReport> {
    const moved: Array<{ file: string; usedAs: string }> = [];
    const missing: string[] = [];
    const changed: string[] = [];
    for (const file of files) {
      if (file.sha256 !== undefined) {
        const current = await this.readAgain(model, { name: file.name, sha256: file.sha256, rows: 0 });
        if (current === undefined) {
          const stillThere = (await this.deps.fresh.list(model)).some((entry) => entry.name === file.name);
          if (stillThere) changed.push(file.name);
          else missing.push(file.name);
          continue;
        }
        if (current.sha256 !== file.sha256) {
          changed.push(file.name);
          continue;
        }
      }
      const usedAs = await this.deps.fresh.markUsed(model, file.name);
      this.parsed.delete(`${model}/${file.name}`);
      if (usedAs === undefined) missing.push(file.name);
      else moved.push({ file: file.name, usedAs });
    }
    if (moved.length > 0) this.deps.log?.('info', 'fresh files moved to used', { model, files: moved.map((m) => m.usedAs) });
    return { moved, missing, changed };
  }
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
