/**
 * Deployments end to end on the real platform (SQLite with the in-process queue, PostgreSQL
 * with the Redis queue): trained versions, the live predict path under concurrent traffic in
 * a second process (an API process beside the one that deploys), the periodic check, the
 * registry moves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { unitFromDigest } from '../../src/domain/deployments/traffic.js';
import { isWardenError } from '../../src/domain/errors.js';
import type { Platform } from '../../src/main.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { corruptLocalBlob } from '../support/artifacts.js';
import { PLATFORM_MODES, openModePlatform, openPeerPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT, trainServingVersions } from '../support/serving.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';
import { until } from '../support/wait.js';

const MODEL = 'deployed';
const TEXTS = ['WIN a FREE prize now, click here', 'meeting notes for tomorrow attached', 'cheap pills online buy now', 'lunch on friday?'];
/** A key whose split of 10,000 subjects lands well inside a point of 70/30 (fixed: the outcome must not depend on chance). */
const FIXED_ASSIGNMENT_KEY = 'warden-test-assignment-key';
const EDITOR = { name: 'ed', role: 'editor' as const };

for (const mode of PLATFORM_MODES) {
  describe(`deployments on ${mode.name}`, () => {
    let platform: TestPlatform;
    /** An API process on the same store and queue: the traffic of the zero-failed-requests proof goes here. */
    let server: Platform | undefined;
    let flipped: number;
    let broken: number;

    before(async () => {
      platform = await openModePlatform(mode, { WARDEN_WORKER_CONCURRENCY: '1' }, { assignmentKeys: () => FIXED_ASSIGNMENT_KEY });
      await trainServingVersions(platform, MODEL, [1, 2, 3]);
      // Version 3 is good until its artifact is damaged in the shared store (see the proof below).
      broken = 3;
      // A candidate that calls spam ham and ham spam: the guardrails must stop it.
      const inverted = syntheticRows(200).map((row) => ({ text: row.text, label: (1 - row.label) as 0 | 1 }));
      await platform.services.datasets.registerRows(inverted, { name: 'inverted', origin: 'upload' });
      const job = await platform.services.training.enqueueTraining(
        { model: MODEL, family: 'lr', dataset: { datasets: ['inverted'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 2 } } },
        ROOT,
      );
      assert.equal((await waitForJob(platform.services.jobs, job.id)).state, 'succeeded');
      flipped = 4;
      await platform.services.registry.createModel({ name: 'registry-only', task: 'spam', policy: { enabled: false } }, ROOT);
      await platform.services.registry.registerVersion('registry-only', { metrics: { eval_accuracy: 0.5 } }, ROOT);
      server = await openPeerPlatform(platform, { WARDEN_ROLES: 'api', WARDEN_EVENT_POLL_MS: '50', WARDEN_PREDICTION_LOG_FLUSH_MS: '100' });
    });
    after(async () => {
      await server?.close();
      await platform.close();
    });

    const deployments = () => platform.services.deployments;
    const production = async (model = MODEL) => (await platform.services.registry.productionVersion(model))?.number ?? null;

    /** Runs the periodic check until the deployment ends (the check job's handler, called directly). */
    async function runToEnd(id: string): Promise<string> {
      let last = '';
      return until(async () => {
        const { deployment } = await deployments().check(id);
        last = JSON.stringify({ state: deployment.state, history: deployment.history.slice(1).map((h) => h.detail) });
        return ['succeeded', 'rolled-back', 'aborted', 'failed', 'concluded'].includes(deployment.state) ? deployment.state : undefined;
      }, `deployment ${id} to end`, { timeoutMs: 30_000, everyMs: 50 }).catch((error: unknown) => {
        throw new Error(`${String(error)}; the deployment: ${last}`);
      });
    }

    it('refuses editors, unknown versions, and a second deployment in flight', async () => {
      await assert.rejects(deployments().start({ model: MODEL, version: 1 }, EDITOR), (e) => isWardenError(e) && e.code === 'FORBIDDEN');
      await assert.rejects(deployments().start({ model: MODEL, version: 99 }, ROOT), (e) => isWardenError(e) && e.code === 'VERSION_NOT_FOUND');
      await assert.rejects(deployments().start({ model: MODEL, version: 1, strategy: 'canary' }, ROOT), (e) => isWardenError(e) && e.code === 'VERSION_CONFLICT' && /no Production version/.test(e.message));
    });

    it('direct: Production at once, recorded as a deployment; a registry-only version switches but a canary of it fails before any traffic moves', async () => {
      const { deployment, transitions } = await deployments().start({ model: MODEL, version: 1, reason: 'first' }, ROOT);
      assert.equal(deployment.state, 'succeeded');
      assert.deepEqual(transitions?.transitions.map((t) => [t.versionNumber, t.to]), [[1, 'Production']]);
      assert.match(transitions!.transitions[0]!.reason, /version 1 takes all traffic — first$/, 'the stage history keeps the reason the deployer gave');
      assert.equal(await production(), 1);
      assert.match(deployment.history.find((h) => h.event === 'ready')!.detail, /loaded, its artifact digest verified/);
      const registryOnly = await deployments().start({ model: 'registry-only', version: 1 }, ROOT);
      assert.equal(registryOnly.deployment.state, 'succeeded');
      assert.match(registryOnly.deployment.history.find((h) => h.event === 'ready')!.detail, /no model artifact/);
      await platform.services.registry.registerVersion('registry-only', { metrics: { eval_accuracy: 0.6 } }, ROOT);
      const canary = await deployments().start({ model: 'registry-only', version: 2, strategy: 'canary' }, ROOT);
      assert.equal(canary.deployment.state, 'failed');
      assert.match(canary.deployment.history.at(-1)!.detail, /canary serves the candidate, and version 2 has no model artifact/);
      assert.equal(await production('registry-only'), 1, 'nothing switched');
    });

    it('under concurrent traffic in another process: blue-green, a canary that completes, canaries rolled back by their guardrails (one flips the positive rate, one errors), and a rollback call — zero failed requests, every answer from a deployed version', async () => {
      const api = server!;
      const served = new Map<number, number>();
      const failures: unknown[] = [];
      let running = true;
      let request = 0;
      const client = async () => {
        while (running) {
          try {
            const answer = await api.services.serving.predict(MODEL, { requestId: `load-${request++}`, texts: TEXTS, batch: true });
            const versions = new Set(answer.predictions.map((p) => p.version));
            if (versions.size !== 1) failures.push(new Error(`one answer from versions ${[...versions].join(', ')}`));
            for (const p of answer.predictions) served.set(p.version, (served.get(p.version) ?? 0) + 1);
          } catch (error) {
            failures.push(error);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const clients = Array.from({ length: 4 }, client);
      const servedBy = async (version: number) => {
        const before = served.get(version) ?? 0;
        await until(() => (served.get(version) ?? 0) > before + 20, `answers from version ${version}`);
      };
      const liveDeploymentId = () => api.services.serving.liveDeployment(MODEL)?.deploymentId;
      try {
        await servedBy(1);
        const blueGreen = await deployments().start({ model: MODEL, version: 2, strategy: 'blue-green', keepWarmSeconds: 5 }, ROOT);
        assert.equal(blueGreen.deployment.state, 'succeeded', JSON.stringify(blueGreen.deployment.history));
        assert.match(blueGreen.deployment.history.find((h) => h.event === 'ready')!.detail, /smoke check: accuracy \d\.\d+ on \d+ held-out rows/);
        assert.deepEqual(blueGreen.transitions?.archived, [1]);
        await servedBy(2);

        const guardrails = { minRequests: 10, maxConsecutiveBreaches: 1 };
        const canary = await deployments().start({ model: MODEL, version: 1, strategy: 'canary', steps: [50, 100], bakeSeconds: 0.3, guardrails }, ROOT);
        assert.equal(canary.deployment.state, 'active');
        assert.equal(await runToEnd(canary.deployment.id), 'succeeded', JSON.stringify((await deployments().get(canary.deployment.id)).history.map((h) => h.detail)));
        assert.equal(await production(), 1);
        await servedBy(1);

        const bad = await deployments().start({ model: MODEL, version: flipped, strategy: 'canary', steps: [50, 100], bakeSeconds: 30, guardrails }, ROOT);
        await servedBy(flipped);
        assert.equal(await runToEnd(bad.deployment.id), 'rolled-back');
        const ended = await deployments().get(bad.deployment.id);
        assert.match(ended.history.at(-1)!.detail, /positive-rate-shift/);
        assert.equal(await production(), 1, 'the flipped candidate never reached Production');
        await until(() => liveDeploymentId() === null, 'serving to drop the rolled-back canary');
        const flippedAnswers = served.get(flipped) ?? 0;
        await servedBy(1);

        // The deploying process verified version 3 (it is in its model cache); then the blob is
        // damaged in the shared store, so the API process fails its digest check when it loads it.
        const damaged = await platform.services.registry.getVersion(MODEL, broken);
        await platform.services.models.loadVersion(damaged);
        corruptLocalBlob(new LocalArtifactStore(platform.config.artifactsRoot), damaged.artifactDigest ?? '');
        const erroring = await deployments().start({ model: MODEL, version: broken, strategy: 'canary', steps: [50, 100], bakeSeconds: 30, guardrails }, ROOT);
        assert.equal(erroring.deployment.state, 'active', 'the deploying process had verified the candidate');
        await until(() => liveDeploymentId() === erroring.deployment.id, 'the API process to serve the erroring canary');
        assert.equal(await runToEnd(erroring.deployment.id), 'rolled-back');
        const erred = (await deployments().get(erroring.deployment.id)).history.at(-1)!;
        assert.match(erred.detail, /error-rate 1 beyond 0\.02/);
        assert.ok(erred.readings?.some((r) => r.check === 'error-rate' && r.breached && r.candidate === 1), JSON.stringify(erred.readings));
        assert.equal(await production(), 1);
        await until(() => liveDeploymentId() === null, 'serving to drop the erroring canary');
        const metrics = (await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${platform.adminToken}` } })).body;
        assert.match(metrics, new RegExp(`warden_predict_arm_errors_total\\{model="${MODEL}",version="${broken}",arm="candidate",code="ARTIFACT_TAMPERED"\\} [1-9]`));
        await servedBy(1);

        const back = await deployments().rollback(MODEL, ROOT, 'prefer the blue-green one');
        assert.equal(back.deployment.id, canary.deployment.id, 'the rollback reverses the last switch that succeeded');
        assert.equal(back.deployment.state, 'rolled-back');
        assert.equal(await production(), 2);
        await servedBy(2);
        running = false;
        await Promise.all(clients);
        assert.equal(served.get(flipped), flippedAnswers, 'the flipped candidate answers nothing once serving dropped it');
      } finally {
        running = false;
        await Promise.all(clients);
      }
      assert.deepEqual(failures, [], 'zero failed requests');
      assert.deepEqual([...served.keys()].sort(), [1, 2, flipped].sort(), 'every answer came from a deployed version; the damaged one answered none');
      const history = (await platform.services.registry.history(MODEL, { limit: 100 })).items.filter((t) => t.to === 'Production').map((t) => t.versionNumber);
      assert.deepEqual([...history].sort(), [1, 1, 2, 2], 'the stage history records each switch: direct, blue-green, canary, rollback');
    });

    it('sticky A/B: a subject never changes arm across 10,000 requests, the split is within a point of the weights, and concluding promotes the winner', async () => {
      const ab = await deployments().start({ model: MODEL, version: 1, strategy: 'ab', weights: { baseline: 70, candidate: 30 } }, ROOT);
      assert.equal(ab.deployment.state, 'active');
      await platform.services.serving.predict(MODEL, { requestId: 'ab-first', texts: [TEXTS[0]!], batch: false });
      // Serving follows the deployment's events: first warming (baseline only), then both arms.
      await until(() => platform.services.serving.liveDeployment(MODEL)?.arms.some((a) => a.arm === 'candidate'), 'serving to follow the A/B test');
      const armOf = new Map<string, string>();
      let candidate = 0;
      for (let i = 0; i < 10_000; i++) {
        const subject = `user-${i}`;
        const answer = await platform.services.serving.predict(MODEL, { requestId: `ab-${i}`, texts: [TEXTS[i % 4]!], batch: false, subject });
        const arm = answer.predictions[0]!.arm;
        if (arm === 'candidate') candidate++;
        armOf.set(subject, arm);
      }
      for (let i = 0; i < 10_000; i += 97) {
        const again = await platform.services.serving.predict(MODEL, { requestId: `ab-again-${i}`, texts: [TEXTS[0]!], batch: false, subject: `user-${i}` });
        assert.equal(again.predictions[0]!.arm, armOf.get(`user-${i}`), `user-${i} changed arm`);
      }
      // The same assignment the serving path used: HMAC of the subject under the deployment's key.
      const expected = [...armOf.keys()].filter((s) => unitFromDigest(createHmac('sha256', FIXED_ASSIGNMENT_KEY).update(s).digest()) >= 0.7).length;
      assert.equal(candidate, expected);
      assert.ok(Math.abs(candidate / 10_000 - 0.3) < 0.01, `${candidate} of 10,000 in the 30 % arm`);
      const concluded = await deployments().conclude(ab.deployment.id, 'candidate', ROOT, 'better on feedback');
      assert.equal(concluded.deployment.state, 'concluded');
      assert.equal(await production(), 1);
    });

    it('shadow: the candidate answers a copy that is never returned; its disagreements with the live version are listed', async () => {
      const shadow = await deployments().start({ model: MODEL, version: flipped, strategy: 'shadow', mirrorPercent: 100 }, ROOT);
      await until(() => platform.services.serving.liveDeployment(MODEL)?.mirror?.version.number === flipped, 'serving to mirror to the shadow');
      const answers = [];
      for (let i = 0; i < 40; i++) answers.push(await platform.services.serving.predict(MODEL, { requestId: `shadowed-${i}`, texts: [TEXTS[i % 4]!], batch: false }));
      assert.ok(answers.every((a) => a.predictions[0]!.arm === 'baseline' && a.predictions[0]!.version === 1), 'only the live version answers');
      await new Promise((resolve) => setImmediate(resolve));
      await platform.services.predictionLog.flush();
      const compared = await deployments().shadowComparison(shadow.deployment.id, 5);
      assert.equal(compared.compared, 40);
      assert.ok(compared.disagreements >= 20, `the inverted candidate disagrees on most inputs: ${compared.disagreements} of 40`);
      assert.equal(compared.examples.length, 5);
      assert.ok(compared.examples.every((e) => e.live.version === 1 && e.shadow.version === flipped && e.live.label !== e.shadow.label));
      await deployments().abort(shadow.deployment.id, ROOT, 'seen enough');
      assert.equal(await production(), 1);
    });

    it('pause, resume and abort; an ended deployment refuses them; listing is newest first', async () => {
      const canary = await deployments().start({ model: MODEL, version: 2, strategy: 'canary', bakeSeconds: 600 }, ROOT);
      const paused = await deployments().pause(canary.deployment.id, ROOT, 'looking at a dashboard');
      assert.equal(paused.state, 'paused');
      assert.equal((await deployments().resume(canary.deployment.id, ROOT)).state, 'active');
      const aborted = await deployments().abort(canary.deployment.id, ROOT, 'not today');
      assert.equal(aborted.state, 'aborted');
      await assert.rejects(deployments().pause(canary.deployment.id, ROOT), (e) => isWardenError(e) && e.code === 'VERSION_CONFLICT');
      await assert.rejects(deployments().get('nope'), (e) => isWardenError(e) && e.code === 'DEPLOYMENT_NOT_FOUND');
      const listed = await deployments().list({ model: MODEL });
      assert.equal(listed[0]!.id, canary.deployment.id);
      assert.equal(await production(), 1, 'an aborted canary changes no stage');
    });

    it('each deployment appears in the deployment history (lineage) of its candidate and of the version it replaced, with strategy, state, times, actor and outcome', async () => {
      const all = await deployments().list({ model: MODEL, limit: 100 });
      const viewer = await platform.auth('viewer');
      const lineageOf = async (version: number) => {
        const res = await platform.app.inject({ method: 'GET', url: `/models/${MODEL}/versions/${version}/lineage`, headers: viewer });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().deploymentHistory as Array<{ deployment: string; strategy: string; role: string; state: string; startedAt: number; endedAt: number | null; startedBy: string; outcome: string; outcomeBy: string }>;
      };
      for (const version of [1, 2, flipped, broken]) {
        const expected = all.filter((d) => d.candidate === version || d.baseline === version).reverse();
        const history = await lineageOf(version);
        assert.deepEqual(history.map((h) => h.deployment), expected.map((d) => d.id), `version ${version}: every deployment it took part in, oldest first`);
        assert.deepEqual(history.map((h) => h.role), expected.map((d) => (d.candidate === version ? 'candidate' : 'baseline')));
      }
      const ofOne = await lineageOf(1);
      assert.deepEqual(
        (({ strategy, role, state, startedBy }) => ({ strategy, role, state, startedBy }))(ofOne[0]!),
        { strategy: 'direct', role: 'candidate', state: 'succeeded', startedBy: 'root' },
        'the first deployment of the model',
      );
      const reversed = ofOne.find((h) => h.strategy === 'canary' && h.role === 'candidate' && h.state === 'rolled-back');
      assert.ok(reversed && /prefer the blue-green one/.test(reversed.outcome) && reversed.outcomeBy === 'root' && reversed.endedAt !== null && reversed.endedAt >= reversed.startedAt, JSON.stringify(ofOne));
      const erroring = (await lineageOf(broken)).at(-1)!;
      assert.deepEqual([erroring.role, erroring.state, erroring.outcomeBy], ['candidate', 'rolled-back', 'system']);
      assert.match(erroring.outcome, /error-rate/);
      const ofTwo = await lineageOf(2);
      assert.ok(ofTwo.some((h) => h.strategy === 'blue-green' && h.role === 'candidate' && h.state === 'succeeded'));
      assert.ok(ofTwo.some((h) => h.strategy === 'canary' && h.role === 'baseline'), 'the canary that replaced it for a while');
    });
  });
}
