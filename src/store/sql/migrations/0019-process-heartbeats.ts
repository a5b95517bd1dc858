import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Process heartbeats: every API and worker process writes its resources (CPU, RSS, heap,
 * event-loop lag, GPU) here every few seconds, so any API process can show the whole
 * cluster's processes in GET /monitoring; a row that stops being refreshed expires.
 */
export const processHeartbeatsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('process_heartbeats')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('resources', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('process_heartbeats_expires_at').on('process_heartbeats').column('expires_at').execute();
  },
};
