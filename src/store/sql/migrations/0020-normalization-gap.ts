import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The normalisation gap: for a described input, whether the version's verdict on the raw text
 * (its evasion-undoing normalisation off) differed from its verdict on the normalised text.
 * Nullable: rows written before, or not described, count as missing.
 */
export const normalizationGapMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('predictions').addColumn('normalization_flip', 'integer').execute();
  },
};
