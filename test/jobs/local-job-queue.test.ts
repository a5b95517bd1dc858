import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { randomIds, systemClock } from '../../src/services/system.js';
import { CONTRACT_RETRY, CONTRACT_TIMINGS, jobQueueContract } from '../contract/job-queue.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  jobQueueContract(`in-process on ${kind}`, async () => {
    const test = await openTestDatabase(kind);
    const queue = new LocalJobQueue(new SqlJobStore(test.database), {
      clock: systemClock,
      ids: randomIds,
      timings: CONTRACT_TIMINGS,
      retryPolicy: CONTRACT_RETRY,
      pollIntervalMs: 50,
      subscriptionPollMs: 200,
    });
    return {
      queue,
      async cleanup() {
        await queue.close();
        await test.cleanup();
      },
    };
  });
}
