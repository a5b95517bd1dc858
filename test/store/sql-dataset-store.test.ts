import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlDatasetStore } from '../../src/store/sql/sql-dataset-store.js';
import { datasetStoreContract } from '../contract/dataset-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  datasetStoreContract(`SqlDatasetStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    // A second connection pool on the same database, as a second process would have.
    const second = await openSqlDatabase(test.url, test.schema ? { schema: test.schema } : {});
    return {
      store: new SqlDatasetStore(test.database),
      other: new SqlDatasetStore(second),
      async cleanup() {
        await second.close();
        await test.cleanup();
      },
    };
  });
}
