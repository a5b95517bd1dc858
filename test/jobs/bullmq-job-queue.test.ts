import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { randomIds, systemClock } from '../../src/services/system.js';
import { CONTRACT_RETRY, CONTRACT_TIMINGS, jobQueueContract } from '../contract/job-queue.contract.js';
import { dropRedisPrefix } from '../support/redis.js';
import { STORE_KINDS, TEST_REDIS_URL, openTestDatabase, uniqueName } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  jobQueueContract(`BullMQ on Redis with a ${kind} job store`, async () => {
    const test = await openTestDatabase(kind);
    const prefix = uniqueName('wt');
    const queue = new BullMqJobQueue(new SqlJobStore(test.database), {
      url: TEST_REDIS_URL,
      prefix,
      queueName: 'jobs',
      clock: systemClock,
      ids: randomIds,
      timings: CONTRACT_TIMINGS,
      retryPolicy: CONTRACT_RETRY,
      stalledIntervalMs: 500,
      subscriptionPollMs: 200,
    });
    return {
      queue,
      async cleanup() {
        await queue.close();
        await dropRedisPrefix(prefix);
        await test.cleanup();
      },
    };
  });
}
