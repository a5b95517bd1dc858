import { sql, type Kysely, type Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Digests are stored bare (64 lower-case hex) since one parser handles them all; earlier
 * builds stored a version's digests as the client spelled them, and a `sha256:`-prefixed
 * artifact digest did not match its blob, so garbage collection deleted a registered
 * model's file. Rewrite those spellings once. Hex never contains "sha256:", so removing
 * the prefix from the JSON list text touches nothing else.
 */
export const canonicalDigestsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ artifact_digest: sql`substr(artifact_digest, 8)` })
      .where('artifact_digest', 'like', 'sha256:%')
      .execute();
    await db
      .updateTable('model_versions')
      .set({ dataset_digests: sql`replace(dataset_digests, '"sha256:', '"')` })
      .where('dataset_digests', 'like', '%sha256:%')
      .execute();
  },
};
