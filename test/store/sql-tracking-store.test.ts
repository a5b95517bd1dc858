import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { trackingStoreContract } from '../contract/tracking-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  trackingStoreContract(`SqlTrackingStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    // A second connection pool on the same database, as a second process would have.
    const second = await openSqlDatabase(test.url, test.schema ? { schema: test.schema } : {});
    return {
      store: new SqlTrackingStore(test.database),
      other: new SqlTrackingStore(second),
      async cleanup() {
        await second.close();
        await test.cleanup();
      },
    };
  });
}
