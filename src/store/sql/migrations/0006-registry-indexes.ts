import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Indexes that keep version registration flat as a model accumulates versions: the semver
 * decision reads "highest major", "highest minor on a major" and "newest version of a recipe"
 * — each one index probe instead of a scan of the model's versions. Plus stage filters per model.
 */
export const registryIndexesMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('model_versions_model_major_minor').on('model_versions').columns(['model_id', 'major', 'minor']).execute();
    await db.schema.createIndex('model_versions_model_recipe_number').on('model_versions').columns(['model_id', 'recipe_fingerprint', 'number']).execute();
    await db.schema.createIndex('model_versions_model_stage_number').on('model_versions').columns(['model_id', 'stage', 'number']).execute();
  },
};
