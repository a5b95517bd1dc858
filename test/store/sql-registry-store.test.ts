import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';
import { registryStoreContract } from '../contract/registry-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  registryStoreContract(kind, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlRegistryStore(test.database), cleanup: () => test.cleanup() };
  });
}
