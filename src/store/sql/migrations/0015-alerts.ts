import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Alert episodes and silences, stored whole (JSON) with the columns queries filter on.
 * `open_key` is the fingerprint while an episode is open and NULL after, so the unique index
 * on it keeps one open episode per fingerprint on both dialects (NULLs never collide): two
 * processes firing the same alert at once insert one row.
 */
export const alertsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('open_key', 'text')
      .addColumn('fired_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alerts_one_open').on('alerts').column('open_key').unique().execute();
    await db.schema.createIndex('alerts_fingerprint_resolved').on('alerts').columns(['fingerprint', 'resolved_at']).execute();
    await db.schema.createIndex('alerts_fired').on('alerts').columns(['fired_at', 'id']).execute();
    await db.schema.createIndex('alerts_model_fired').on('alerts').columns(['model', 'fired_at', 'id']).execute();
    await db.schema
      .createTable('alert_silences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alert_silences_expires').on('alert_silences').columns(['expires_at']).execute();
  },
};
