/**
 * Red-team campaigns through the real platform (real trained models, the real attack library,
 * the real queue and outbox), on SQLite and PostgreSQL: a campaign's results and ledger,
 * de-duplication across campaigns, the replay against the task's other models; and the
 * platform's rule — the task's unused vulnerabilities reaching the threshold retrain every
 * model of the task exactly once, also with two platforms (processes) racing on one database,
 * each new version recording the vulnerabilities it trained on.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPlatform, type Platform } from '../../src/main.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/store/sql/database.js';
import { VULNERABILITY_TRIGGER_TAG } from '../../src/services/training-service.js';
import { ATTACK_FAMILIES } from '../../src/ml/redteam/index.js';
import type { Campaign } from '../../src/domain/redteam/index.js';
import type { VulnerabilitiesThresholdReachedEvent } from '../../src/domain/ports/domain-events.js';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';
import { until } from '../support/wait.js';

const THRESHOLD = 2;
const TASK = 'spam-rt';
const actor = { name: 'test' };

for (const kind of STORE_KINDS) {
  describe(`red-team campaigns and retraining from vulnerabilities on ${kind}`, () => {
    let a: TestPlatform;
    let b: Platform;
    let bDatabase: SqlDatabase;
    let removeBHome: () => void;

    before(async () => {
      const env = { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_REDTEAM_RETRAIN_THRESHOLD: String(THRESHOLD), WARDEN_EVENT_POLL_MS: '100' };
      a = await openTestPlatform(kind, { ...env, WARDEN_EVENT_SUBSCRIBER: 'platform-a' });
      // A second platform (another process) on the same database.
      bDatabase = await openSqlDatabase(a.testDatabase.url, a.testDatabase.schema !== undefined ? { schema: a.testDatabase.schema } : {});
      const second = testConfig({ ...env, WARDEN_EVENT_SUBSCRIBER: 'platform-b' });
      removeBHome = second.remove;
      b = await createPlatform({ ...second.config, artifactsRoot: a.config.artifactsRoot, artifactsUrl: a.config.artifactsUrl }, { database: bDatabase });

      await a.services.datasets.registerRows(syntheticRows(300, 3), { name: 'rt-data', origin: 'upload' });
      const train = (model: string, task: string) =>
        a.services.training.enqueueTraining({ model, task, family: 'lr', dataset: { datasets: ['rt-data'] }, recipe: { featurizer: SMALL_FEATURES } }, actor);
      const jobs = [await train('rt-a', TASK), await train('rt-b', TASK), await train('rt-other', 'url-rt')];
      for (const job of jobs) assert.equal((await waitForJob(a.services.jobs, job.id, 120_000)).state, 'succeeded');
    });
    after(async () => {
      await b.close();
      await bDatabase.close();
      removeBHome();
      await a.close();
    });

    async function runCampaign(platform: Platform, model: string, options: { families?: string[]; maxInputs?: number } = {}): Promise<Campaign> {
      const started = await platform.services.redteam.startCampaign({ model, version: 1, maxInputs: options.maxInputs ?? 40, ...(options.families ? { families: options.families } : {}) }, actor);
      // The answer is the campaign as stored when it is read back: an idle worker may have started it already.
      assert.ok(started.state === 'queued' || started.state === 'running', started.state);
      const job = await waitForJob(platform.services.jobs, started.jobId, 120_000);
      assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
      return platform.services.redteam.getCampaign(started.id);
    }

    it('a campaign attacks the malicious held-out rows with every family and reports each one (TextAttack counting)', async () => {
      const campaign = await runCampaign(a, 'rt-a');
      assert.equal(campaign.state, 'succeeded');
      assert.equal(campaign.task, TASK);
      // The job records what the campaign used, like a training run.
      const usage = ((await a.services.jobs.get(campaign.id)).result as { resourceUsage?: Record<string, number> }).resourceUsage;
      assert.ok(usage !== undefined && usage.cpuSeconds! > 0 && usage.peakRssBytes! > 0 && usage.wallSeconds! > 0, JSON.stringify(usage));
      const results = campaign.results!;
      assert.deepEqual(results.perFamily.map((f) => f.family), ATTACK_FAMILIES.filter((f) => results.perFamily.some((r) => r.family === f)));
      assert.ok(results.perFamily.length >= 5, `every family of the library ran: ${results.perFamily.map((f) => f.family).join(', ')}`);
      const overall = results.overall;
      assert.ok(overall.inputs > 0 && overall.inputs <= 40);
      assert.equal(overall.successes + overall.failures + overall.skipped, overall.inputs);
      for (const family of results.perFamily) {
        assert.equal(family.successes + family.failures + family.skipped, overall.inputs, family.family);
        assert.ok(family.successes <= overall.successes, 'the campaign evades an input when any family does');
        if (family.attackSuccessRate !== null) assert.equal(family.attackSuccessRate, family.successes / (family.successes + family.failures));
      }
      const tried = overall.successes + overall.failures;
      // Every original once, plus one query per transform per tried input, plus what the search spent (within its budget).
      const transforms = results.perAttack.filter((r) => r.family !== 'search');
      for (const row of transforms) assert.equal(row.queries, row.inputs + tried, row.attack);
      const search = results.perAttack.filter((r) => r.family === 'search');
      assert.ok(search.length > 0, 'the score-guided search ran too');
      for (const row of search) assert.ok(row.queries <= row.inputs + tried * 200, row.attack);
      assert.equal(overall.queries, overall.inputs + results.perAttack.reduce((sum, r) => sum + r.queries - r.inputs, 0));
      assert.ok(overall.successes > 0, 'an encoding or dilution attack evades a bag-of-n-grams model');
      assert.equal(campaign.verdict, 'evaded');
      assert.ok(results.examples.length > 0);

      // The ledger holds one entry per unique evasion, found against rt-a v1.
      const ledger = await a.services.redteam.listVulnerabilities({ campaignId: campaign.id, limit: 500 });
      assert.equal(ledger.length, campaign.findings!.new);
      assert.ok(campaign.findings!.evasions >= campaign.findings!.new);
      for (const v of ledger) {
        assert.deepEqual([v.task, v.model, v.version], [TASK, 'rt-a', 1]);
        assert.ok(v.chain[0] === v.attack && v.score < results.threshold);
        assert.ok(v.evades.some((e) => e.model === 'rt-a' && e.version === 1));
      }
      // New findings were replayed against the task's other model, never against another task's.
      const replayed = campaign.findings!.replayed;
      assert.deepEqual(replayed.map((r) => r.model), ['rt-b']);
      assert.equal(replayed[0]!.tried, campaign.findings!.new);
      const alsoEvadeB = ledger.filter((v) => v.evades.some((e) => e.model === 'rt-b')).length;
      assert.equal(alsoEvadeB, replayed[0]!.evaded);

      const job = await a.services.jobs.get(campaign.jobId);
      assert.deepEqual([job.progress?.phase, job.progress?.fraction], ['done', 1]);
      const logs = (await a.services.jobs.logs(campaign.jobId)).map((l) => l.line).join('\n');
      assert.match(logs, /malicious inputs \(held-out\)/);
    });

    it('the same campaign again finds the same evasions and adds nothing to the ledger (de-duplicated by signature)', async () => {
      const first = (await a.services.redteam.listCampaigns({ model: 'rt-a', limit: 1 }))[0]!;
      const again = await runCampaign(b, 'rt-a');
      assert.equal(again.findings!.evasions, first.findings!.evasions);
      assert.equal(again.findings!.new, 0);
      assert.deepEqual(again.results!.overall, first.results!.overall);
    });

    it('reaching the threshold retrains every model of the task exactly once per trigger, also with two platforms racing; each version records what it trained on', async () => {
      // Both platforms attack the other model at once; each campaign ends with a threshold check.
      await Promise.all([runCampaign(a, 'rt-b', { families: ['token-splitting'] }), runCampaign(b, 'rt-b', { families: ['invisible-unicode'] })]);
      // …and checks race on top of the campaigns' own.
      await Promise.all([a.services.redteam.checkThreshold(TASK), b.services.redteam.checkThreshold(TASK), a.services.redteam.checkThreshold(TASK)]);

      const triggers = await a.testDatabase.database.db.selectFrom('vulnerability_triggers').selectAll().where('task', '=', TASK).execute();
      const summary = await a.services.redteam.ledgerSummary(TASK);
      assert.ok(triggers.length >= 1, `the campaigns found more than ${THRESHOLD} unique evasions: ${JSON.stringify(summary)}`);
      assert.ok(summary.unused < THRESHOLD, `the rule leaves fewer than the threshold unused: ${JSON.stringify(summary)}`);
      const claimed = summary.claimed + summary.used;
      assert.equal(
        triggers.reduce((sum, t) => sum + Number(t.vulnerabilities), 0),
        claimed,
        'each vulnerability is claimed by exactly one trigger',
      );

      // One retrain per model of the task per trigger, whichever process handled the event.
      const retrainsOf = async () => (await a.services.jobs.list({ kind: 'retrain', limit: 200 })).items.filter((j) => j.payload.trigger === 'vulnerabilities');
      await until(async () => (await retrainsOf()).length === triggers.length * 2, `${triggers.length * 2} vulnerability retrains`, { timeoutMs: 30_000, everyMs: 50 });
      const retrains = await retrainsOf();
      assert.deepEqual(retrains.map((j) => j.payload.model).sort(), Array.from({ length: triggers.length }, () => ['rt-a', 'rt-b']).flat().sort());
      for (const job of retrains) assert.equal((await waitForJob(a.services.jobs, job.id, 120_000)).state, 'succeeded', JSON.stringify(job.error));
      // Each retrain went through the orchestrator: one recorded decision a model, acted on the red team's trigger, naming its job.
      for (const model of ['rt-a', 'rt-b']) {
        const decided = await a.services.retraining.list({ model, trigger: 'vulnerabilities', limit: 50 });
        assert.deepEqual(decided.map((d) => [d.outcome, d.triggers.map((t) => t.kind)]), Array.from({ length: triggers.length }, () => ['retrain', ['vulnerabilities']]));
        assert.deepEqual(decided.map((d) => d.jobId).sort(), retrains.filter((j) => j.payload.model === model).map((j) => j.id).sort());
      }

      // The event delivered again (at least once) by either process queues nothing new.
      for (const trigger of triggers) {
        const event: VulnerabilitiesThresholdReachedEvent = { type: 'vulnerabilities-threshold-reached', task: TASK, triggerId: trigger.id, vulnerabilities: Number(trigger.vulnerabilities), threshold: THRESHOLD, at: Date.now() };
        const [fromA, fromB] = await Promise.all([a.services.redteam.onThresholdReached(event), b.services.redteam.onThresholdReached(event)]);
        assert.deepEqual(fromA.map((j) => j.id).sort(), fromB.map((j) => j.id).sort());
        for (const job of fromA) assert.ok(retrains.some((r) => r.id === job.id), 'the same job as before');
      }
      assert.equal((await retrainsOf()).length, triggers.length * 2);

      // Lineage: each new version names its trigger, trained on the task's vulnerability corpus, and the vulnerabilities list it as a user.
      for (const model of ['rt-a', 'rt-b']) {
        const versions = (await a.services.registry.searchVersions(model, { tag: `warden.trigger=vulnerabilities`, limit: 10 })).items;
        assert.equal(versions.length, triggers.length, model);
        for (const version of versions) {
          const triggerId = version.tags[VULNERABILITY_TRIGGER_TAG]!;
          assert.ok(triggers.some((t) => t.id === triggerId));
          const trainedOn = await Promise.all(version.datasetDigests.map((d) => a.services.datasets.getBySha256(d)));
          const corpus = trainedOn.find((d) => `${d.name}@${d.version}` === version.tags['warden.vulnerability_corpus']);
          assert.equal(corpus?.name, `redteam-${TASK}`, JSON.stringify(trainedOn.map((d) => d.name)));
          assert.equal(corpus.origin, 'vulnerability-corpus');
          const used = await a.services.redteam.listVulnerabilities({ usedBy: `${model}@${version.number}`, limit: 500 });
          assert.equal(used.length, Number(triggers.find((t) => t.id === triggerId)!.vulnerabilities));
          for (const v of used) assert.ok(v.usedAt !== null);
        }
      }
      assert.equal((await a.services.redteam.ledgerSummary(TASK)).claimed, 0, 'every claimed vulnerability is used once its retrains succeeded');
      // The other task's model was not retrained.
      assert.equal((await a.services.registry.searchVersions('rt-other', { limit: 10 })).items.length, 1);
    });

    it('a robustness gate in the promotion policy keeps out of Production a version an old evasion comes back on, the verdict as the reason', async () => {
      const admin = { name: 'root', role: 'admin' as const };
      const gated = (robustness: Record<string, unknown>) => ({ metric: 'eval_accuracy', comparison: '>=', threshold: 0, targetStage: 'Production', robustness });
      // rt-c learns exactly what rt-a v1 learnt (same data, recipe and seed), none of the vulnerabilities retrained into rt-a and rt-b since.
      await a.services.registry.createModel({ name: 'rt-c', task: TASK, policy: gated({ replayLedger: true, maxAttackSuccessRate: 1 }) }, admin);
      const first = await a.services.training.enqueueTraining({ model: 'rt-c', family: 'lr', dataset: { datasets: ['rt-data'] }, recipe: { featurizer: SMALL_FEATURES } }, actor);
      const refused = await waitForJob(a.services.jobs, first.id, 120_000);
      assert.equal(refused.state, 'succeeded', JSON.stringify(refused.error));
      const refusal = refused.result as { stage: string; autoStageReason: string };
      assert.equal(refusal.stage, 'Staging');
      assert.match(refusal.autoStageReason, /robustness: [1-9]\d* of [1-9]\d* vulnerabilities already trained on evade it again → Staging/);
      const history = await a.services.registry.history('rt-c', { version: 1 });
      assert.equal(history.items.at(-1)!.reason, refusal.autoStageReason, 'the verdict is the transition’s reason');

      // The same gate without the ledger replay: the attack success bound holds, and the pass is in the reason.
      await a.services.registry.updateModel('rt-c', { policy: gated({ maxAttackSuccessRate: 1 }) }, admin);
      const { job } = await a.services.training.requestRetrain('rt-c', actor);
      const passed = (await waitForJob(a.services.jobs, job.id, 120_000)).result as { stage: string; autoStageReason: string };
      // A retrain clears the gate but stays in Staging: its retraining decision promotes it (retraining-orchestrator.ts).
      assert.equal(passed.stage, 'Staging', passed.autoStageReason);
      assert.match(passed.autoStageReason, /robustness: attack success \d+\.\d % ≤ 100\.0 %: cleared for Production, which a retrain reaches through its retraining decision → Staging$/);
    });

    it('refuses what a campaign could not attack, naming the field; a named dataset needs the admin role', async () => {
      const redteam = a.services.redteam;
      await assert.rejects(redteam.startCampaign({ model: 'rt-a', version: 1, families: ['nope'] }, actor), /families\[0\]|unknown attack family/);
      await assert.rejects(redteam.startCampaign({ model: 'rt-a', version: 99 }, actor), (e: Error & { code?: string }) => e.code === 'VERSION_NOT_FOUND');
      await assert.rejects(redteam.startCampaign({ model: 'rt-a', version: 1, maxInputs: 0 }, actor), /maxInputs/);
      await assert.rejects(redteam.startCampaign({ model: 'rt-a', version: 1, dataset: 'rt-data' }, { name: 'ed', role: 'editor' }), (e: Error & { code?: string }) => e.code === 'FORBIDDEN');
      const onDataset = await redteam.startCampaign({ model: 'rt-a', version: 1, dataset: 'rt-data', maxInputs: 10, families: ['encoding'] }, { name: 'root', role: 'admin' });
      assert.equal((await waitForJob(a.services.jobs, onDataset.jobId, 60_000)).state, 'succeeded');
      const done = await redteam.getCampaign(onDataset.id);
      assert.deepEqual([done.settings.source, done.settings.dataset?.name, done.results!.overall.inputs], ['dataset', 'rt-data', 10]);
      await assert.rejects(redteam.getCampaign('missing'), (e: Error & { code?: string }) => e.code === 'CAMPAIGN_NOT_FOUND');
    });
  });
}
