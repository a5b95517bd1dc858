/**
 * The retraining orchestrator on the whole platform (no workers: the retrain jobs stay
 * queued): each trigger leaves one recorded decision; a manual POST /models/retrain keeps
 * its answer and de-duplication; a flapping metric retrains once (its signals handed to the
 * orchestrator here; test/retraining-loop.test.ts drives it through predictions, feedback, the
 * monitor and the alerts' events); a cron firing ticked by two platforms on one store is one
 * decision (test/cluster.test.ts: by two real worker processes).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { SqlRetrainingStore } from '../../src/store/sql/sql-retraining-store.js';
import { RetrainingOrchestrator, type RetrainingOrchestratorDeps } from '../../src/services/retraining-orchestrator.js';
import { policyFor, retrainingPolicies } from '../../src/domain/retraining/index.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import type { RetrainingDecision } from '../../src/domain/retraining/index.js';
import { PLATFORM_MODES, openModePlatform, openPeerPlatform, openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT } from '../support/serving.js';
import type { Platform } from '../../src/main.js';
import type { Job } from '../../src/domain/jobs.js';
import { STORE_KINDS } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';
import { jobEnded, until } from '../support/wait.js';

const POLICY = { cooldownMs: 3_600_000, models: { 'orch-cron': { schedule: '* * * * *' } } };

for (const kind of STORE_KINDS) {
  describe(`retraining orchestrator on ${kind}`, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await openTestPlatform(kind, { WARDEN_RETRAINING_POLICY: JSON.stringify(POLICY) });
      await platform.services.datasets.registerRows(syntheticRows(120), { name: 'orch-data', origin: 'upload' });
      for (const model of ['orch-manual', 'orch-alert', 'orch-cron', 'orch-lost', 'orch-queued', 'orch-fresh', 'orch-failed']) {
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
      const { peer, close } = await peerProcess(platform.services.training);
      try {
        const [mine, theirs] = await Promise.all([platform.services.retraining.tick(120_000), peer.tick(120_000)]);
        const decided = [...mine, ...theirs].filter((d) => d.model === 'orch-cron');
        assert.equal(decided.length, 1, JSON.stringify(decided));
        assert.equal(decided[0]!.outcome, 'retrain');
        assert.equal(decided[0]!.triggers[0]!.kind, 'schedule');
        // The next tick of the same minute finds the same firing: nothing new.
        assert.deepEqual((await platform.services.retraining.tick(120_000)).filter((d) => d.model === 'orch-cron'), []);
        assert.equal((await platform.services.retraining.list({ model: 'orch-cron', trigger: 'schedule', limit: 10 })).length, 1);
      } finally {
        await close();
      }
    });

    /** Another process's orchestrator: its own connection to the same database, `training` its training service. */
    async function peerProcess(training: RetrainingOrchestratorDeps['training']) {
      const second = await openSqlDatabase(platform.testDatabase.url, platform.testDatabase.schema ? { schema: platform.testDatabase.schema } : {});
      const policies = retrainingPolicies(POLICY);
      const peer = new RetrainingOrchestrator({
        store: new SqlRetrainingStore(second),
        training,
        registry: platform.services.registry,
        alerts: platform.services.alerts,
        jobs: platform.services.jobs,
        policyOf: (model) => policyFor(policies, model),
        clock: systemClock,
        ids: randomIds,
      });
      return { peer, close: () => second.close() };
    }

    /**
     * A peer process that records its decisions and then stops (hangs for ever) where it would
     * queue the retrain and record the job: `queueFirst` queues it before stopping.
     */
    function stoppingPeer(queueFirst: boolean) {
      return peerProcess({
        requestRetrain: async (...args) => {
          if (queueFirst) await platform.services.training.requestRetrain(...args);
          return new Promise(() => undefined);
        },
      });
    }
    /** Waits for `model`'s decision to be recorded (the peer never returns it). */
    const decidedFor = (model: string) => until(async () => (await platform.services.retraining.list({ model, limit: 1 }))[0], `a decision for ${model}`, { timeoutMs: 10_000, everyMs: 20 });
    const drop = (model: string, key: string) => ({ kind: 'metric' as const, model, key, at: systemClock.now(), metric: 'accuracy' as const, value: 0.8, baseline: 0.95, support: 5_000 });

    it('a retrain decided by a process that stopped before queueing it is queued again by the repair, once, under the decision\'s own key', async () => {
      const { peer, close } = await stoppingPeer(false);
      try {
        void peer.observe(drop('orch-lost', 'alert:lost-1'));
        const lost = await decidedFor('orch-lost');
        assert.equal(lost.outcome, 'retrain');
        assert.equal(lost.jobId, null);
        const retraining = platform.services.retraining;
        assert.deepEqual((await retraining.repairLost(60_000)).filter((r) => r.model === 'orch-lost'), [], 'not before the grace period: the process may still be queueing');
        const repaired = (await retraining.repairLost(0)).filter((r) => r.model === 'orch-lost');
        assert.deepEqual(repaired.map((r) => [r.id, r.outcome]), [[lost.id, 'requeued']]);
        const after = (await retraining.get(lost.id))!;
        assert.ok(after.jobId !== null);
        assert.deepEqual(after.outcomes.map((o) => [o.kind, o.values.deduplicated]), [['requeued', false]]);
        assert.match(after.outcomes[0]!.detail, /stopped before queueing the retrain; retrain queued by the repair/);
        const job = await platform.services.jobs.get(after.jobId);
        assert.equal(job.kind, 'retrain');
        assert.equal(job.idempotencyKey, `retraining:${lost.id}`);
        assert.deepEqual((await retraining.repairLost(0)).filter((r) => r.model === 'orch-lost'), [], 'a repaired decision is repaired once');
        // The retrain is real, so the cooldown it started still holds.
        const drift = await retraining.observe({ kind: 'drift', model: 'orch-lost', key: 'alert:lost-drift', at: systemClock.now(), descriptor: 'psi:score', statistic: 0.4 });
        assert.equal(drift?.declined[0]?.reason, 'cooldown');
      } finally {
        await close();
      }
    });

    it('a process that queued the retrain but stopped before recording it: the repair finds that job instead of queueing another', async () => {
      const { peer, close } = await stoppingPeer(true);
      try {
        void peer.observe(drop('orch-queued', 'alert:queued-1'));
        const lost = await decidedFor('orch-queued');
        const queued = await until(async () => (await platform.services.jobs.list({ kind: 'retrain', limit: 200 })).items.find((j) => j.idempotencyKey === `retraining:${lost.id}`), 'the peer\'s retrain job');
        const repaired = (await platform.services.retraining.repairLost(0)).filter((r) => r.model === 'orch-queued');
        assert.deepEqual(repaired.map((r) => r.outcome), ['requeued']);
        const after = (await platform.services.retraining.get(lost.id))!;
        assert.equal(after.jobId, queued.id);
        assert.equal(after.outcomes[0]!.values.deduplicated, true);
        assert.equal((await platform.services.jobs.list({ kind: 'retrain', limit: 200 })).items.filter((j) => j.payload.model === 'orch-queued').length, 1, 'one retrain job for the model');
      } finally {
        await close();
      }
    });

    it('a lost retrain on fresh data is marked failed (its own scan queues it again) and gives back the cooldown', async () => {
      const { peer, close } = await stoppingPeer(false);
      try {
        void peer.explicit({ kind: 'fresh-data', model: 'orch-fresh', key: 'fresh:abc', at: systemClock.now(), dataset: 'orch-fresh-fresh v1', rows: 10 }, () => new Promise(() => undefined));
        const lost = await decidedFor('orch-fresh');
        assert.equal(lost.outcome, 'retrain');
        const retraining = platform.services.retraining;
        assert.equal((await retraining.pending('orch-fresh')).state.lastRetrainAt, lost.decidedAt);
        const repaired = (await retraining.repairLost(0)).filter((r) => r.model === 'orch-fresh');
        assert.deepEqual(repaired.map((r) => r.outcome), ['queue-failed']);
        const after = (await retraining.get(lost.id))!;
        assert.equal(after.jobId, null);
        assert.match(after.outcomes[0]!.detail, /fresh data or red-team vulnerabilities is queued again by its own request/);
        assert.equal((await retraining.pending('orch-fresh')).state.lastRetrainAt, null, 'no cooldown from a retrain that did not happen');
        const drift = await retraining.observe({ kind: 'drift', model: 'orch-fresh', key: 'alert:fresh-drift', at: systemClock.now(), descriptor: 'psi:score', statistic: 0.4 });
        assert.equal(drift?.outcome, 'retrain', JSON.stringify(drift));
      } finally {
        await close();
      }
    });

    it('a retrain whose job was cancelled (or failed) is recorded as failed: the cooldown is given back and the metric counts again', async () => {
      const retraining = platform.services.retraining;
      const first = await retraining.observe(drop('orch-failed', 'alert:failed-1'));
      assert.equal(first?.outcome, 'retrain');
      assert.deepEqual((await retraining.pending('orch-failed')).state.disarmed, ['accuracy']);
      // While its job is queued the retrain holds: the same metric dropping again waits.
      const waiting = await retraining.observe(drop('orch-failed', 'alert:failed-2'));
      assert.deepEqual(waiting?.declined.map((d) => d.reason), ['hysteresis']);
      assert.deepEqual((await retraining.repairLost(0)).filter((r) => r.model === 'orch-failed'), [], 'a queued job is not a lost one');
      await platform.services.jobs.cancel(first!.jobId!);
      const repaired = (await retraining.repairLost(0)).filter((r) => r.model === 'orch-failed');
      assert.deepEqual(repaired.map((r) => [r.id, r.outcome]), [[first!.id, 'training-failed']]);
      const after = (await retraining.get(first!.id))!;
      assert.deepEqual(after.outcomes.map((o) => o.kind), ['queued', 'training-failed']);
      assert.match(after.outcomes[1]!.detail, new RegExp(`retrain job ${first!.jobId} cancelled`));
      const { state } = await retraining.pending('orch-failed');
      assert.deepEqual(state, { lastRetrainAt: null, disarmed: [] });
      const again = await retraining.observe(drop('orch-failed', 'alert:failed-3'));
      assert.equal(again?.outcome, 'retrain', JSON.stringify(again));
      assert.notEqual(again?.jobId, first!.jobId);
      assert.deepEqual((await retraining.repairLost(0)).filter((r) => r.model === 'orch-failed'), []);
    });
  });
}

