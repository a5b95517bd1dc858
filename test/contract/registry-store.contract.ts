/**
 * The RegistryStore contract: every adapter runs it. Decisions in these tests come from the
 * domain functions, as the service makes them; the suite checks that the store applies them
 * atomically under concurrency and reads them back faithfully.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WardenError, isWardenError } from '../../src/domain/errors.js';
import type { RegistryStore, VersionFacts, VersionPlan } from '../../src/domain/ports/registry-store.js';
import {
  DEFAULT_AUTO_STAGE_POLICY,
  nextSemver,
  parseVersionQuery,
  planTransition,
  type ModelVersion,
  type Stage,
  type TransitionPlan,
  type VersionStatus,
} from '../../src/domain/registry/index.js';

export interface RegistryStoreFixture {
  readonly store: RegistryStore;
  cleanup(): Promise<void>;
}

const ids = () => randomBytes(8).toString('hex');
let clock = 1_700_000_000_000;
const tick = () => ++clock;

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(isWardenError(error), `expected WardenError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

interface VersionSpec {
  status?: VersionStatus;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  parent?: number | null;
  fingerprint?: string | null;
  /** Stage right after registration (None: no stage change). */
  stage?: Stage;
}

function plan(result: TransitionPlan | WardenError): TransitionPlan {
  if (result instanceof WardenError) throw result;
  return result;
}

