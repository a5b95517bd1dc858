import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlRetrainingStore } from '../../src/store/sql/sql-retraining-store.js';
import { retrainingStoreContract } from '../contract/retraining-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  retrainingStoreContract(`SqlRetrainingStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    // Its own connections, as another process would have: the race goes through the database.
    const second = await openSqlDatabase(test.url, test.schema ? { schema: test.schema } : {});
    return {
      store: new SqlRetrainingStore(test.database),
      peer: new SqlRetrainingStore(second),
      async cleanup() {
        await second.close();
        await test.cleanup();
      },
    };
  });
}
