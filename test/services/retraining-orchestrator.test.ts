/**
 * The retraining orchestrator on the whole platform (no workers: the retrain jobs stay
 * queued): each trigger leaves one recorded decision; a manual POST /models/retrain keeps
 * its answer and de-duplication; a flapping metric retrains once; a cron firing ticked by
 * two processes on one store is one decision.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlRetrainingStore } from '../../src/store/sql/sql-retraining-store.js';
import { RetrainingOrchestrator } from '../../src/services/retraining-orchestrator.js';
import { policyFor, retrainingPolicies } from '../../src/domain/retraining/index.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';

const POLICY = { cooldownMs: 3_600_000, models: { 'orch-cron': { schedule: '* * * * *' } } };

for (const kind of STORE_KINDS) {
  describe(`retraining orchestrator on ${kind}`, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await openTestPlatform(kind, { WARDEN_RETRAINING_POLICY: JSON.stringify(POLICY) });
      await platform.services.datasets.registerRows(syntheticRows(120), { name: 'orch-data', origin: 'upload' });
      for (const model of ['orch-manual', 'orch-alert', 'orch-cron']) {
        await platform.services.training.enqueueTraining({ model, family: 'lr', dataset: { datasets: ['orch-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
      }
    });
    after(async () => platform.close());

    it('POST /models/retrain answers as before and leaves a manual decision naming its job', async () => {
      const editor = await platform.auth('editor');
      const first = await platform.app.inject({ method: 'POST', url: '/models/retrain', headers: editor, payload: { model: 'orch-manual' } });
      assert.equal(first.statusCode, 202, first.body);
      const job = (first.json() as { jobs: Array<{ id: string }> }).jobs[0]!.id;
      const again = await platform.app.inject({ method: 'POST', url: '/models/retrain', headers: editor, payload: { model: 'orch-manual' } });
      assert.equal(again.statusCode, 200, 'the same work still de-duplicates');
      const decisions = await platform.services.retraining.list({ model: 'orch-manual', limit: 10 });
      assert.equal(decisions.length, 2);
      for (const decision of decisions) {
        assert.equal(decision.outcome, 'retrain');
        assert.deepEqual(decision.triggers.map((t) => [t.kind, t.values.actor]), [['manual', 'test-editor']]);
        assert.equal(decision.jobId, job);
        assert.equal(decision.outcomes[0]!.kind, 'queued');
      }
      assert.deepEqual(decisions.map((d) => d.outcomes[0]!.values.deduplicated), [true, false]);
    });

    it('a metric drop with enough labels retrains once; the same metric flapping afterwards does not retrain again', async () => {
      const retraining = platform.services.retraining;
      const now = systemClock.now();
      const drop = await retraining.observe({ kind: 'metric', model: 'orch-alert', key: 'alert:a1', at: now, metric: 'accuracy', value: 0.8, baseline: 0.95, support: 5_000 });
      assert.equal(drop?.outcome, 'retrain');
      assert.ok(drop?.jobId, 'a retrain job was queued');
      const job = await platform.services.jobs.get(drop.jobId);
      assert.equal(job.kind, 'retrain');
      assert.equal(job.payload.trigger, 'metric-drop');
      assert.equal(await retraining.observe({ kind: 'metric', model: 'orch-alert', key: 'alert:a1', at: now, metric: 'accuracy', value: 0.8, baseline: 0.95, support: 5_000 }), undefined, 'a redelivered alert is the same signal');
      for (let i = 0; i < 6; i++) {
        const value = i % 2 === 0 ? 0.92 : 0.85; // crossing the threshold (0.9025) back and forth, never back within half of it
        const decision = await retraining.onAlertFired({
          type: 'alert-fired', alertId: `flap-${i}`, fingerprint: 'f', rule: 'drift', kind: 'drift', severity: 'warning', model: 'orch-alert', version: 1, metric: 'psi:score', value, baseline: null, summary: 'drift', silenced: false, at: now + i,
        });
        assert.equal(decision?.outcome, 'no-retrain');
        assert.equal(decision?.declined[0]?.reason, 'cooldown');
        const metric = await retraining.observe({ kind: 'metric', model: 'orch-alert', key: `alert:m${i}`, at: now + i, metric: 'accuracy', value, baseline: 0.95, support: 5_000 });
        assert.equal(metric?.outcome, 'no-retrain');
      }
      const retrains = await retraining.list({ model: 'orch-alert', outcome: 'retrain', limit: 10 });
      assert.equal(retrains.length, 1);
      const { signals, state } = await retraining.pending('orch-alert');
      assert.deepEqual(signals, []);
      assert.deepEqual(state.disarmed, ['accuracy']);
    });

    it('a cron firing ticked by two processes sharing the store is one signal and one decision', async () => {
      const second = await openSqlDatabase(platform.testDatabase.url, platform.testDatabase.schema ? { schema: platform.testDatabase.schema } : {});
      try {
        const policies = retrainingPolicies(POLICY);
        const peer = new RetrainingOrchestrator({
          store: new SqlRetrainingStore(second),
          training: platform.services.training,
          registry: platform.services.registry,
          alerts: platform.services.alerts,
          policyOf: (model) => policyFor(policies, model),
          clock: systemClock,
          ids: randomIds,
        });
        const [mine, theirs] = await Promise.all([platform.services.retraining.tick(120_000), peer.tick(120_000)]);
        const decided = [...mine, ...theirs].filter((d) => d.model === 'orch-cron');
        assert.equal(decided.length, 1, JSON.stringify(decided));
        assert.equal(decided[0]!.outcome, 'retrain');
        assert.equal(decided[0]!.triggers[0]!.kind, 'schedule');
        // The next tick of the same minute finds the same firing: nothing new.
        assert.deepEqual((await platform.services.retraining.tick(120_000)).filter((d) => d.model === 'orch-cron'), []);
        assert.equal((await platform.services.retraining.list({ model: 'orch-cron', trigger: 'schedule', limit: 10 })).length, 1);
      } finally {
        await second.close();
      }
    });
  });
}
