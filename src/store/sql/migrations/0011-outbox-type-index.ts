import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A subscriber group reads only the event types it handles: this index finds them after its
 * cursor without scanning the events of other types in between.
 */
export const outboxTypeIndexMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('outbox_events_type_seq').on('outbox_events').columns(['type', 'seq']).execute();
  },
};
