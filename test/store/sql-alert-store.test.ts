import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlAlertStore } from '../../src/store/sql/sql-alert-store.js';
import type { AlertFiredEvent, AlertResolvedEvent } from '../../src/domain/ports/domain-events.js';
import { alertStoreContract } from '../contract/alert-store.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  alertStoreContract(`SqlAlertStore on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    // Its own connections, as another process would have: the race goes through the database.
    const second = await openSqlDatabase(test.url, test.schema ? { schema: test.schema } : {});
    return {
      store: new SqlAlertStore(test.database),
      peer: new SqlAlertStore(second),
      async recordedEvents() {
        const rows = await test.database.db.selectFrom('outbox_events').select('payload').where('type', 'in', ['alert-fired', 'alert-resolved']).orderBy('seq').execute();
        return rows.map((row) => JSON.parse(row.payload) as AlertFiredEvent | AlertResolvedEvent);
      },
      async cleanup() {
        await second.close();
        await test.cleanup();
      },
    };
  });
}
