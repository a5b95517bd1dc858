/**
 * Live serving across processes: two platforms on one store (as two `warden` processes), A
 * trains and promotes, B serves. Concurrent predict traffic on B through a Production change
 * made on A: zero failed requests, every answer (each input of it) from exactly one of the two
 * versions, and a client that has seen the new version never sees the old one again. A version
 * whose artifact fails to load is never switched to. And the loading underneath: concurrent
 * first requests load a version once, the cache is bounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPlatform, type Platform } from '../../src/main.js';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { ModelLoader } from '../../src/services/model-loader.js';
import { PredictionLog } from '../../src/services/prediction-log.js';
import { SqlDeploymentStore } from '../../src/store/sql/sql-deployment-store.js';
import { subjectUnit } from '../../src/system/sticky-assignment.js';
import { ServingService, type ServingServiceDeps } from '../../src/services/serving-service.js';
import type { SiblingPredictionFlush } from '../../src/domain/ports/sibling-prediction-flush.js';
import { SqlPredictionStore } from '../../src/store/sql/sql-prediction-store.js';
import { NO_SERVING_METRICS } from '../../src/domain/ports/serving-metrics.js';
import { systemClock } from '../../src/system/clock.js';
import { deploymentChangedEvent } from '../../src/domain/events.js';
import { newRequestId } from '../../src/domain/serving.js';
import { STORE_KINDS, openTestDatabase, tempDir, type TestDatabase } from '../support/stores.js';
import { testConfig } from '../support/platform.js';
import { ROOT, trainServingVersions } from '../support/serving.js';
import { until } from '../support/wait.js';
import { corruptLocalBlob } from '../support/artifacts.js';

type Json = Record<string, unknown>;
const TEXTS = ['free cash prize winner click now', 'project meeting notes for tuesday'];

for (const kind of STORE_KINDS) {
  describe(`live serving across two processes on ${kind}`, () => {
    let test: TestDatabase;
    const artifacts = tempDir('warden-shared-artifacts-');
    const platforms: Platform[] = [];
    const removers: Array<() => void> = [];
    let trainer: Platform;
    let server: Platform;
    let viewer: { authorization: string };
    let admin: { authorization: string };

    // What `warden server`'s primary relays between its API processes, in one process: a flush
    // request reaches every log that serves it but the asker's.
    const flushes = new Set<() => Promise<void>>();
    const siblings: SiblingPredictionFlush = {
      request: () => {
        for (const flush of flushes) void flush();
      },
      serve: (flush) => {
        flushes.add(flush);
        return () => flushes.delete(flush);
      },
    };

    async function start(subscriber: string, env: Record<string, string>, options: { siblings?: SiblingPredictionFlush } = {}): Promise<Platform> {
      const database = await openSqlDatabase(test.url, { ...(test.schema !== undefined ? { schema: test.schema } : {}), poolSize: 4 });
      const { config, remove } = testConfig({ WARDEN_EVENT_SUBSCRIBER: subscriber, WARDEN_EVENT_POLL_MS: '50', WARDEN_ARTIFACTS_URL: `file:${artifacts.dir}`, ...env });
      removers.push(remove);
      const platform = await createPlatform(config, { database, ...options });
      const close = platform.close;
      Object.assign(platform, {
        close: async () => {
          await close();
          await database.close();
        },
      });
      platforms.push(platform);
      return platform;
    }

    before(async () => {
      test = await openTestDatabase(kind);
      trainer = await start('trainer', { WARDEN_WORKER_CONCURRENCY: '1' });
      server = await start('server', { WARDEN_ROLES: 'api' }, { siblings });
      await trainServingVersions(trainer, 'swap', [2, 6, 3, 4]);
      await trainer.services.registry.deploy('swap', 1, ROOT);
      viewer = { authorization: `Bearer ${(await server.services.auth.issue({ name: 'reader', role: 'viewer' })).plaintext}` };
      admin = { authorization: `Bearer ${server.config.adminToken ?? ''}` };
    });
    after(async () => {
      for (const platform of platforms.reverse()) await platform.close();
      for (const remove of removers) remove();
      artifacts.remove();
      await test.cleanup();
    });

    /** A serving service of its own on B's store, around `loader` (B's events do not reach it: the test hands them over). */
    function standaloneServing(loader: ModelLoader, extra: Pick<ServingServiceDeps, 'siblings' | 'unknownFeedbackWaitMs'> = {}): { serving: ServingService; log: PredictionLog } {
      const log = new PredictionLog({ store: new SqlPredictionStore(server.database), clock: systemClock, metrics: NO_SERVING_METRICS, maxBuffer: 1000, batchSize: 500, flushIntervalMs: 60_000, retentionMs: 60_000 });
      const serving = new ServingService({
        registry: server.services.registry,
        deployments: new SqlDeploymentStore(server.database),
        subjectUnit,
        loader,
        predictionLog: log,
        predictions: new SqlPredictionStore(server.database),
        metrics: NO_SERVING_METRICS,
        clock: systemClock,
        maxBatch: 8,
        ...extra,
      });
      return { serving, log };
    }

    async function predict(url: string, headers: { authorization: string }) {
      const res = await server.app.inject({ method: 'POST', url, headers, payload: { texts: TEXTS } });
      return { status: res.statusCode, body: res.json() as Json };
    }
    const served = (body: Json) => body.predictions as Array<{ version: number; probability: number; arm: string }>;

    it('a Production change under concurrent traffic: zero failed requests, each answer wholly from v1 or v2, never back to v1', async () => {
      // What each version says for the texts, pinned (v1 is archived by the change later, hence admin).
      const expected = new Map<number, number[]>();
      for (const version of [1, 2]) expected.set(version, served((await predict(`/predict/swap/versions/${version}`, admin)).body).map((p) => p.probability));
      assert.notDeepEqual(expected.get(1), expected.get(2), 'the two versions answer differently');

      await until(async () => (await predict('/predict/swap', viewer)).status === 200, 'v1 to serve on B', { timeoutMs: 10_000 });
      let switchedAt = Number.POSITIVE_INFINITY;
      server.services.serving.onLiveChange((model, deployment) => {
        if (model === 'swap' && deployment?.arms[0]?.version.number === 2) switchedAt = Math.min(switchedAt, performance.now());
      });
      const failures: string[] = [];
      const answers: Array<{ client: number; version: number; startedAt: number }> = [];
      let promoted = false;
      const client = async (id: number) => {
        let afterSwitch = 0;
        while (afterSwitch < 15) {
          const startedAt = performance.now();
          const res = await predict('/predict/swap', viewer);
          if (res.status !== 200) {
            failures.push(`${res.status} ${JSON.stringify(res.body)}`);
            continue;
          }
          const versions = new Set(served(res.body).map((p) => p.version));
          const [version] = [...versions];
          if (versions.size !== 1 || version === undefined) {
            failures.push(`mixed versions in one answer: ${JSON.stringify(res.body)}`);
            continue;
          }
          const probabilities = served(res.body).map((p) => p.probability);
          if (JSON.stringify(probabilities) !== JSON.stringify(expected.get(version))) failures.push(`v${version} answered ${JSON.stringify(probabilities)}, not its own numbers`);
          answers.push({ client: id, version, startedAt });
          if (startedAt > switchedAt) afterSwitch++;
          if (!promoted && answers.length >= 40) {
            promoted = true;
            void trainer.services.registry.deploy('swap', 2, ROOT).catch((error: unknown) => failures.push(`deploy failed: ${String(error)}`));
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => client(i)));

      assert.deepEqual(failures, []);
      const versions = new Set(answers.map((a) => a.version));
      assert.deepEqual([...versions].sort(), [1, 2], 'traffic saw both versions');
      for (let c = 0; c < 8; c++) {
        const seen = answers.filter((a) => a.client === c).map((a) => a.version);
        const firstV2 = seen.indexOf(2);
        assert.ok(firstV2 >= 0 && seen.slice(firstV2).every((v) => v === 2), `client ${c} went back to v1: ${seen.join('')}`);
      }
      assert.ok(answers.filter((a) => a.startedAt > switchedAt).every((a) => a.version === 2), 'every request started after the switch got v2');
      process.stdout.write(`# ${kind}: ${answers.length} answers, ${answers.filter((a) => a.version === 1).length} from v1 and the rest from v2, 0 failed\n`);
    });

    it('a deployment started in one process sets the same split in the other within a second, and its end takes it back', async () => {
      await server.services.serving.predict('swap', { requestId: 'warm-split', texts: TEXTS, batch: true });
      const production = (await server.services.registry.productionVersion('swap'))!.number;
      const candidate = production === 1 ? 3 : 1;
      const split = () => server.services.serving.liveDeployment('swap')?.arms.map((a) => `${a.arm} v${a.version.number} ${a.percent}%`).join(', ');
      const started = Date.now();
      const canary = await trainer.services.deployments.start({ model: 'swap', version: candidate, strategy: 'canary', steps: [30, 100], bakeSeconds: 600 }, ROOT);
      await until(() => split() === `baseline v${production} 70%, candidate v${candidate} 30%`, 'the other process to serve the canary split', { timeoutMs: 1_000 });
      const delayMs = Date.now() - started;
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => server.services.serving.predict('swap', { requestId: `split-${i}`, texts: [TEXTS[0]!], batch: false })));
      assert.ok(answers.some((a) => a.predictions[0]!.arm === 'candidate') && answers.some((a) => a.predictions[0]!.arm === 'baseline'), 'both arms answer in the other process');
      await trainer.services.deployments.abort(canary.deployment.id, ROOT, 'done looking');
      await until(() => split() === `production v${production} 100%`, 'the other process to drop the aborted canary', { timeoutMs: 1_000 });
      assert.ok(delayMs < 1_000, `${delayMs} ms`);
    });

    it('a version that fails to load is never switched to: the old one keeps serving, the failure is counted', async () => {
      const v3 = await trainer.services.registry.getVersion('swap', 3);
      corruptLocalBlob(new LocalArtifactStore(artifacts.dir), v3.artifactDigest ?? '');
      await trainer.services.registry.deploy('swap', 3, ROOT);
      const metricsHas = async (pattern: RegExp) => pattern.test((await server.app.inject({ method: 'GET', url: '/metrics', headers: viewer })).body);
      // One try per stage-changed event of the move (v2 leaving Production, v3 entering it): each is counted.
      await until(() => metricsHas(/warden_live_swaps_total\{model="swap",outcome="load-failed"\} [1-9]/), 'the failed swap to be counted on B', { timeoutMs: 10_000 });
      assert.equal(server.services.serving.liveDeployment('swap')?.arms[0]?.version.number, 2);
      const res = await predict('/predict/swap', viewer);
      assert.equal(res.status, 200);
      assert.deepEqual(served(res.body).map((p) => p.version), [2, 2]);
      // The registry says v3 is Production; this process keeps the version it could load.
      assert.equal((await server.services.registry.getVersion('swap', 3)).stage, 'Production');
    });

    it('concurrent first requests load a version once; the cache is bounded (least recently used evicted)', async () => {
      let reads = 0;
      const counting = {
        loadModelArtifact: (digest: unknown) => {
          reads++;
          return server.services.artifacts.loadModelArtifact(digest);
        },
      };
      const { serving, log } = standaloneServing(new ModelLoader({ registry: server.services.registry, artifacts: counting, cacheSize: 1, clock: systemClock }));
      await trainer.services.registry.deploy('swap', 2, ROOT, 'back to the version that loads');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => serving.predict('swap', { requestId: `r${i}`, texts: TEXTS, batch: true })));
      assert.equal(reads, 1, 'twenty concurrent first requests, one artifact read');
      assert.ok(answers.every((a) => a.predictions.every((p) => p.version === 2)));
      // Cache of one: pinned v1 evicts v2's entry; the live deployment keeps its classifier, so live traffic reads nothing.
      await serving.predictPinned('swap', 1, { requestId: 'p1', texts: TEXTS, batch: true }, {});
      assert.equal(reads, 2);
      await serving.predict('swap', { requestId: 'r-live', texts: TEXTS, batch: true });
      assert.equal(reads, 2);
      await serving.predictPinned('swap', 2, { requestId: 'p2', texts: TEXTS, batch: true }, {});
      assert.equal(reads, 3, 'v2 was evicted from the cache of one, so pinning it reads it again');
      await log.close();
    });

    it('blue-green keeps the version it replaced warm for keepWarmSeconds: pinned beyond the cache bound, so switching back reads nothing; after the window it is an ordinary entry', async () => {
      let reads = 0;
      const counting = {
        loadModelArtifact: (digest: unknown) => {
          reads++;
          return server.services.artifacts.loadModelArtifact(digest);
        },
      };
      const now = { value: Date.now() };
      const { serving, log } = standaloneServing(new ModelLoader({ registry: server.services.registry, artifacts: counting, cacheSize: 1, clock: { now: () => now.value } }));
      const liveVersion = () => serving.liveDeployment('swap')?.arms.map((a) => a.version.number);
      const pinned = (version: number) => serving.predictPinned('swap', version, { requestId: `warm-${version}-${reads}`, texts: TEXTS, batch: true }, {});
      assert.equal((await serving.predict('swap', { requestId: 'warm-first', texts: TEXTS, batch: true })).predictions[0]!.version, 2);
      assert.equal(reads, 1);

      const switched = await trainer.services.deployments.start({ model: 'swap', version: 4, strategy: 'blue-green', keepWarmSeconds: 60 }, ROOT);
      assert.equal(switched.deployment.state, 'succeeded', JSON.stringify(switched.deployment.history));
      const event = deploymentChangedEvent(switched.deployment);
      assert.deepEqual(event.keepWarm, { version: 2, until: switched.deployment.endedAt! + 60_000 });
      await serving.onDeploymentChanged(event);
      assert.deepEqual(liveVersion(), [4]);
      assert.equal(reads, 2, 'v4 loaded; v2 was already loaded');
      // A cache of one: loading v1 evicts the least recently used entry that is not kept warm (v4), not v2.
      await pinned(1);
      assert.equal(reads, 3);

      const back = await trainer.services.deployments.rollback('swap', ROOT, 'switch back');
      assert.equal(back.deployment.id, switched.deployment.id);
      assert.equal((await trainer.services.registry.productionVersion('swap'))?.number, 2);
      await serving.onStageChanged({ model: 'swap', from: 'Archived', to: 'Production', version: 2 });
      assert.deepEqual(liveVersion(), [2]);
      assert.equal(reads, 3, 'the switch back within the window read no artifact: v2 was still loaded');

      now.value = event.keepWarm!.until + 1;
      await pinned(4);
      assert.equal(reads, 4, 'v4 had been evicted');
      await pinned(2);
      assert.equal(reads, 5, 'once the window is over, v2 is evicted like any entry (the live deployment keeps its own classifier)');
      await log.close();
    });

    it('feedback given to one process right after the other answered is recorded: it waits for the flush that writes the answer', async () => {
      await until(async () => (await predict('/predict/swap', viewer)).status === 200, 'swap to serve on B', { timeoutMs: 10_000 });
      const answer = await predict('/predict/swap', viewer);
      const ids = (answer.body.predictions as Array<{ id: string }>).map((p) => p.id);
      // B holds the answer in its log buffer until its next flush (WARDEN_PREDICTION_LOG_FLUSH_MS, 1 s here): A has not seen it yet.
      assert.deepEqual(await trainer.database.db.selectFrom('predictions').select('id').where('id', 'in', ids).execute(), []);
      const outcome = await trainer.services.serving.feedback(
        [...ids.map((id) => ({ requestId: id, label: 1 })), { requestId: 'no-such-prediction', label: 0 }],
        { name: 'labeller' },
      );
      assert.deepEqual(
        outcome.map((o) => o.status),
        ['recorded', 'recorded', 'unknown'],
      );
      const saved = await trainer.database.db.selectFrom('predictions').select(['id', 'feedback_label']).where('id', 'in', ids).execute();
      assert.deepEqual(saved.map((r) => Number(r.feedback_label)), [1, 1]);
    });

    it('feedback asks the other serving processes to flush: a label sent the moment its answer arrives is recorded at once, not after their next flush', async () => {
      await until(async () => (await predict('/predict/swap', viewer)).status === 200, 'swap to serve on B', { timeoutMs: 10_000 });
      const wait = server.config.predictionLogFlushMs + 500;
      const { serving, log } = standaloneServing(new ModelLoader({ registry: server.services.registry, artifacts: server.services.artifacts, cacheSize: 1, clock: systemClock }), { siblings, unknownFeedbackWaitMs: wait });
      const answer = await predict('/predict/swap', viewer);
      const ids = (answer.body.predictions as Array<{ id: string }>).map((p) => p.id);
      assert.deepEqual(await server.database.db.selectFrom('predictions').select('id').where('id', 'in', ids).execute(), [], 'still in B\'s buffer');
      const started = performance.now();
      const outcome = await serving.feedback(ids.map((id) => ({ requestId: id, label: 0 })), { name: 'labeller' });
      const took = performance.now() - started;
      assert.deepEqual(outcome.map((o) => o.status), ['recorded', 'recorded']);
      // B's own timer flushes every second (WARDEN_PREDICTION_LOG_FLUSH_MS here): asked, it writes at once.
      assert.ok(took < server.config.predictionLogFlushMs / 2, `recorded after ${took.toFixed(0)} ms`);
      await log.close();
    });

    it('feedback waits only for ids issued within that wait: an older id, or one Warden never issued, is unknown at once', async () => {
      const wait = trainer.config.predictionLogFlushMs + 500;
      const timed = async (requestId: string): Promise<{ status: string; ms: number }> => {
        const started = performance.now();
        const [outcome] = await trainer.services.serving.feedback([{ requestId, label: 0 }], { name: 'labeller' });
        return { status: outcome!.status, ms: performance.now() - started };
      };
      const random = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
      const fresh = await timed(newRequestId(Date.now(), random));
      assert.equal(fresh.status, 'unknown');
      assert.ok(fresh.ms >= wait - 100, `an id issued just now may still be in another process's buffer: waited ${fresh.ms} ms of ${wait}`);
      for (const requestId of [newRequestId(Date.now() - 60_000, random), `${newRequestId(Date.now() - 60_000, random)}.3`, 'no-such-prediction']) {
        const answer = await timed(requestId);
        assert.equal(answer.status, 'unknown');
        assert.ok(answer.ms < wait / 2, `${requestId} cannot be waiting anywhere, yet its answer took ${answer.ms} ms`);
      }
    });
  });
}
