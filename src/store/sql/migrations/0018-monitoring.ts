import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Monitoring: the text descriptors drift is judged on, recorded with each prediction (nullable:
 * rows written before this migration have none and simply count as missing), a truncated copy
 * of a sampled few inputs for drift explanations, the latest monitoring snapshot per model
 * (what GET /monitoring answers) and the anomaly detectors' state per model, version and arm
 * (carried from one `monitor-models` tick to the next, whichever worker runs it).
 */
export const monitoringMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    const columns: Array<[string, 'integer' | 'double precision' | 'text']> = [
      ['tokens', 'integer'],
      ['invisible_per_1k', 'double precision'],
      ['mixed_script_tokens', 'integer'],
      ['base64_spans', 'integer'],
      ['spaced_letter_runs', 'integer'],
      ['beyond_max_share', 'double precision'],
      ['oov_share', 'double precision'],
      ['near_duplicate', 'integer'],
      ['sample_text', 'text'],
    ];
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    for (const [name, type] of columns) await db.schema.alterTable('predictions').addColumn(name, type).execute();
    await db.schema
      .createTable('monitoring_snapshots')
      .addColumn('model', 'text', (c) => c.primaryKey())
      .addColumn('evaluated_at', 'bigint', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('monitoring_detectors')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .execute();
  },
};
