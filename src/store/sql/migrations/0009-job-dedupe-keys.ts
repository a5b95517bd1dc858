import { sql, type Kysely, type Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A job's dedupe key (e.g. a retrain of one model on one recipe and data) is unique among
 * queued and running jobs only: a partial unique index, so two processes enqueueing the same
 * work at once get one job, and the key is free again once the job ended.
 */
export const jobDedupeKeysMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('jobs').addColumn('dedupe_key', 'text').execute();
    // Kysely's createIndex().where() is not supported on every dialect build: plain SQL, valid on both.
    await sql`create unique index jobs_active_dedupe_key on jobs (dedupe_key) where dedupe_key is not null and state in ('queued', 'running')`.execute(db);
  },
};
