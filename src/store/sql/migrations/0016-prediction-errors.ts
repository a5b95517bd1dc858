import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Requests an arm failed to answer (its version did not load, or threw while scoring), apart
 * from `predictions`: those rows are answers (a label, a probability) that feedback and
 * monitoring read, and a failure has none. The guardrails read both, by model, version, arm
 * and time; retention deletes by `created_at`.
 */
export const predictionErrorsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('prediction_errors')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('semver', 'text', (c) => c.notNull())
      .addColumn('inputs', 'integer', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('prediction_errors_pk', ['request_id', 'arm'])
      .execute();
    await db.schema.createIndex('prediction_errors_created_at').on('prediction_errors').column('created_at').execute();
    await db.schema.createIndex('prediction_errors_model_created_at').on('prediction_errors').columns(['model', 'created_at']).execute();
  },
};
