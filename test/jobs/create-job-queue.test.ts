import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createJobQueue } from '../../src/main.js';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { LocalJobQueue } from '../../src/jobs/local-job-queue.js';
import { SqlJobStore } from '../../src/store/sql/sql-job-store.js';
import { dropRedisPrefix } from '../support/redis.js';
import { openTestDatabase, TEST_REDIS_URL, tempDir, uniqueName } from '../support/stores.js';

describe('createJobQueue (composition root)', () => {
  it('picks the queue by WARDEN_QUEUE_URL and validates the queue settings', async () => {
    const home = tempDir();
    const test = await openTestDatabase('sqlite');
    const prefix = uniqueName('wcfg');
    try {
      const store = new SqlJobStore(test.database);
      const local = await createJobQueue(loadConfig({ WARDEN_HOME: home.dir }), store);
      assert.ok(local instanceof LocalJobQueue);
      await local.close();
      const config = loadConfig({ WARDEN_HOME: home.dir, WARDEN_QUEUE_URL: TEST_REDIS_URL, WARDEN_QUEUE_PREFIX: prefix, WARDEN_JOB_LEASE_MS: '5000' });
      assert.equal(config.jobLeaseMs, 5_000);
      const redis = await createJobQueue(config, store);
      assert.ok(redis instanceof BullMqJobQueue);
      const job = await redis.enqueue({ kind: 'evaluate', runAt: Date.now() + 60_000 });
      assert.equal((await redis.cancel(job.id)).state, 'cancelled');
      await redis.close();
      assert.throws(() => loadConfig({ WARDEN_HOME: home.dir, WARDEN_QUEUE_PREFIX: 'has space' }), ConfigError);
      assert.throws(() => loadConfig({ WARDEN_HOME: home.dir, WARDEN_JOB_LEASE_MS: '10' }), ConfigError);
      assert.throws(() => loadConfig({ WARDEN_HOME: home.dir, WARDEN_QUEUE_URL: 'amqp://x' }), /valid schemes: local:, redis:, rediss:/);
    } finally {
      await dropRedisPrefix(prefix);
      await test.cleanup();
      home.remove();
    }
  });
});
