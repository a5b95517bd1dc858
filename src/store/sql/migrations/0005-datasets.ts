import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
export const datasetsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('datasets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull())
      .addColumn('positives', 'integer', (c) => c.notNull())
      .addColumn('negatives', 'integer', (c) => c.notNull())
      .addColumn('byte_size', 'bigint', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('source_files', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('parent_digests', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // Version numbers without duplicates, and one version per content per name.
      .addUniqueConstraint('datasets_name_version', ['name', 'version'])
      .addUniqueConstraint('datasets_name_sha256', ['name', 'sha256'])
      .execute();
    await db.schema.createIndex('datasets_sha256').on('datasets').columns(['sha256']).execute();
    await db.schema.createIndex('datasets_created').on('datasets').columns(['created_at']).execute();

    await db.schema
      .createTable('dataset_files')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('ordinal', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_files_pk', ['dataset_id', 'ordinal'])
      .execute();
    await db.schema.createIndex('dataset_files_sha256').on('dataset_files').columns(['sha256']).execute();
  },
};
