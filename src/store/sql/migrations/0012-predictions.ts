import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The prediction log: one row per answered input, its true label attached later by feedback.
 * Retention deletes by `created_at`; monitoring reads a model's newest rows.
 */
export const predictionsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('predictions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('semver', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('label', 'integer', (c) => c.notNull())
      .addColumn('probability', 'double precision', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('chars', 'integer', (c) => c.notNull())
      .addColumn('non_ascii_share', 'double precision', (c) => c.notNull())
      .addColumn('url_count', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('feedback_label', 'integer')
      .addColumn('feedback_at', 'bigint')
      .addColumn('feedback_actor', 'text')
      .execute();
    await db.schema.createIndex('predictions_created_at').on('predictions').column('created_at').execute();
    await db.schema.createIndex('predictions_model_created_at').on('predictions').columns(['model', 'created_at']).execute();
  },
};