/**
 * Promotion after a decided retrain (with workers, so the retrain runs and its job-finished
 * event reaches the orchestrator): a policy that holds retrains for approval raises the
 * approval-needed alert, and an admin approves (the rollout starts in their name) or rejects
 * (the version stays in Staging); a challenger that loses the comparison is not promoted.
 */
const HELD = { mode: 'approval', strategy: 'blue-green' };
/** A challenger a few of 60 held-out rows apart from its champion still clears the gate. */
const TOLERANT = { metric: 'eval_accuracy', comparison: '>', threshold: 0.8, targetStage: 'Production', tolerance: 0.1 };
/** A canary whose steps outlast the test: only an admin's rollback ends it. */
const SLOW_CANARY = { mode: 'automatic', strategy: 'canary', steps: [50, 100], bakeSeconds: 3_600 };
const PROMOTION_POLICY = { models: { 'held-a': { promotion: HELD }, 'held-r': { promotion: HELD }, 'loser': { promotion: { mode: 'automatic' } }, 'rolled': { promotion: SLOW_CANARY } } };

for (const mode of PLATFORM_MODES) {
  describe(`promotion of a decided retrain on ${mode.name}`, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await openModePlatform(mode, { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_RETRAINING_POLICY: JSON.stringify(PROMOTION_POLICY) });
      await platform.services.datasets.registerRows(syntheticRows(300, 3), { name: 'promo-data', origin: 'upload' });
      for (const model of ['held-a', 'held-r', 'loser', 'rolled']) {
        const job = await platform.services.training.enqueueTraining({ model, family: 'lr', dataset: { datasets: ['promo-data'] }, recipe: { featurizer: SMALL_FEATURES } }, ROOT);
        assert.equal((await jobEnded(platform.services.jobs, job.id, 120_000)).state, 'succeeded');
        assert.equal((await platform.services.registry.getVersion(model, 1)).stage, 'Production');
      }
    });
    after(async () => platform.close());

    /** A metric drop the arbiter acts on, then the decision once its retrain's outcome is recorded past `after`. */
    async function decidedRetrain(model: string, settledBy: readonly string[]): Promise<RetrainingDecision> {
      const decision = await platform.services.retraining.observe({ kind: 'metric', model, key: `alert:${model}`, at: systemClock.now(), metric: 'accuracy', value: 0.5, baseline: 0.99, support: 5_000 });
      assert.equal(decision?.outcome, 'retrain');
      return until(async () => {
        const current = await platform.services.retraining.get(decision.id);
        return current!.outcomes.some((o) => settledBy.includes(o.kind)) ? current : undefined;
      }, `the retrain of ${model} to settle`, { timeoutMs: 120_000, everyMs: 50 });
    }

    const approvalAlert = async (model: string) => (await platform.services.alerts.list({ model, state: 'all', limit: 10 })).alerts.find((a) => a.rule === 'approval-needed');

    it('held for approval: Staging, an approval-needed alert; an admin approves and the rollout promotes it, an editor may not', async () => {
      // The same data with another seed: a different model, as good within the policy's tolerance.
      await platform.services.registry.updateModel('held-a', { policy: TOLERANT, recipe: { ...(await platform.services.registry.getModel('held-a')).recipe, seed: 5 } }, ROOT);
      const held = await decidedRetrain('held-a', ['held', 'rejected']);
      assert.deepEqual(held.outcomes.map((o) => o.kind), ['queued', 'trained', 'compared', 'held'], JSON.stringify(held.outcomes));
      assert.equal((await platform.services.registry.getVersion('held-a', 2)).stage, 'Staging');
      const alert = await approvalAlert('held-a');
      assert.deepEqual([alert?.state, alert?.version, alert?.details.decision], ['open', 2, held.id]);

      const editor = await platform.auth('editor');
      const refused = await platform.app.inject({ method: 'POST', url: `/retraining/${held.id}/approve`, headers: editor, payload: {} });
      assert.equal(refused.statusCode, 403, refused.body);
      const strict = await platform.app.inject({ method: 'POST', url: `/retraining/${held.id}/approve`, headers: await platform.auth('admin'), payload: { reason: 'ok', extra: 1 } });
      assert.equal(strict.statusCode, 400, strict.body);
      const approved = await platform.app.inject({ method: 'POST', url: `/retraining/${held.id}/approve`, headers: await platform.auth('admin'), payload: { reason: 'looked at the flips' } });
      assert.equal(approved.statusCode, 200, approved.body);
      const record = approved.json() as RetrainingDecision;
      assert.deepEqual(record.outcomes.map((o) => o.kind), ['queued', 'trained', 'compared', 'held', 'approved', 'rollout-started', 'promoted']);
      assert.equal(record.outcomes.find((o) => o.kind === 'rollout-started')!.values.by, record.outcomes.find((o) => o.kind === 'approved')!.values.actor, 'the rollout is the approving admin’s');
      assert.equal((await platform.services.registry.getVersion('held-a', 2)).stage, 'Production');
      assert.equal((await platform.services.registry.getVersion('held-a', 1)).stage, 'Archived');
      assert.equal((await approvalAlert('held-a'))?.state, 'resolved');
      const again = await platform.app.inject({ method: 'POST', url: `/retraining/${held.id}/reject`, headers: await platform.auth('admin'), payload: {} });
      assert.equal(again.statusCode, 409, again.body);
    });

    it('a rollout that ends rolled back is recorded as rollout-failed with the deployment’s reason; the old version still serves', async () => {
      await platform.services.registry.updateModel('rolled', { policy: TOLERANT, recipe: { ...(await platform.services.registry.getModel('rolled')).recipe, seed: 7 } }, ROOT);
      const started = await decidedRetrain('rolled', ['rollout-started', 'held', 'rejected']);
      assert.deepEqual(started.outcomes.map((o) => o.kind), ['queued', 'trained', 'compared', 'rollout-started'], JSON.stringify(started.outcomes));
      const rollback = await platform.app.inject({ method: 'POST', url: '/models/rollback', headers: await platform.auth('admin'), payload: { model: 'rolled', reason: 'spikes on the shared queue' } });
      assert.equal(rollback.statusCode, 200, rollback.body);
      const failed = await until(async () => {
        const current = await platform.services.retraining.get(started.id);
        return current!.outcomes.at(-1)!.kind === 'rollout-failed' ? current!.outcomes.at(-1)! : undefined;
      }, 'the rollout-failed outcome', { timeoutMs: 30_000, everyMs: 50 });
      assert.match(failed.detail, /^canary \S+ ended rolled-back \(version 1 takes all traffic back: spikes on the shared queue\): version 2 is not Production, version 1 still serves$/);
      assert.equal(failed.values.why, 'version 1 takes all traffic back: spikes on the shared queue');
      assert.equal((await platform.services.registry.getVersion('rolled', 1)).stage, 'Production');
    });

    it('held for approval and rejected by an admin: the version stays in Staging, the alert resolves', async () => {
      await platform.services.registry.updateModel('held-r', { policy: TOLERANT, recipe: { ...(await platform.services.registry.getModel('held-r')).recipe, seed: 6 } }, ROOT);
      const held = await decidedRetrain('held-r', ['held', 'rejected']);
      assert.equal(held.outcomes.at(-1)!.kind, 'held');
      const rejected = await platform.services.retraining.reject(held.id, ROOT, 'not this week');
      assert.deepEqual(rejected.outcomes.slice(-2).map((o) => o.kind), ['held', 'rejected']);
      assert.match(rejected.outcomes.at(-1)!.detail, /rejected by root: not this week; version 2 stays in Staging/);
      assert.equal((await platform.services.registry.getVersion('held-r', 2)).stage, 'Staging');
      assert.equal((await platform.services.registry.getVersion('held-r', 1)).stage, 'Production');
      assert.equal((await approvalAlert('held-r'))?.state, 'resolved');
    });

    it('a challenger that loses the comparison with Production is not promoted, with the reason', async () => {
      // The recipe's data now has a third of its labels flipped: the retrain learns worse.
      const noisy = syntheticRows(300, 3).map((row, i) => ({ text: row.text, label: (i % 3 === 0 ? 1 - row.label : row.label) as 0 | 1 }));
      await platform.services.datasets.registerRows(noisy, { name: 'promo-data', origin: 'upload' });
      const lost = await decidedRetrain('loser', ['rejected', 'rollout-started', 'held']);
      assert.deepEqual(lost.outcomes.map((o) => o.kind), ['queued', 'trained', 'compared', 'rejected'], JSON.stringify(lost.outcomes));
      assert.equal(lost.outcomes.find((o) => o.kind === 'trained')!.values.cleared, false);
      assert.match(lost.outcomes.at(-1)!.detail, /^not promoted: .*(worse than the champion|significantly better|≤ 0\.9)/);
      assert.equal((await platform.services.registry.getVersion('loser', 2)).stage, 'Staging');
      assert.equal((await platform.services.registry.getVersion('loser', 1)).stage, 'Production');
      assert.equal(await approvalAlert('loser'), undefined);
      assert.deepEqual((await platform.services.deployments.list({ model: 'loser' })).length, 0, 'no rollout started');
    });
  });
}

