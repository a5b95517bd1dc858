/**
 * Retrain requests are de-duplicated: while a retrain of the same model, recipe and data
 * is queued or running, asking again (POST /models/retrain, one model or all) answers 200
 * with that job flagged `deduplicated`, not 202 with a second job. On both queues: the
 * in-process queue on SQLite and BullMQ on Redis with PostgreSQL. No workers run here, so
 * the jobs stay queued for as long as the test needs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { TEST_REDIS_URL, uniqueName } from '../support/stores.js';
import { dropRedisPrefix } from '../support/redis.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';

type Json = Record<string, unknown>;
interface RetrainAnswer {
  jobs: Array<{ id: string; model: string; state: string; deduplicated: boolean }>;
  skipped: string[];
}

function dedupeSuite(name: string, open: () => Promise<{ platform: TestPlatform; cleanup(): Promise<void> }>): void {
  describe(`retrain de-duplication: ${name}`, () => {
    let platform: TestPlatform;
    let cleanup: () => Promise<void>;
    let editor: { authorization: string };

    before(async () => {
      ({ platform, cleanup } = await open());
      editor = await platform.auth('editor');
      await platform.services.datasets.registerRows(syntheticRows(120), { name: 'dedupe-data', origin: 'upload' });
      // Creates both models with their recipes (the train jobs stay queued: no workers).
      for (const model of ['dedupe-a', 'dedupe-b']) {
        await platform.services.training.enqueueTraining({ model, family: 'lr', dataset: { datasets: ['dedupe-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
      }
    });
    after(async () => cleanup());

    const retrain = async (body: Json) => {
      const res = await platform.app.inject({ method: 'POST', url: '/models/retrain', headers: editor, payload: body });
      return { status: res.statusCode, body: res.json() as RetrainAnswer };
    };

    it('a second request for the same model, recipe and data returns the queued job (200, deduplicated); new data or an ended job queues a new one', async () => {
      const first = await retrain({ model: 'dedupe-a' });
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.equal(first.body.jobs[0]!.deduplicated, false);
      const second = await retrain({ model: 'dedupe-a' });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.deepEqual(second.body.jobs.map((j) => [j.id, j.deduplicated, j.state]), [[first.body.jobs[0]!.id, true, 'queued']]);

      // {all: true}: b is new (202), a is the same job again.
      const all = await retrain({ all: true });
      assert.equal(all.status, 202);
      const byModel = new Map(all.body.jobs.map((j) => [j.model, j]));
      assert.deepEqual([byModel.get('dedupe-a')?.id, byModel.get('dedupe-a')?.deduplicated], [first.body.jobs[0]!.id, true]);
      assert.equal(byModel.get('dedupe-b')?.deduplicated, false);
      const allAgain = await retrain({ all: true });
      assert.equal(allAgain.status, 200, 'nothing new: every retrain was already queued');

      // New data (a new version of the dataset the recipe names) is other work.
      await platform.services.datasets.registerRows(syntheticRows(130, 2), { name: 'dedupe-data', origin: 'upload' });
      const newData = await retrain({ model: 'dedupe-a' });
      assert.equal(newData.status, 202);
      assert.notEqual(newData.body.jobs[0]!.id, first.body.jobs[0]!.id);

      // Once the job ended (cancelled here), the same request queues a new job.
      await platform.services.jobs.cancel(newData.body.jobs[0]!.id);
      const afterCancel = await retrain({ model: 'dedupe-a' });
      assert.equal(afterCancel.status, 202);
      assert.notEqual(afterCancel.body.jobs[0]!.id, newData.body.jobs[0]!.id);

      const retrains = (await platform.services.jobs.list({ kind: 'retrain', limit: 200 })).items;
      assert.equal(retrains.filter((j) => j.payload.model === 'dedupe-a').length, 3, 'three retrains of a were queued, not six');
    });
  });
}

dedupeSuite('in-process queue on SQLite', async () => {
  const platform = await openTestPlatform('sqlite');
  return { platform, cleanup: () => platform.close() };
});

dedupeSuite('BullMQ on Redis, PostgreSQL store', async () => {
  const prefix = uniqueName('wdedupe');
  const platform = await openTestPlatform('postgres', { WARDEN_QUEUE_URL: TEST_REDIS_URL, WARDEN_QUEUE_PREFIX: prefix });
  return {
    platform,
    async cleanup() {
      await platform.close();
      await dropRedisPrefix(prefix);
    },
  };
});
