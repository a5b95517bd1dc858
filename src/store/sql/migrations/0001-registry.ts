import { sql, type Kysely, type Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
export const registryMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('registered_models')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('recipe', 'text')
      .addColumn('latest_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('model_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.id').onDelete('cascade'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('semver', 'text', (c) => c.notNull())
      .addColumn('major', 'integer', (c) => c.notNull())
      .addColumn('minor', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('metrics', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('parent_version_id', 'text', (c) => c.references('model_versions.id').onDelete('set null'))
      .addColumn('retraining_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('dataset_digests', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('resource_usage', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('recipe_fingerprint', 'text')
      .addColumn('source_run_id', 'text')
      .addColumn('artifact_digest', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('model_versions_model_number', ['model_id', 'number'])
      .addUniqueConstraint('model_versions_model_semver', ['model_id', 'semver'])
      .execute();
    // The last line of defence for "at most one Production version per model".
    await sql`CREATE UNIQUE INDEX model_versions_one_production ON model_versions (model_id) WHERE stage = 'Production'`.execute(db);
    await db.schema.createIndex('model_versions_stage').on('model_versions').columns(['stage']).execute();
    await db.schema.createIndex('model_versions_parent').on('model_versions').columns(['parent_version_id']).execute();

    await db.schema
      .createTable('model_version_metrics')
      .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_version_metrics_pk', ['version_id', 'key'])
      .execute();
    await db.schema.createIndex('model_version_metrics_key_value').on('model_version_metrics').columns(['key', 'value']).execute();

    await db.schema
      .createTable('model_version_tags')
      .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_version_tags_pk', ['version_id', 'key'])
      .execute();
    await db.schema.createIndex('model_version_tags_key_value').on('model_version_tags').columns(['key', 'value']).execute();

    await db.schema
      .createTable('stage_transitions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.id').onDelete('cascade'))
      .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
      .addColumn('from_stage', 'text', (c) => c.notNull())
      .addColumn('to_stage', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('stage_transitions_model_seq', ['model_id', 'seq'])
      .execute();
    await db.schema.createIndex('stage_transitions_version').on('stage_transitions').columns(['version_id']).execute();

    await db.schema
      .createTable('model_aliases')
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.id').onDelete('cascade'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_aliases_pk', ['model_id', 'alias'])
      .execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
  },
};