/**
 * A cron schedule with two workers (two whole platforms in this test process, on one store and
 * queue, each declaring the periodic work and running jobs; test/cluster.test.ts has the same
 * count with two real `warden worker` processes): every firing becomes one signal, one decision
 * and one retrain job, however many platforms ticked it. The schedule fires every 3 s and the
 * ticks run every 0.5 s looking back 1 s, so each firing is seen by two ticks or more, in
 * either platform.
 */
for (const mode of PLATFORM_MODES) {
  describe(`a retraining schedule with two worker platforms in one process on ${mode.name}`, () => {
    const policy = { models: { 'cron-two': { schedule: '*/3 * * * * *', cooldownMs: 0 } } };
    const env = { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_SWEEP_INTERVAL_MS: '500', WARDEN_RETRAINING_POLICY: JSON.stringify(policy) };
    let first: TestPlatform;
    let second: Platform | undefined;
    before(async () => {
      first = await openModePlatform(mode, { ...env, WARDEN_ROLES: 'api,worker,scheduler' });
      second = await openPeerPlatform(first, { ...env, WARDEN_ROLES: 'worker,scheduler' });
      await first.services.datasets.registerRows(syntheticRows(120), { name: 'cron-two-data', origin: 'upload' });
      // A model with a recipe and no version yet: each firing retrains it from the recipe.
      const created = await first.app.inject({
        method: 'POST',
        url: '/models',
        headers: await first.auth('editor'),
        payload: { name: 'cron-two', task: 'spam', recipe: { family: 'lr', dataset: { datasets: [{ name: 'cron-two-data' }] }, featurizer: SMALL_FEATURES } },
      });
      assert.equal(created.statusCode, 201, created.body);
    });
    after(async () => {
      await second?.close();
      await first?.close();
    });

    const jobsOf = async (kind: 'retrain' | 'retraining-schedules'): Promise<Job[]> => {
      const found: Job[] = [];
      let pageToken: string | undefined;
      do {
        const page = await first.services.jobs.list({ kind, limit: 200, ...(pageToken !== undefined ? { pageToken } : {}) });
        found.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      return found;
    };

    it('each firing is one decision and one retrain job, counted over four firings', { timeout: 90_000 }, async () => {
      const FIRINGS = 4;
      // Waits on what happened (decisions whose retrain jobs ended), never on time alone.
      const decided = await until(
        async () => {
          const decisions = (await first.services.retraining.list({ model: 'cron-two', limit: 200 })).reverse();
          if (decisions.length < FIRINGS) return undefined;
          const jobs = await Promise.all(decisions.slice(0, FIRINGS).map((d) => (d.jobId === null ? undefined : first.services.jobs.get(d.jobId))));
          return jobs.every((job) => job !== undefined && ['succeeded', 'failed', 'cancelled'].includes(job.state)) ? decisions.slice(0, FIRINGS) : undefined;
        },
        `${FIRINGS} schedule decisions with their retrains ended`,
        { timeoutMs: 80_000, everyMs: 200 },
      );
      const [retrains, ticks, decisions] = await Promise.all([jobsOf('retrain'), jobsOf('retraining-schedules'), first.services.retraining.list({ model: 'cron-two', limit: 200 })]);

      const firings = decided.map((d) => {
        assert.equal(d.outcome, 'retrain', JSON.stringify(d));
        assert.deepEqual(d.triggers.map((t) => t.kind), ['schedule'], 'one firing per decision');
        assert.deepEqual(d.declined, []);
        return Number(d.triggers[0]!.values.firedAt);
      });
      for (const firedAt of firings) assert.equal(firedAt % 3_000, 0, `a firing of */3: ${firedAt}`);
      assert.equal(new Set(firings).size, FIRINGS, `each firing decided once: ${firings.join(' ')}`);
      // Every firing ever signalled (later ones too) is in exactly one decision.
      const allFirings = decisions.flatMap((d) => d.triggers.map((t) => t.key));
      assert.equal(new Set(allFirings).size, allFirings.length, 'no firing in two decisions');

      // One retrain per firing: its own job, or (a firing while the previous retrain of the same
      // work still runs, e.g. on a loaded machine) that job joined, never a second one.
      const ownJobs = new Set<string>();
      for (const d of decided) {
        // What came of the retrain (trained, compared, promoted …) follows the one `queued`.
        const queuedOutcomes = d.outcomes.filter((o) => o.kind === 'queued' || o.kind === 'requeued');
        assert.equal(queuedOutcomes.length, 1, JSON.stringify(d.outcomes));
        const [queued] = queuedOutcomes;
        assert.equal(queued!.kind, 'queued');
        const own = retrains.filter((job) => job.idempotencyKey === `retraining:${d.id}`);
        if (queued!.values.deduplicated === false) {
          assert.deepEqual(own.map((job) => job.id), [d.jobId], `decision ${d.id}: one retrain job of its own`);
          assert.equal(own[0]!.state, 'succeeded', JSON.stringify(own[0]!.error));
          ownJobs.add(own[0]!.id);
        } else {
          assert.deepEqual(own, [], `decision ${d.id} joined a retrain and queued none`);
          assert.ok(ownJobs.has(d.jobId!), `decision ${d.id} joined the retrain of an earlier firing`);
        }
      }
      assert.ok(ownJobs.size >= 1);
      const known = new Set(decisions.map((d) => `retraining:${d.id}`));
      assert.deepEqual(retrains.filter((job) => job.payload.model === 'cron-two' && !known.has(job.idempotencyKey ?? '')).map((job) => job.id), [], 'no retrain of the model but the decisions\' own');

      // The ticks: one job per window however many platforms declared the schedule. Which of the
      // two in-process workers claims a tick is a race they may not share out; the real-process
      // cluster test (test/cluster.test.ts) waits until both of its workers ran ticks.
      const windows = ticks.map((job) => job.idempotencyKey);
      assert.equal(new Set(windows).size, ticks.length, 'one tick per window');
    });
  });
}
