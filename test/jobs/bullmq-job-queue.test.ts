import { Redis } from 'ioredis';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { randomIds, systemClock } from '../../src/services/system.js';
import { CONTRACT_RETRY, CONTRACT_TIMINGS, jobQueueContract } from '../contract/job-queue.contract.js';
import { STORE_KINDS, TEST_REDIS_URL, openTestDatabase, uniqueName } from '../support/stores.js';

/** Deletes every Redis key under a test prefix. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

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
