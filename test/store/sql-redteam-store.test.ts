import type { DomainEvent } from '../../src/domain/ports/domain-events.js';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlRedTeamStore } from '../../src/store/sql/sql-redteam-store.js';
import { redTeamStoreContract } from '../contract/redteam-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  redTeamStoreContract(`SqlRedTeamStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    // Another connection pool on the same database, as another process would have.
    const second = await openSqlDatabase(test.url, test.schema !== undefined ? { schema: test.schema } : {});
    return {
      store: new SqlRedTeamStore(test.database),
      other: new SqlRedTeamStore(second),
      async recordedEvents() {
        const rows = await test.database.db.selectFrom('outbox_events').select('payload').where('type', 'in', ['redteam-failed', 'vulnerabilities-threshold-reached']).orderBy('seq').execute();
        return rows.map((row) => JSON.parse(row.payload) as DomainEvent);
      },
      async cleanup() {
        await second.close();
        await test.cleanup();
      },
    };
  });
}