export function registryStoreContract(name: string, createFixture: () => Promise<RegistryStoreFixture>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    let fixture: RegistryStoreFixture;
    let store: RegistryStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    const modelName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

    async function createModel(prefix = 'm') {
      return store.createModel({
        id: ids(),
        name: modelName(prefix),
        task: 'spam',
        description: 'test model',
        tags: { team: 'mail' },
        policy: DEFAULT_AUTO_STAGE_POLICY,
        recipe: { trainer: 'logreg' },
        createdAt: tick(),
      });
    }

    async function register(model: string, spec: VersionSpec = {}) {
      const fingerprint = spec.fingerprint === undefined ? 'recipe-a' : spec.fingerprint;
      return store.createVersion({ model, parent: spec.parent ?? null, recipeFingerprint: fingerprint }, (facts: VersionFacts): VersionPlan => {
        const semver = nextSemver(facts.semverPoints, fingerprint, facts.parent);
        const now = tick();
        const id = ids();
        const draft = { id, modelId: facts.model.id, number: facts.number, stage: 'None' as Stage, status: spec.status ?? 'READY' };
        const target = spec.stage ?? 'None';
        const transitions =
          target === 'None'
            ? { modelId: facts.model.id, changes: [{ id: ids(), versionId: id, versionNumber: facts.number, from: 'None' as Stage, to: 'None' as Stage, actor: 'test', reason: 'registered', at: now }] }
            : plan(planTransition(draft, target, facts.production ? [facts.production] : [], { actor: 'test', reason: `auto → ${target}`, now, ids }));
        return {
          version: {
            id,
            number: facts.number,
            semver: semver.semver,
            major: semver.major,
            minor: semver.minor,
            status: spec.status ?? 'READY',
            description: '',
            metrics: spec.metrics ?? {},
            tags: spec.tags ?? {},
            parentVersionId: facts.parent?.id ?? null,
            retrainingCount: facts.parent === null ? 0 : facts.parent.retrainingCount + 1,
            datasetDigests: ['d'.repeat(64)],
            resourceUsage: { train_seconds: 1.5 },
            recipeFingerprint: fingerprint,
            sourceRunId: null,
            artifactDigest: null,
            createdAt: now,
          },
          transitions,
        };
      });
    }

    function move(model: string, number: number, to: Stage, actor = 'test') {
      return store.applyTransition(model, { kind: 'number', number }, (facts) =>
        plan(planTransition(facts.version, to, facts.production ? [facts.production] : [], { actor, reason: `to ${to}`, now: tick(), ids })),
      );
    }

    it('creates a model and reads it back; a duplicate name is MODEL_ALREADY_EXISTS', async () => {
      const model = await createModel();
      const read = await store.getModel(model.name);
      assert.deepEqual(read, model);
      assert.equal(read.latestVersion, 0);
      assert.deepEqual(read.policy, DEFAULT_AUTO_STAGE_POLICY);
      assert.deepEqual(read.recipe, { trainer: 'logreg' });
      await assert.rejects(
        store.createModel({ id: ids(), name: model.name, task: 'x', description: '', tags: {}, policy: { enabled: false }, recipe: null, createdAt: tick() }),
        isCode('MODEL_ALREADY_EXISTS'),
      );
      await assert.rejects(store.getModel('no-such-model'), isCode('MODEL_NOT_FOUND'));
    });

    it('lists models by name, page by page', async () => {
      const prefix = `list${randomBytes(2).toString('hex')}`;
      for (let i = 0; i < 5; i++) await createModel(prefix);
      const names: string[] = [];
      let afterName: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const page = await store.listModels({ limit: 2, afterName });
        assert.ok(page.items.length <= 2);
        names.push(...page.items.map((m) => m.name));
        if (page.nextPageToken === undefined) break;
        afterName = page.items[page.items.length - 1]?.name ?? null;
      }
      assert.deepEqual(names, [...names].sort());
      assert.equal(names.filter((n) => n.startsWith(prefix)).length, 5);
      assert.equal(new Set(names).size, names.length);
    });

    it('updates only the given fields of a model', async () => {
      const model = await createModel();
      const updated = await store.updateModel(model.name, { description: 'new', policy: { enabled: false }, updatedAt: tick() });
      assert.equal(updated.description, 'new');
      assert.deepEqual(updated.policy, { enabled: false });
      assert.equal(updated.task, model.task);
      assert.deepEqual(updated.tags, model.tags);
      assert.ok(updated.updatedAt > model.updatedAt);
      assert.deepEqual(await store.getModel(model.name), updated);
      await assert.rejects(store.updateModel('no-such-model', { updatedAt: tick() }), isCode('MODEL_NOT_FOUND'));
    });

    it('allocates version numbers and semver labels; reads versions by number, label and alias', async () => {
      const model = await createModel();
      const v1 = await register(model.name, { metrics: { eval_accuracy: 0.8 }, tags: { data: 'jan' } });
      const v2 = await register(model.name, { parent: 1 });
      const v3 = await register(model.name, { fingerprint: 'recipe-b' });
      const v4 = await register(model.name, { parent: 2 });
      const v5 = await register(model.name, { fingerprint: null });
      const v6 = await register(model.name, { fingerprint: null });
      assert.deepEqual(
        [v1, v2, v3, v4, v5, v6].map((r) => [r.version.number, r.version.semver]),
        [
          [1, 'v1.0'],
          [2, 'v1.1'],
          [3, 'v2.0'],
          [4, 'v1.2'],
          [5, 'v3.0'],
          [6, 'v3.1'],
        ],
      );
      assert.equal(v4.version.parentVersion, 2);
      assert.equal(v4.version.retrainingCount, 2);
      const read = await store.getVersion(model.name, { kind: 'number', number: 1 });
      assert.deepEqual(read, v1.version);
      assert.deepEqual(read.metrics, { eval_accuracy: 0.8 });
      assert.deepEqual(read.datasetDigests, ['d'.repeat(64)]);
      assert.deepEqual(read.resourceUsage, { train_seconds: 1.5 });
      assert.equal((await store.getVersion(model.name, { kind: 'semver', major: 1, minor: 2 })).number, 4);
      assert.equal((await store.getModel(model.name)).latestVersion, 6);
      await store.setAlias(model.name, 'champion', { kind: 'number', number: 3 }, tick());
      assert.equal((await store.getVersion(model.name, { kind: 'alias', alias: 'champion' })).number, 3);
      await assert.rejects(store.getVersion(model.name, { kind: 'number', number: 99 }), isCode('VERSION_NOT_FOUND'));
      await assert.rejects(store.getVersion(model.name, { kind: 'alias', alias: 'nobody' }), isCode('VERSION_NOT_FOUND'));
      await assert.rejects(store.getVersion('no-such-model', { kind: 'number', number: 1 }), isCode('MODEL_NOT_FOUND'));
      await assert.rejects(register(model.name, { parent: 42 }), isCode('VERSION_NOT_FOUND'));
      await assert.rejects(register('no-such-model'), isCode('MODEL_NOT_FOUND'));
      // the failed registrations allocated nothing
      assert.equal((await store.getModel(model.name)).latestVersion, 6);
    });

    it('allocates distinct, gapless numbers under 24 concurrent registrations', async () => {
      const model = await createModel();
      const results = await Promise.all(Array.from({ length: 24 }, () => register(model.name)));
      const numbers = results.map((r) => r.version.number).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: 24 }, (_, i) => i + 1));
      const semvers = new Set(results.map((r) => r.version.semver));
      assert.equal(semvers.size, 24);
      assert.equal((await store.getModel(model.name)).latestVersion, 24);
    });

    it('writes nothing when decide throws', async () => {
      const model = await createModel();
      await assert.rejects(
        store.createVersion({ model: model.name, parent: null, recipeFingerprint: null }, () => {
          throw new WardenError('VALIDATION_FAILED', 'no', { field: 'x' });
        }),
        isCode('VALIDATION_FAILED'),
      );
      assert.equal((await store.getModel(model.name)).latestVersion, 0);
      await register(model.name, { stage: 'Staging' });
      await assert.rejects(
        store.applyTransition(model.name, { kind: 'number', number: 1 }, (facts) => plan(planTransition(facts.version, 'Staging', [], { actor: 't', reason: 'r', now: tick(), ids }))),
        isCode('STAGE_TRANSITION_INVALID'),
      );
      const history = await store.listTransitions(model.name, { limit: 100, afterSeq: null });
      assert.equal(history.items.length, 1);
    });

    it('refuses a plan that no longer matches the stored stage, writing nothing', async () => {
      const model = await createModel();
      const { version } = await register(model.name);
      await assert.rejects(
        store.applyTransition(model.name, { kind: 'number', number: 1 }, (facts) => ({
          modelId: facts.model.id,
          changes: [{ id: ids(), versionId: version.id, versionNumber: 1, from: 'Staging', to: 'Production', actor: 't', reason: 'stale', at: tick() }],
        })),
        isCode('VERSION_CONFLICT'),
      );
      assert.equal((await store.getVersion(model.name, { kind: 'number', number: 1 })).stage, 'None');
      assert.equal((await store.listTransitions(model.name, { limit: 100, afterSeq: null })).items.length, 1);
    });

    it('moves a version to Production and archives the previous one in the same transaction', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production' });
      await register(model.name, { stage: 'Staging' });
      const result = await move(model.name, 2, 'Production', 'alice');
      assert.equal(result.version.stage, 'Production');
      assert.deepEqual(
        result.transitions.map((t) => [t.versionNumber, t.from, t.to, t.actor]),
        [
          [1, 'Production', 'Archived', 'alice'],
          [2, 'Staging', 'Production', 'alice'],
        ],
      );
      assert.equal((await store.getVersion(model.name, { kind: 'number', number: 1 })).stage, 'Archived');
      const history = await store.listTransitions(model.name, { limit: 100, afterSeq: null });
      assert.deepEqual(
        history.items.map((t) => [t.seq, t.versionNumber, t.from, t.to]),
        [
          [1, 1, 'None', 'Production'],
          [2, 2, 'None', 'Staging'],
          [3, 1, 'Production', 'Archived'],
          [4, 2, 'Staging', 'Production'],
        ],
      );
      const onlyV1 = await store.listTransitions(model.name, { version: { kind: 'number', number: 1 }, limit: 100, afterSeq: null });
      assert.deepEqual(onlyV1.items.map((t) => t.seq), [1, 3]);
      const paged = await store.listTransitions(model.name, { limit: 3, afterSeq: 1 });
      assert.deepEqual(paged.items.map((t) => t.seq), [2, 3, 4]);
      assert.equal(paged.nextPageToken, undefined);
      const first = await store.listTransitions(model.name, { limit: 2, afterSeq: null });
      assert.ok(first.nextPageToken !== undefined);
    });

    it('keeps exactly one Production version under 24 concurrent promotions, with a consistent append-only history', async () => {
      const model = await createModel();
      const count = 24;
      for (let i = 0; i < count; i++) await register(model.name, { stage: 'Staging' });
      const before = (await store.listTransitions(model.name, { limit: 1000, afterSeq: null })).items;
      const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => move(model.name, i + 1, 'Production', `actor-${i + 1}`)));
      const failures = outcomes.filter((o) => o.status === 'rejected');
      assert.deepEqual(failures, [], 'every promotion of a Staging version is legal and must succeed once serialised');

      const versions = (await store.searchVersions(model.name, parseVersionQuery({ limit: 500 }))).items;
      const production = versions.filter((v) => v.stage === 'Production');
      assert.equal(production.length, 1, 'exactly one Production version');
      assert.equal(versions.filter((v) => v.stage === 'Archived').length, count - 1);

      const history = (await store.listTransitions(model.name, { limit: 1000, afterSeq: null })).items;
      assert.deepEqual(history.slice(0, before.length), before, 'earlier records are never changed');
      for (let i = 1; i < history.length; i++) assert.ok((history[i]?.seq ?? 0) > (history[i - 1]?.seq ?? 0), 'seq strictly increasing');
      assert.deepEqual(history.map((t) => t.seq), history.map((_, i) => i + 1), 'no gaps');
      const entries = history.filter((t) => t.to === 'Production');
      assert.equal(entries.length, count);
      for (const [i, entry] of entries.entries()) {
        const next = entries[i + 1];
        const exit = history.find((t) => t.seq > entry.seq && t.versionId === entry.versionId && t.from === 'Production');
        if (next === undefined) {
          assert.equal(exit, undefined, 'the last version entered stays in Production');
          assert.equal(entry.versionId, production[0]?.id);
        } else {
          assert.ok(exit !== undefined, `version ${entry.versionNumber} left Production`);
          assert.equal(exit.to, 'Archived');
          assert.ok(exit.seq < next.seq, 'archived before the next version entered');
          assert.equal(exit.seq, next.seq - 1, 'archived in the same transaction as the next entry');
        }
      }
      // replaying the history reproduces the stored stages
      const replay = new Map<string, Stage>();
      for (const t of history) {
        assert.equal(replay.get(t.versionId) ?? 'None', t.from, `record ${t.seq} starts where the previous one ended`);
        replay.set(t.versionId, t.to);
      }
      for (const v of versions) assert.equal(replay.get(v.id), v.stage);
    });

    it('searches versions by stage, tag and metric conditions, newest first, page by page', async () => {
      const model = await createModel();
      await register(model.name, { metrics: { eval_f1: 0.95, eval_loss: 0.1 }, tags: { data: 'jan' }, stage: 'Staging' });
      await register(model.name, { metrics: { eval_f1: 0.85, eval_loss: 0.3 }, tags: { data: 'feb' } });
      await register(model.name, { metrics: { eval_f1: 0.92 }, tags: { data: 'jan' }, stage: 'Production' });
      await register(model.name, { metrics: {}, status: 'FAILED' });
      const numbers = async (query: Parameters<typeof parseVersionQuery>[0]) =>
        (await store.searchVersions(model.name, parseVersionQuery(query))).items.map((v) => v.number);
      assert.deepEqual(await numbers({}), [4, 3, 2, 1]);
      assert.deepEqual(await numbers({ metric: 'eval_f1>0.9' }), [3, 1]);
      assert.deepEqual(await numbers({ metric: 'eval_f1>=0.92' }), [3, 1]);
      assert.deepEqual(await numbers({ metric: 'eval_f1<0.9' }), [2]);
      assert.deepEqual(await numbers({ metric: 'eval_f1<=0.85' }), [2]);
      assert.deepEqual(await numbers({ metric: 'eval_loss=0.3' }), [2]);
      assert.deepEqual(await numbers({ metric: ['eval_f1>0.9', 'eval_loss<0.2'] }), [1]);
      assert.deepEqual(await numbers({ tag: 'data=jan' }), [3, 1]);
      assert.deepEqual(await numbers({ tag: 'data=jan', stage: 'Production' }), [3]);
      assert.deepEqual(await numbers({ stage: ['Staging', 'None'] }), [4, 2, 1]);
      const first = await store.searchVersions(model.name, parseVersionQuery({ limit: 3 }));
      assert.deepEqual(first.items.map((v) => v.number), [4, 3, 2]);
      assert.ok(first.nextPageToken !== undefined);
      const second = await store.searchVersions(model.name, parseVersionQuery({ limit: 3, pageToken: first.nextPageToken }));
      assert.deepEqual(second.items.map((v) => v.number), [1]);
      assert.equal(second.nextPageToken, undefined);
      await assert.rejects(store.searchVersions('no-such-model', parseVersionQuery({})), isCode('MODEL_NOT_FOUND'));
    });

    it('sets, moves and deletes aliases; the model shows them', async () => {
      const model = await createModel();
      await register(model.name);
      await register(model.name);
      const set = await store.setAlias(model.name, 'champion', { kind: 'number', number: 1 }, tick());
      assert.deepEqual({ alias: set.alias, version: set.version }, { alias: 'champion', version: 1 });
      await store.setAlias(model.name, 'challenger', { kind: 'number', number: 2 }, tick());
      await store.setAlias(model.name, 'champion', { kind: 'alias', alias: 'challenger' }, tick());
      assert.deepEqual((await store.getModel(model.name)).aliases, { champion: 2, challenger: 2 });
      await Promise.all([1, 2, 1, 2, 1, 2].map((n) => store.setAlias(model.name, 'flip', { kind: 'number', number: n }, tick())));
      assert.ok([1, 2].includes((await store.getModel(model.name)).aliases.flip ?? 0));
      await store.deleteAlias(model.name, 'challenger');
      assert.deepEqual(Object.keys((await store.getModel(model.name)).aliases).sort(), ['champion', 'flip']);
      await assert.rejects(store.deleteAlias(model.name, 'challenger'), isCode('ALIAS_NOT_FOUND'));
      await assert.rejects(store.setAlias(model.name, 'x', { kind: 'number', number: 9 }, tick()), isCode('VERSION_NOT_FOUND'));
      await assert.rejects(store.setAlias('no-such-model', 'x', { kind: 'number', number: 1 }, tick()), isCode('MODEL_NOT_FOUND'));
      const page = await store.listModels({ limit: 500, afterName: null });
      const listed = page.items.find((m) => m.name === model.name);
      if (listed !== undefined) assert.deepEqual(listed.aliases, { champion: 2, flip: (await store.getModel(model.name)).aliases.flip });
    });

    it('reads the lineage facts: ancestors, children and the chain history', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production' }); // 1
      await register(model.name, { parent: 1, stage: 'Staging' }); // 2
      await register(model.name, { parent: 2 }); // 3
      await register(model.name, { parent: 2 }); // 4
      await register(model.name); // 5, unrelated
      await move(model.name, 2, 'Production');
      const facts = await store.lineageFacts(model.name, { kind: 'number', number: 3 });
      assert.equal(facts.version.number, 3);
      assert.deepEqual(facts.ancestors.map((v) => v.number).sort(), [1, 2]);
      assert.deepEqual(facts.children, []);
      assert.equal(facts.version.retrainingCount, 2);
      const ofTwo = await store.lineageFacts(model.name, { kind: 'number', number: 2 });
      assert.deepEqual(ofTwo.children.map((v) => v.number), [3, 4]);
      assert.deepEqual(
        facts.transitions.map((t) => [t.versionNumber, t.from, t.to]),
        [
          [1, 'None', 'Production'],
          [2, 'None', 'Staging'],
          [3, 'None', 'None'],
          [1, 'Production', 'Archived'],
          [2, 'Staging', 'Production'],
        ],
      );
    });

    it('gives every model and version for the status overview', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production', metrics: { eval_accuracy: 0.95 } });
      await register(model.name);
      const facts = await store.statusFacts();
      assert.ok(facts.models.some((m) => m.name === model.name));
      const mine = facts.versions.filter((v) => v.model === model.name);
      assert.deepEqual(mine.map((v) => [v.number, v.stage]), [
        [2, 'None'],
        [1, 'Production'],
      ]);
    });

    it('deletes a model with its versions, history and aliases unless the check refuses', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production' });
      await register(model.name, { parent: 1 });
      await store.setAlias(model.name, 'champion', { kind: 'number', number: 1 }, tick());
      await assert.rejects(
        store.deleteModel(model.name, (production) => {
          if (production !== null) throw new WardenError('VERSION_CONFLICT', `version ${production.number} is in Production`);
        }),
        isCode('VERSION_CONFLICT'),
      );
      assert.equal((await store.getModel(model.name)).name, model.name);
      await store.deleteModel(model.name, () => undefined);
      await assert.rejects(store.getModel(model.name), isCode('MODEL_NOT_FOUND'));
      await assert.rejects(store.deleteModel(model.name, () => undefined), isCode('MODEL_NOT_FOUND'));
      // the name is free again, and starts from version 1
      await store.createModel({ id: ids(), name: model.name, task: 'spam', description: '', tags: {}, policy: { enabled: false }, recipe: null, createdAt: tick() });
      const again = await register(model.name);
      assert.equal(again.version.number, 1);
      assert.equal((await store.listTransitions(model.name, { limit: 10, afterSeq: null })).items.length, 1);
    });

    it('updates a version under the lock: fields, tags for search, and stage moves in one transaction', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production' });
      const pending = await register(model.name, { status: 'PENDING', tags: { data: 'jan' } });
      const at = tick();
      const updated = await store.updateVersion(model.name, { kind: 'number', number: 2 }, (facts) => {
        assert.equal(facts.version.status, 'PENDING');
        assert.equal(facts.production?.number, 1);
        return {
          changes: { status: 'READY', description: 'done', tags: { data: 'feb' }, artifactDigest: 'e'.repeat(64), updatedAt: at },
          transitions: plan(planTransition({ ...facts.version, status: 'READY' }, 'Production', facts.production ? [facts.production] : [], { actor: 't', reason: 'ready', now: at, ids })),
        };
      });
      assert.deepEqual(
        { status: updated.version.status, stage: updated.version.stage, description: updated.version.description, tags: updated.version.tags, digest: updated.version.artifactDigest },
        { status: 'READY', stage: 'Production', description: 'done', tags: { data: 'feb' }, digest: 'e'.repeat(64) },
      );
      assert.deepEqual(await store.getVersion(model.name, { kind: 'number', number: 2 }), updated.version);
      assert.equal((await store.getVersion(model.name, { kind: 'number', number: 1 })).stage, 'Archived');
      assert.deepEqual((await store.searchVersions(model.name, parseVersionQuery({ tag: 'data=feb' }))).items.map((v) => v.id), [pending.version.id]);
      assert.deepEqual((await store.searchVersions(model.name, parseVersionQuery({ tag: 'data=jan' }))).items, []);
      await assert.rejects(
        store.updateVersion(model.name, { kind: 'number', number: 1 }, () => {
          throw new WardenError('VERSION_CONFLICT', 'no');
        }),
        isCode('VERSION_CONFLICT'),
      );
      await assert.rejects(store.updateVersion(model.name, { kind: 'number', number: 9 }, () => ({ changes: { updatedAt: 1 }, transitions: { modelId: '', changes: [] } })), isCode('VERSION_NOT_FOUND'));
    });

    it('never lets two versions of a model be in Production, even with a hand-made plan', async () => {
      const model = await createModel();
      await register(model.name, { stage: 'Production' });
      const two = await register(model.name, { stage: 'Staging' });
      await assert.rejects(
        store.applyTransition(model.name, { kind: 'number', number: 2 }, (facts) => ({
          modelId: facts.model.id,
          changes: [{ id: ids(), versionId: two.version.id, versionNumber: 2, from: 'Staging', to: 'Production', actor: 't', reason: 'skip the archive', at: tick() }],
        })),
        isCode('VERSION_CONFLICT'),
      );
      const versions: ModelVersion[] = [...(await store.searchVersions(model.name, parseVersionQuery({}))).items];
      assert.deepEqual(versions.map((v) => v.stage), ['Staging', 'Production']);
    });
  });
}
