import { sql, type Selectable } from 'kysely';
import type { RunArtifact, Sha256Digest } from '../../domain/artifacts.js';
import { WardenError } from '../../domain/errors.js';
import type { ArtifactIndex } from '../../domain/ports/artifact-index.js';
import type { SqlDatabase } from './database.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js';
import type { RunArtifactRow } from './tables/artifacts-tables.js';

function toEntity(row: Selectable<RunArtifactRow>): RunArtifact {
  return {
    id: row.id,
    runId: row.run_id,
    name: row.name,
    size: Number(row.size),
    sha256: row.sha256,
    mediaType: row.media_type,
    createdAt: Number(row.created_at),
  };
}

/** {@link ArtifactIndex} on the `run_artifacts` table, SQLite and PostgreSQL alike. */
export class SqlArtifactIndex implements ArtifactIndex {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async add(artifact: RunArtifact): Promise<void> {
    try {
      await this.db
        .insertInto('run_artifacts')
        .values({
          id: artifact.id,
          run_id: artifact.runId,
          name: artifact.name,
          size: artifact.size,
          sha256: artifact.sha256,
          media_type: artifact.mediaType,
          created_at: artifact.createdAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WardenError('ARTIFACT_ALREADY_EXISTS', `run ${artifact.runId} already has an artifact named "${artifact.name}"; delete it first or choose another name`, {
          field: 'name',
        });
      }
      if (isForeignKeyViolation(error)) throw new WardenError('RUN_NOT_FOUND', `no run with id ${artifact.runId}`, { field: 'runId' });
      throw error;
    }
  }

  async get(runId: string, artifactId: string): Promise<RunArtifact | undefined> {
    const row = await this.db.selectFrom('run_artifacts').selectAll().where('run_id', '=', runId).where('id', '=', artifactId).executeTakeFirst();
    return row && toEntity(row);
  }

  async getByName(runId: string, name: string): Promise<RunArtifact | undefined> {
    const row = await this.db.selectFrom('run_artifacts').selectAll().where('run_id', '=', runId).where('name', '=', name).executeTakeFirst();
    return row && toEntity(row);
  }

  async list(runId: string): Promise<RunArtifact[]> {
    const rows = await this.db.selectFrom('run_artifacts').selectAll().where('run_id', '=', runId).orderBy('name').execute();
    return rows.map(toEntity);
  }

  async findByDigest(sha256: Sha256Digest): Promise<RunArtifact[]> {
    const rows = await this.db.selectFrom('run_artifacts').selectAll().where('sha256', '=', sha256).orderBy('created_at').orderBy('id').execute();
    return rows.map(toEntity);
  }

  async remove(runId: string, artifactId: string): Promise<RunArtifact | undefined> {
    const row = await this.db.deleteFrom('run_artifacts').where('run_id', '=', runId).where('id', '=', artifactId).returningAll().executeTakeFirst();
    return row && toEntity(row);
  }

  async referencedDigests(): Promise<Set<string>> {
    // One statement, so both halves come from the same snapshot.
    const rows = await this.db
      .selectFrom('run_artifacts')
      .select('sha256 as digest')
      .union(
        this.db
          .selectFrom('model_versions')
          .select(sql<string>`artifact_digest`.as('digest'))
          .where('artifact_digest', 'is not', null),
      )
      .union(this.db.selectFrom('datasets').select('sha256 as digest'))
      .execute();
    return new Set(rows.map((row) => row.digest));
  }

  async isReferenced(sha256: Sha256Digest): Promise<boolean> {
    const row = await this.db
      .selectNoFrom((eb) => [
        eb
          .or([
            eb.exists(eb.selectFrom('run_artifacts').select('id').where('sha256', '=', sha256)),
            eb.exists(eb.selectFrom('model_versions').select('id').where('artifact_digest', '=', sha256)),
            eb.exists(eb.selectFrom('datasets').select('id').where('sha256', '=', sha256)),
          ])
          .as('referenced'),
      ])
      .executeTakeFirstOrThrow();
    // SQLite answers 0/1, PostgreSQL true/false.
    return Boolean(row.referenced);
  }
}
