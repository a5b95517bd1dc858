/**
 * The fresh → used data lifecycle: scan `data/fresh/<model>/`, version what is new (through
 * DatasetService) and announce it with a `fresh-data` event; move files to
 * `data/used/<model>/` once a training on them succeeded.
 */
import type { DatasetRow, DatasetSourceFile, DatasetVersion } from '../domain/datasets.js';
import { invalid, isWardenError } from '../domain/errors.js';
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
import type { Clock } from '../domain/ports/clock.js';
import type { ParsedDatasetFile } from '../domain/ports/dataset-file-reader.js';
import type { DatasetStore } from '../domain/ports/dataset-store.js';
import type { DomainEvents } from '../domain/ports/domain-events.js';
import { freshDataEvent } from '../domain/events.js';
import type { FreshDataSource } from '../domain/ports/fresh-data-source.js';
import type { DatasetService } from './dataset-service.js';

export interface FreshDataServiceDeps {
  /** Versions the fresh files (and finds a version again by name). */
  readonly datasets: Pick<DatasetService, 'get' | 'registerFreshVersion'>;
  /** Which files were versioned before, and the newest `<model>-fresh` version. */
  readonly store: Pick<DatasetStore, 'knownSourceFiles' | 'latest'>;
  readonly fresh: FreshDataSource;
  readonly events: DomainEvents;
  readonly clock: Clock;
  /** A fresh file unmodified this long is taken without waiting for a second scan, in ms (default 5 s). */
  readonly quietPeriodMs?: number;
  /** Where the scanner reports what it did (log lines); optional. */
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
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

interface ParsedCacheEntry extends FileSnapshot {
  readonly sha256: string;
  readonly rows: number;
}

export class FreshDataService {
  private readonly quietPeriodMs: number;
  /** Sizes and times seen by the previous scan, per `model/file`. */
  private snapshots = new Map<string, FileSnapshot>();
  /** Digests of files already read, valid while size and time stay the same. */
  private readonly parsed = new Map<string, ParsedCacheEntry>();
  /** Scans and moves run one at a time in this process. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: FreshDataServiceDeps) {
    this.quietPeriodMs = deps.quietPeriodMs ?? DEFAULT_QUIET_PERIOD_MS;
  }

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
    const dataset = await this.deps.datasets.get(name, version);
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
    const registered = await this.deps.datasets.registerFreshVersion(
      model,
      rows,
      plan.files.map(({ name, sha256, rows: count }) => ({ name, sha256, rows: count })),
      `fresh files of ${model}: ${plan.files.map((f) => f.name).join(', ')}`.slice(0, 1000),
    );
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

