import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { tokenNamesMigration } from '../../src/store/sql/migrations/0008-token-names.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { tokenStoreContract } from '../contract/token-store.contract.js';

for (const kind of STORE_KINDS) {
  tokenStoreContract(`SqlTokenStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlTokenStore(test.database), cleanup: () => test.cleanup() };
  });
}

for (const kind of STORE_KINDS) {
  describe(`migration 0008 on ${kind}: active tokens that already share a name`, () => {
    it('renames the later duplicates (never revokes them) and then enforces unique active names', async () => {
      const test = await openTestDatabase(kind);
      try {
        const db = test.database.db;
        // The store as an older build left it: no index, two active "ci" tokens and a revoked one.
        await sql`drop index api_tokens_active_name`.execute(db);
        const row = (id: string, created: number, revoked: number | null) => ({ id, name: 'ci', role: 'editor', token_hash: id.padEnd(64, '0'), created_at: created, last_used_at: null, revoked_at: revoked });
        await db.insertInto('api_tokens').values([row('aaaa1111bbbb2222', 1, null), row('cccc3333dddd4444', 2, null), row('eeee5555ffff6666', 3, 9)]).execute();
        await tokenNamesMigration.up(db);
        const names = await db.selectFrom('api_tokens').select(['id', 'name', 'revoked_at']).orderBy('created_at').execute();
        assert.deepEqual(names, [
          { id: 'aaaa1111bbbb2222', name: 'ci', revoked_at: null },
          { id: 'cccc3333dddd4444', name: 'ci-cccc3333dddd', revoked_at: null },
          { id: 'eeee5555ffff6666', name: 'ci', revoked_at: 9 },
        ]);
        await assert.rejects(new SqlTokenStore(test.database).insert({ id: 'x', name: 'ci', role: 'viewer', tokenHash: 'f'.repeat(64), createdAt: 4, lastUsedAt: null, revokedAt: null }), /already named "ci"/);
      } finally {
        await test.cleanup();
      }
    });
  });
}
