import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { jobStoreContract } from '../contract/job-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  jobStoreContract(kind, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlJobStore(test.database), cleanup: () => test.cleanup() };
  });
}
