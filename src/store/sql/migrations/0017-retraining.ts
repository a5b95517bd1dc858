import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Retraining signals, decisions and arbiter state. The primary key (model, key) on signals is
 * the de-duplication: the same event delivered twice, or a cron firing seen by two
 * processes, inserts one row.
 */
export const retrainingMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('retraining_signals')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('decision_id', 'text')
      .addColumn('document', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('retraining_signals_pk', ['model', 'key'])
      .execute();
    await db.schema.createIndex('retraining_signals_pending').on('retraining_signals').columns(['decision_id', 'model', 'at']).execute();
    await db.schema
      .createTable('retraining_decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'bigint', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('trigger_kinds', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('retraining_decisions_decided').on('retraining_decisions').columns(['decided_at', 'id']).execute();
    await db.schema.createIndex('retraining_decisions_model').on('retraining_decisions').columns(['model', 'decided_at', 'id']).execute();
    await db.schema.createIndex('retraining_decisions_job').on('retraining_decisions').column('job_id').execute();
    await db.schema
      .createTable('retraining_state')
      .addColumn('model', 'text', (c) => c.primaryKey())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
  },
};
