import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import { predictionStoreContract } from '../contract/prediction-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  predictionStoreContract(`SqlPredictionStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    return { store: new SqlPredictionStore(test.database), cleanup: () => test.cleanup() };
  });
}
