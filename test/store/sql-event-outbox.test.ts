import { recordEvents, SqlEventOutbox } from '../../src/store/sql/sql-event-outbox.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/store/sql/database.js';
import { eventOutboxContract } from '../contract/event-outbox.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  eventOutboxContract(kind, async () => {
    const test = await openTestDatabase(kind);
    const connections: SqlDatabase[] = [];
    // Each subscriber gets its own connection, as a separate process would.
    const connect = () => openSqlDatabase(test.url, { ...(test.schema !== undefined ? { schema: test.schema } : {}), poolSize: 3 });
    return {
      outbox: async () => {
        const database = await connect();
        connections.push(database);
        return new SqlEventOutbox(database);
      },
      recordInTransaction: async (events, fn) => {
        await test.database.db.transaction().execute(async (trx) => {
          await recordEvents(trx, test.database.dialect, events);
          await fn(trx as never);
        });
      },
      async cleanup() {
        for (const database of connections) await database.close();
        await test.cleanup();
      },
    };
  });
}
