import { SqlDeploymentStore } from '../../src/store/sql/sql-deployment-store.js';
import type { DeploymentChangedEvent } from '../../src/domain/ports/domain-events.js';
import { deploymentStoreContract } from '../contract/deployment-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  deploymentStoreContract(`SqlDeploymentStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    return {
      store: new SqlDeploymentStore(test.database),
      async recordedEvents() {
        const rows = await test.database.db.selectFrom('outbox_events').select('payload').where('type', '=', 'deployment-changed').orderBy('seq').execute();
        return rows.map((row) => JSON.parse(row.payload) as DeploymentChangedEvent);
      },
      cleanup: () => test.cleanup(),
    };
  });
}
