import type { Kysely, Selectable, Transaction } from 'kysely';
import { WardenError } from '../../domain/errors.js';
import { isDatasetOrigin, type DatasetSourceFile, type DatasetVersion } from '../../domain/datasets.js';
import type {
  DatasetStore,
  DatasetSummary,
  ListDatasetsOptions,
  NewDatasetVersion,
  RegisteredDataset,
} from '../../domain/ports/dataset-store.js';
import type { SqlDatabase } from './database.js';
import type { DatabaseSchema } from './schema.js';
import type { DatasetRow } from './tables/datasets-tables.js';
import { fromJson, isRetryableConflict, isUniqueViolation, toJson } from './sql-errors.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { recordEvents } from './sql-event-outbox.js';
import { freshDataEvent } from '../../domain/events.js';

/** How often a registration that lost a race for a version number is retried. */
const MAX_REGISTER_ATTEMPTS = 20;
/** Digests per `IN (…)` list: far under SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 500;

function toEntity(row: Selectable<DatasetRow>): DatasetVersion {
  if (!isDatasetOrigin(row.origin)) throw new WardenError('INTERNAL', `datasets row ${row.id} has an unknown origin "${row.origin}"`);
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    sha256: row.sha256,
    rows: row.row_count,
    positives: row.positives,
    negatives: row.negatives,
    bytes: row.byte_size,
    origin: row.origin,
    sourceFiles: fromJson<DatasetSourceFile[]>(row.source_files, []),
    parentDigests: fromJson<string[]>(row.parent_digests, []),
    description: row.description,
    createdAt: row.created_at,
  };
}

/** DatasetStore on the `datasets` and `dataset_files` tables (SQLite and PostgreSQL). */
export class SqlDatasetStore implements DatasetStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DatabaseSchema> {
    return this.database.db;
  }

  async register(input: NewDatasetVersion, options: { readonly freshDataOf?: string } = {}): Promise<RegisteredDataset> {
    try {
      // Another process took the next number or registered the same content first (a unique
      // violation): the retry either finds that content or takes the number after.
      return await withRetriedTransaction(this.db, (trx) => this.registerOnce(trx, input, options.freshDataOf), { attempts: MAX_REGISTER_ATTEMPTS, alsoRetry: isUniqueViolation });
    } catch (error) {
      if (isUniqueViolation(error) || isRetryableConflict(error)) {
        throw new WardenError('VERSION_CONFLICT', `dataset "${input.name}" is being registered concurrently; try again`, { cause: error });
      }
      throw error;
    }
  }

  private async registerOnce(trx: Transaction<DatabaseSchema>, input: NewDatasetVersion, freshDataOf: string | undefined): Promise<RegisteredDataset> {
    const existing = await trx.selectFrom('datasets').selectAll().where('name', '=', input.name).where('sha256', '=', input.sha256).executeTakeFirst();
    if (existing) return { dataset: toEntity(existing), created: false };
    const top = await trx.selectFrom('datasets').select((eb) => eb.fn.max('version').as('top')).where('name', '=', input.name).executeTakeFirst();
    const version = Number(top?.top ?? 0) + 1;
    const row: DatasetRow = {
      id: input.id,
      name: input.name,
      version,
      sha256: input.sha256,
      row_count: input.rows,
      positives: input.positives,
      negatives: input.negatives,
      byte_size: input.bytes,
      origin: input.origin,
      source_files: toJson(input.sourceFiles.map((f) => ({ name: f.name, sha256: f.sha256, rows: f.rows }))),
      parent_digests: toJson(input.parentDigests),
      description: input.description,
      created_at: input.createdAt,
    };
    await trx.insertInto('datasets').values(row).execute();
    if (input.sourceFiles.length > 0) {
      await trx
        .insertInto('dataset_files')
        .values(input.sourceFiles.map((f, ordinal) => ({ dataset_id: input.id, ordinal, name: f.name, sha256: f.sha256, row_count: f.rows })))
        .execute();
    }
    const dataset = toEntity(row);
    if (freshDataOf !== undefined) await recordEvents(trx, this.database.dialect, [freshDataEvent(freshDataOf, dataset)]);
    return { dataset, created: true };
  }

  async get(name: string, version: number): Promise<DatasetVersion | undefined> {
    const row = await this.db.selectFrom('datasets').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
    return row && toEntity(row);
  }

  async latest(name: string): Promise<DatasetVersion | undefined> {
    const row = await this.db.selectFrom('datasets').selectAll().where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row && toEntity(row);
  }

  async findBySha256(sha256: string): Promise<DatasetVersion[]> {
    const rows = await this.db.selectFrom('datasets').selectAll().where('sha256', '=', sha256).orderBy('created_at').orderBy('id').execute();
    return rows.map(toEntity);
  }

  async list(options: ListDatasetsOptions = {}): Promise<DatasetVersion[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
    let query = this.db.selectFrom('datasets').selectAll();
    if (options.name !== undefined) query = query.where('name', '=', options.name);
    if (options.origin !== undefined) query = query.where('origin', '=', options.origin);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('name')
      .orderBy('version', 'desc')
      .limit(limit)
      .offset(Math.max(Math.trunc(options.offset ?? 0), 0))
      .execute();
    return rows.map(toEntity);
  }

  async summaries(): Promise<DatasetSummary[]> {
    // The newest version of each name joined to its count, in one statement.
    const rows = await this.db
      .selectFrom('datasets as d')
      .innerJoin(
        (eb) => eb.selectFrom('datasets').select(['name', (e) => e.fn.max('version').as('top'), (e) => e.fn.countAll().as('versions')]).groupBy('name').as('g'),
        (join) => join.onRef('g.name', '=', 'd.name').onRef('g.top', '=', 'd.version'),
      )
      .selectAll('d')
      .select('g.versions')
      .orderBy('d.name')
      .execute();
    return rows.map(({ versions, ...row }) => ({ name: row.name, versions: Number(versions), latest: toEntity(row) }));
  }

  async knownSourceFiles(name: string, fileDigests: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    const unique = [...new Set(fileDigests)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('dataset_files as f')
        .innerJoin('datasets as d', 'd.id', 'f.dataset_id')
        .select('f.sha256')
        .distinct()
        .where('d.name', '=', name)
        .where('f.sha256', 'in', unique.slice(i, i + IN_CHUNK))
        .execute();
      for (const row of rows) known.add(row.sha256);
    }
    return known;
  }

  async referencedDigests(): Promise<string[]> {
    const rows = await this.db.selectFrom('datasets').select('sha256').distinct().execute();
    return rows.map((row) => row.sha256);
  }
}
