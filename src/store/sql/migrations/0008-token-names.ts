import { sql, type Kysely, type Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A token's name is the actor recorded in every history, so two active tokens must not share
 * one: a partial unique index (revoked tokens keep their name and free it for reuse). Active
 * duplicates from before are renamed `<name>-<id prefix>`, oldest first keeping the name, so
 * no working token is revoked by an upgrade.
 */
export const tokenNamesMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    const active = await db.selectFrom('api_tokens').select(['id', 'name']).where('revoked_at', 'is', null).orderBy('created_at').orderBy('id').execute();
    const seen = new Set<string>();
    for (const row of active as Array<{ id: string; name: string }>) {
      if (!seen.has(row.name)) {
        seen.add(row.name);
        continue;
      }
      const renamed = `${row.name.slice(0, 50)}-${row.id.slice(0, 12)}`;
      seen.add(renamed);
      await db.updateTable('api_tokens').set({ name: renamed }).where('id', '=', row.id).execute();
    }
    // Kysely's createIndex().where() is not supported on every dialect build: plain SQL, valid on both.
    await sql`create unique index api_tokens_active_name on api_tokens (name) where revoked_at is null`.execute(db);
  },
};
