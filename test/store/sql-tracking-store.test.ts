import { STORE_KINDS, openTestDatabase } from '../support/stores.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { trackingStoreContract } from '../contract/tracking-store.contract.js';

for (const kind of STORE_KINDS) {
  trackingStoreContract(`SqlTrackingStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlTrackingStore(test.database), cleanup: () => test.cleanup() };
  });
}
