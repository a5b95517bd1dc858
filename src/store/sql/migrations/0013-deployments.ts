import { sql, type Kysely, type Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Deployments, stored whole (the domain's state machine as JSON) with the columns queries
 * filter on. `in_flight` is 1 until the deployment ends and NULL after, so a unique index
 * on (model, in_flight) allows any number of ended deployments but one in flight per model
 * on both dialects (NULLs never collide).
 */
export const deploymentsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('deployments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('candidate', 'integer', (c) => c.notNull())
      .addColumn('baseline', 'integer')
      .addColumn('in_flight', 'integer')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addCheckConstraint('deployments_in_flight_flag', sql`in_flight is null or in_flight = 1`)
      .execute();
    await db.schema.createIndex('deployments_one_in_flight').on('deployments').columns(['model', 'in_flight']).unique().execute();
    await db.schema.createIndex('deployments_model_created').on('deployments').columns(['model', 'created_at', 'id']).execute();
    await db.schema.createIndex('deployments_created').on('deployments').columns(['created_at', 'id']).execute();
  },
};
