import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
export const artifactsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('run_artifacts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Deleting a run deletes its artifact records in the same transaction; the blobs
      // become unreferenced and the artifact GC removes them.
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('run_artifacts_run_name', ['run_id', 'name'])
      .execute();
    // GC and by-digest lookups; model_versions.artifact_digest gets its own for the same reason.
    await db.schema.createIndex('run_artifacts_sha256').on('run_artifacts').columns(['sha256']).execute();
    await db.schema.createIndex('model_versions_artifact_digest').on('model_versions').columns(['artifact_digest']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('model_versions_artifact_digest').execute();
    await db.schema.dropTable('run_artifacts').execute();
  },
};
