import { STORE_KINDS, openTestDatabase } from '../support/stores.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { tokenStoreContract } from '../contract/token-store.contract.js';

for (const kind of STORE_KINDS) {
  tokenStoreContract(`SqlTokenStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlTokenStore(test.database), cleanup: () => test.cleanup() };
  });
}
