import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isWardenError } from '../../src/domain/errors.js';
import { MAX_METRIC_KEY_LENGTH } from '../../src/domain/metric-keys.js';
import { validateKey } from '../../src/domain/tracking/run-data.js';
import { ArtifactService } from '../../src/services/artifact-service.js';
import { RegistryService, type Actor } from '../../src/services/registry-service.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { TrackingService } from '../../src/services/tracking-service.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { SqlArtifactIndex } from '../../src/store/sql/sql-artifact-index.js';
import type { StagingEvidence } from '../../src/domain/registry/index.js';
import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';
import { SqlDeploymentStore } from '../../src/store/sql/sql-deployment-store.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { openTestDatabase, tempDir, type TestDatabase } from '../support/stores.js';

function isCode(code: string, field?: string) {
  return (error: unknown) => {
    assert.ok(isWardenError(error), `expected WardenError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  };
}

const admin: Actor = { name: 'root', role: 'admin' };
const editor: Actor = { name: 'ed', role: 'editor' };
/** What a Warden training job started by the platform brings: computed metrics, a verified artifact. */
const computed: StagingEvidence = { metricsSource: 'warden', artifactVerified: true, initiator: { kind: 'system', name: 'warden-training' }, recipeAuthor: null, champion: null };
function againstChampion(championVersionId: string, championNumber: number, challenger: number, champion: number): StagingEvidence {
  return {
    ...computed,
    champion: {
      championVersionId,
      championNumber,
      rows: 400,
      challengerMetrics: { eval_accuracy: challenger },
      championMetrics: { eval_accuracy: champion },
      onlyChallengerRight: 12,
      onlyChampionRight: 4,
      pValue: 0.08,
    },
  };
}
const digest = (c: string) => c.repeat(64);

describe('RegistryService (SQLite)', () => {
  let test: TestDatabase;
  let temp: { dir: string; remove(): void };
  let registry: RegistryService;
  let tracking: TrackingService;
  let artifacts: ArtifactService;
  let runId: string;
  let now = 1_700_000_000_000;
  let seq = 0;
  /** Uploads `text` as an artifact of the test run and returns its sha256. */
  const storedBlob = async (text: string): Promise<string> =>
    (await artifacts.upload(runId, { name: `${text}-${++seq}.bin` }, (async function* () {
      yield Buffer.from(text);
    })())).sha256;
  before(async () => {
    test = await openTestDatabase('sqlite');
    temp = tempDir('warden-registry-');
    tracking = new TrackingService({ store: new SqlTrackingStore(test.database), clock: systemClock, ids: randomIds });
    artifacts = new ArtifactService({
      store: new LocalArtifactStore(temp.dir),
      index: new SqlArtifactIndex(test.database),
      runs: new SqlTrackingStore(test.database),
      clock: systemClock,
      ids: randomIds,
      maxArtifactBytes: 1024 * 1024,
    });
    registry = new RegistryService({
      store: new SqlRegistryStore(test.database),
      artifacts,
      runs: tracking,
      clock: { now: () => (now += 1000) },
      ids: { next: () => `id${(++seq).toString().padStart(8, '0')}` },
      deployments: new SqlDeploymentStore(test.database),
    });
    runId = (await tracking.createRun({ experimentName: 'registry-test' })).id;
  });
  after(async () => {
    await test.cleanup();
    temp.remove();
  });

  it('creates a model with the default policy and refuses bad input naming the field', async () => {
    const model = await registry.createModel({ name: 'spam', task: 'spam', description: 'mail filter', tags: { team: 'mail' } }, editor);
    assert.equal(model.name, 'spam');
    assert.deepEqual(model.policy, { enabled: true, metric: 'eval_accuracy', comparison: '>', threshold: 0.9, targetStage: 'Production', otherwiseStage: 'Staging', tolerance: 0.01, alpha: 0.05 });
    await assert.rejects(registry.createModel({ name: 'spam', task: 'spam' }, editor), isCode('MODEL_ALREADY_EXISTS', 'name'));
    await assert.rejects(registry.createModel({ name: 'Bad Name', task: 'spam' }, editor), isCode('VALIDATION_FAILED', 'name'));
    await assert.rejects(registry.createModel({ name: 'status', task: 'spam' }, editor), isCode('NAME_RESERVED', 'name'));
    await assert.rejects(registry.createModel({ name: 'ok', task: '' }, editor), isCode('VALIDATION_FAILED', 'task'));
    await assert.rejects(registry.createModel({ name: 'ok', task: 'spam', tags: { k: 1 as unknown as string } }, editor), isCode('VALIDATION_FAILED', 'tags.k'));
    await assert.rejects(registry.createModel({ name: 'ok', task: 'spam', policy: { metric: 'f1', comparison: '>', threshold: 2, targetStage: 'Nope' } }, admin), isCode('VALIDATION_FAILED', 'policy.targetStage'));
    await assert.rejects(registry.getModel('ok'), isCode('MODEL_NOT_FOUND'));
  });

  it('registers versions with auto-stage per the default policy, recording the rule in the history', async () => {
    const v1 = await registry.registerVersion('spam', { metrics: { eval_accuracy: 0.93 }, recipeFingerprint: 'logreg-1', datasetDigests: [digest('a')] }, editor, computed);
    assert.equal(v1.version.stage, 'Production');
    assert.equal(v1.version.semver, 'v1.0');
    assert.equal(v1.autoStage.stage, 'Production');
    assert.match(v1.autoStage.reason, /eval_accuracy 0\.93 > 0\.9 → Production/);
    const v2 = await registry.registerVersion('spam', { metrics: { eval_accuracy: 0.85 }, recipeFingerprint: 'logreg-1', parent: 1 }, editor);
    assert.equal(v2.version.stage, 'Staging');
    assert.equal(v2.version.semver, 'v1.1');
    assert.equal(v2.version.retrainingCount, 1);
    assert.match(v2.transitions[0]?.reason ?? '', /eval_accuracy 0\.85 ≤ 0\.9 → Staging/);
    const v3 = await registry.registerVersion('spam', { status: 'FAILED', metrics: { eval_accuracy: 0.99 }, recipeFingerprint: 'cnn-1' }, editor);
    assert.equal(v3.version.stage, 'None');
    assert.equal(v3.version.semver, 'v2.0');
    assert.match(v3.transitions[0]?.reason ?? '', /status FAILED → None/);
    // a better version takes Production and archives v1 in the same transaction
    const v4 = await registry.registerVersion('spam', { metrics: { eval_accuracy: 0.97 }, recipeFingerprint: 'logreg-1', parent: 'v1.1' }, editor, againstChampion(v1.version.id, 1, 0.97, 0.93));
    assert.equal(v4.version.stage, 'Production');
    assert.equal(v4.version.semver, 'v1.2');
    assert.equal(v4.version.parentVersion, 2);
    assert.equal(v4.version.retrainingCount, 2);
    assert.deepEqual(v4.transitions.map((t) => [t.versionNumber, t.from, t.to]), [
      [1, 'Production', 'Archived'],
      [4, 'None', 'Production'],
    ]);
    assert.match(v4.autoStage.reason, /holds up against the champion: eval_accuracy 0\.97 vs 0\.93/);
    assert.equal((await registry.getVersion('spam', 1)).stage, 'Archived');
    const history = await registry.history('spam');
    assert.deepEqual(history.items.map((t) => [t.seq, t.versionNumber, t.from, t.to, t.actor]), [
      [1, 1, 'None', 'Production', 'ed'],
      [2, 2, 'None', 'Staging', 'ed'],
      [3, 3, 'None', 'None', 'ed'],
      [4, 1, 'Production', 'Archived', 'ed'],
      [5, 4, 'None', 'Production', 'ed'],
    ]);
  });

  it('self-reported metrics reach Staging at most, saying why; a worse challenger stays in Staging', async () => {
    await registry.createModel({ name: 'claims', task: 'spam' }, editor);
    for (const actor of [editor, admin]) {
      const claimed = await registry.registerVersion('claims', { metrics: { eval_accuracy: 0.999 } }, actor);
      assert.equal(claimed.version.stage, 'Staging');
      assert.match(claimed.autoStage.reason, /eval_accuracy 0\.999 > 0\.9, but the metrics were reported by the caller, not computed by Warden/);
    }
    const champion = await registry.registerVersion('claims', { metrics: { eval_accuracy: 0.95 } }, editor, computed);
    assert.equal(champion.version.stage, 'Production');
    const worse = await registry.registerVersion('claims', { metrics: { eval_accuracy: 0.94 } }, editor, againstChampion(champion.version.id, champion.version.number, 0.92, 0.95));
    assert.equal(worse.version.stage, 'Staging');
    assert.match(worse.autoStage.reason, /challenger is worse than the champion: eval_accuracy 0\.92 vs 0\.95/);
    const unjudged = await registry.registerVersion('claims', { metrics: { eval_accuracy: 0.99 } }, editor, computed);
    assert.equal(unjudged.version.stage, 'Staging');
    assert.match(unjudged.autoStage.reason, /not compared with the current Production version 3/);
    assert.equal((await registry.getVersion('claims', 3)).stage, 'Production');
    await registry.archive('claims', 3, admin, 'test model done', true);
    await registry.deleteModel('claims', admin);
  });

  it('validates version input naming the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ status: 'DONE' }, 'status'],
      [{ metrics: { eval_accuracy: 'high' } }, 'metrics.eval_accuracy'],
      [{ metrics: { 'bad key': 1 } }, 'metrics.bad key'],
      [{ datasetDigests: ['nope'] }, 'datasetDigests[0]'],
      [{ artifactDigest: 'xyz' }, 'artifactDigest'],
      [{ parent: 'v9.9' }, 'parent'],
      [{ parent: 0 }, 'parent'],
      [{ resourceUsage: { cpu: Infinity } }, 'resourceUsage.cpu'],
      [{ recipeFingerprint: '' }, 'recipeFingerprint'],
    ];
    for (const [input, field] of bad) {
      await assert.rejects(registry.registerVersion('spam', input as never, editor), (error: unknown) => {
        assert.ok(isWardenError(error));
        assert.equal(error.field, field, `${JSON.stringify(input)}: ${error.message}`);
        return true;
      });
    }
    await assert.rejects(registry.registerVersion('nope', {}, editor), isCode('MODEL_NOT_FOUND'));
    // nothing half-written: the model still has 4 versions
    assert.equal((await registry.getModel('spam')).latestVersion, 4);
  });

  it('a policy is an admin\'s to give, at creation as at any later change (one rule)', async () => {
    const policy = { metric: 'eval_accuracy', comparison: '>', threshold: 0.1, targetStage: 'Production' };
    await assert.rejects(registry.createModel({ name: 'zz-lax', task: 'spam', policy }, editor), isCode('FORBIDDEN', 'policy'));
    await assert.rejects(registry.getModel('zz-lax'), isCode('MODEL_NOT_FOUND'));
    await registry.createModel({ name: 'zz-lax', task: 'spam' }, editor);
    await assert.rejects(registry.updateModel('zz-lax', { policy }, editor), isCode('FORBIDDEN', 'policy'));
    assert.deepEqual((await registry.updateModel('zz-lax', { policy }, admin)).policy, { enabled: true, ...policy, otherwiseStage: 'Staging', tolerance: 0.01, alpha: 0.05 });
  });

  it('registers a version only when its artifact blob and source run exist, storing digests bare', async () => {
    await registry.createModel({ name: 'zrefs', task: 'spam' }, editor);
    const blob = await storedBlob('model weights');
    await assert.rejects(registry.registerVersion('zrefs', { artifactDigest: digest('d') }, editor), isCode('ARTIFACT_NOT_FOUND', 'artifactDigest'));
    await assert.rejects(registry.registerVersion('zrefs', { artifactDigest: blob, sourceRunId: 'no-such-run' }, editor), isCode('RUN_NOT_FOUND', 'sourceRunId'));
    await assert.rejects(registry.registerVersion('zrefs', { sourceRunId: 'no-such-run' }, editor), isCode('RUN_NOT_FOUND', 'sourceRunId'));
    await assert.rejects(registry.registerVersion('zrefs', { datasetDigests: [`sha256:${digest('g')}`] }, editor), isCode('VALIDATION_FAILED', 'datasetDigests[0]'));
    assert.equal((await registry.getModel('zrefs')).latestVersion, 0, 'a refused registration takes no version number');
    const ok = await registry.registerVersion('zrefs', { artifactDigest: `sha256:${blob}`, sourceRunId: runId, datasetDigests: [`sha256:${digest('e')}`, digest('f')] }, editor);
    assert.equal(ok.version.artifactDigest, blob);
    assert.equal(ok.version.sourceRunId, runId);
    assert.deepEqual(ok.version.datasetDigests, [digest('e'), digest('f')]);
    assert.deepEqual((await registry.getVersion('zrefs', 1)).datasetDigests, [digest('e'), digest('f')]);
  });

  it('takes every metric key a run can log: one length rule for version metrics, policies and searches', async () => {
    const longest = `eval_${'k'.repeat(MAX_METRIC_KEY_LENGTH - 5)}`;
    const tooLong = `${longest}x`;
    // What tracking accepts is what the registry must accept, or a trained version could not be registered.
    assert.equal(validateKey(longest, 'key'), longest);
    assert.throws(() => validateKey(tooLong, 'key'), isCode('VALIDATION_FAILED', 'key'));
    await registry.createModel({ name: 'zkeys', task: 'spam', policy: { metric: longest, comparison: '>', threshold: 0.5, targetStage: 'Staging' } }, admin);
    const registered = await registry.registerVersion('zkeys', { metrics: { [longest]: 0.9 } }, editor);
    assert.equal(registered.version.stage, 'Staging');
    assert.equal((await registry.searchVersions('zkeys', { metric: `${longest}>0.5` })).items.length, 1);
    await assert.rejects(registry.registerVersion('zkeys', { metrics: { [tooLong]: 1 } }, editor), isCode('VALIDATION_FAILED', `metrics.${tooLong}`));
    await assert.rejects(registry.updateModel('zkeys', { policy: { metric: tooLong, comparison: '>', threshold: 0.5, targetStage: 'Staging' } }, admin), isCode('VALIDATION_FAILED', 'policy.metric'));
    await assert.rejects(registry.searchVersions('zkeys', { metric: `${tooLong}>0.5` }), isCode('VALIDATION_FAILED', 'metric'));
  });

  it('applies per-model policies and auto-staging off', async () => {
    await registry.createModel({ name: 'urls', task: 'malicious-url', policy: { metric: 'eval_fpr', comparison: '<=', threshold: 0.01, targetStage: 'Staging' } }, admin);
    const ok = await registry.registerVersion('urls', { metrics: { eval_fpr: 0.005 } }, editor);
    assert.equal(ok.version.stage, 'Staging');
    assert.match(ok.autoStage.reason, /eval_fpr 0\.005 <= 0\.01 → Staging/);
    const no = await registry.registerVersion('urls', { metrics: { eval_fpr: 0.2 } }, editor);
    assert.equal(no.version.stage, 'None');
    await registry.updateModel('urls', { policy: { enabled: false } }, admin);
    const off = await registry.registerVersion('urls', { metrics: { eval_fpr: 0.001 } }, editor);
    assert.equal(off.version.stage, 'None');
    assert.match(off.autoStage.reason, /disabled/);
  });

  it('moves stages with role checks; deploy archives the previous Production version', async () => {
    await assert.rejects(registry.transition('spam', 2, { stage: 'Production' }, editor), isCode('FORBIDDEN'));
    await assert.rejects(registry.transition('spam', 3, { stage: 'Production' }, admin), isCode('STAGE_TRANSITION_INVALID', 'stage'));
    await assert.rejects(registry.transition('spam', 2, { stage: 'Live' as never }, admin), isCode('VALIDATION_FAILED', 'stage'));
    await assert.rejects(registry.transition('spam', 99, { stage: 'Staging' }, admin), isCode('VERSION_NOT_FOUND'));
    const deployed = await registry.deploy('spam', 2, admin, 'better recall');
    assert.equal(deployed.version.stage, 'Production');
    assert.deepEqual(deployed.archived, [4]);
    assert.equal(deployed.transitions.at(-1)?.reason, 'better recall');
    await assert.rejects(registry.archive('spam', 'v1.1', admin), isCode('STAGE_TRANSITION_INVALID', 'force'));
    await assert.rejects(registry.archive('spam', 'v1.1', admin, '', true), isCode('STAGE_TRANSITION_INVALID', 'reason'));
    await assert.rejects(registry.transition('spam', 'v1.1', { stage: 'Staging' }, admin), isCode('STAGE_TRANSITION_INVALID', 'force'));
    const archived = await registry.archive('spam', 'v1.1', admin, 'recall regression in the field', true);
    assert.equal(archived.version.stage, 'Archived');
    assert.deepEqual(archived.archived, []);
    const restored = await registry.transition('spam', 2, { stage: 'Staging', reason: 'restore' }, admin);
    assert.equal(restored.version.stage, 'Staging');
  });

  it('sets and moves aliases, resolves versions by alias', async () => {
    const alias = await registry.setAlias('spam', 'champion', 4, editor);
    assert.equal(alias.version, 4);
    await registry.setAlias('spam', 'champion', 'v1.1', editor);
    assert.equal((await registry.getVersion('spam', 'champion')).number, 2);
    assert.deepEqual((await registry.getModel('spam')).aliases, { champion: 2 });
    await assert.rejects(registry.setAlias('spam', 'v2', 1, editor), isCode('VALIDATION_FAILED', 'alias'));
    await registry.deleteAlias('spam', 'champion', editor);
    await assert.rejects(registry.deleteAlias('spam', 'champion', editor), isCode('ALIAS_NOT_FOUND'));
  });

  it('answers lineage, relation, search and status', async () => {
    const lineage = await registry.lineage('spam', 4);
    assert.deepEqual(lineage.ancestors.map((v) => v.number), [2, 1]);
    assert.deepEqual(lineage.performanceHistory.map((p) => p.metrics.eval_accuracy), [0.93, 0.85, 0.97]);
    assert.deepEqual(lineage.productionHistory.map((d) => [d.version, d.exitedTo]), [
      [1, 'Archived'],
      [4, 'Archived'],
      [2, 'Archived'],
    ]);
    assert.equal(lineage.retrainingCount, 2);
    const ofOne = await registry.lineage('spam', 1);
    assert.deepEqual(ofOne.children.map((c) => c.number), [2]);

    assert.equal(await registry.relation('spam', 1, 4), 'ancestor');
    assert.equal(await registry.relation('spam', 3, 4), 'unrelated');
    await assert.rejects(registry.relation('spam', 1, 'x y'), isCode('VALIDATION_FAILED', 'b'));

    const found = await registry.searchVersions('spam', { metric: 'eval_accuracy>0.9' });
    assert.deepEqual(found.items.map((v) => v.number), [4, 3, 1]);
    await assert.rejects(registry.searchVersions('spam', { metric: 'eval_accuracy>>1' }), isCode('VALIDATION_FAILED', 'metric'));

    const status = await registry.status();
    const spam = status.models.find((m) => m.name === 'spam');
    assert.equal(spam?.production, null);
    assert.deepEqual(spam?.versions.map((v) => [v.number, v.stage]), [
      [4, 'Archived'],
      [3, 'None'],
      [2, 'Staging'],
      [1, 'Archived'],
    ]);
    assert.deepEqual(spam?.versions[0]?.metrics, { eval_accuracy: 0.97 });
    await registry.deploy('spam', 4, admin);
    const after = await registry.status();
    assert.deepEqual(after.models.find((m) => m.name === 'spam')?.production, { number: 4, semver: 'v1.2' });
  });

  it('pages the history and lists models', async () => {
    const first = await registry.history('spam', { limit: 2 });
    assert.equal(first.items.length, 2);
    const second = await registry.history('spam', { limit: 2, pageToken: first.nextPageToken });
    assert.deepEqual(second.items.map((t) => t.seq), [3, 4]);
    const v1 = await registry.history('spam', { version: 1 });
    assert.ok(v1.items.every((t) => t.versionNumber === 1));
    await assert.rejects(registry.history('spam', { pageToken: 'zzz' }), isCode('VALIDATION_FAILED', 'pageToken'));
    const models = await registry.listModels({ limit: 1 });
    assert.equal(models.items[0]?.name, 'spam');
    const next = await registry.listModels({ limit: 1, pageToken: models.nextPageToken });
    assert.equal(next.items[0]?.name, 'urls');
  });

  it('finishes a PENDING version: READY applies the policy; final statuses and artifacts do not change', async () => {
    await registry.createModel({ name: 'inj', task: 'prompt-injection' }, editor);
    const pending = await registry.registerVersion('inj', { status: 'PENDING', metrics: { eval_accuracy: 0.95 } }, editor);
    assert.equal(pending.version.stage, 'None');
    assert.match(pending.autoStage.reason, /PENDING/);
    const blob = await storedBlob('model b');
    await assert.rejects(registry.updateVersion('inj', 1, { status: 'READY', artifactDigest: digest('b') }, editor), isCode('ARTIFACT_NOT_FOUND', 'artifactDigest'));
    const ready = await registry.updateVersion('inj', 1, { status: 'READY', artifactDigest: `sha256:${blob}`, tags: { run: 'r1' } }, editor);
    assert.equal(ready.version.artifactDigest, blob);
    // Its metrics were given by the caller at registration: Staging at most.
    assert.equal(ready.version.stage, 'Staging');
    assert.equal(ready.version.status, 'READY');
    assert.match(ready.autoStage?.reason ?? '', /eval_accuracy 0\.95 > 0\.9, but the metrics were reported by the caller/);
    assert.deepEqual((await registry.getVersion('inj', 1)).tags, { run: 'r1' });
    await assert.rejects(registry.updateVersion('inj', 1, { status: 'FAILED' }, editor), isCode('VERSION_CONFLICT', 'status'));
    await assert.rejects(registry.updateVersion('inj', 1, { artifactDigest: await storedBlob('model c') }, editor), isCode('VERSION_CONFLICT', 'artifactDigest'));
    await assert.rejects(registry.updateVersion('inj', 1, { artifactDigest: 'nope' }, editor), isCode('VALIDATION_FAILED', 'artifactDigest'));
    const same = await registry.updateVersion('inj', 1, { artifactDigest: blob, description: 'ok' }, editor);
    assert.equal(same.autoStage, null);
    assert.deepEqual(same.transitions, []);
    await registry.registerVersion('inj', { status: 'PENDING' }, editor);
    const failed = await registry.updateVersion('inj', 2, { status: 'FAILED' }, editor);
    assert.equal(failed.version.stage, 'None');
    assert.equal(failed.autoStage, null);
  });

  it('refuses to delete a model with a Production version, then deletes it', async () => {
    await assert.rejects(registry.deleteModel('spam', admin), isCode('VERSION_CONFLICT'));
    await registry.archive('spam', 4, admin, 'model retired', true);
    await registry.deleteModel('spam', admin);
    await assert.rejects(registry.getModel('spam'), isCode('MODEL_NOT_FOUND'));
  });
});
