/**
 * The monitoring service end to end on the real platform (SQLite with the in-process queue,
 * PostgreSQL with Redis): versions trained by the platform's own jobs store a reference
 * profile; traffic goes through the serving service (descriptors, samples, the batched
 * prediction log) and feedback; ticks run through the `monitor-models` job handler; alerts
 * come out of the AlertService; the snapshot is read over GET /monitoring.
 *
 * Replays: labelled traffic whose accuracy drops 8 % → one alert, accuracy-drop, resolved
 * after it recovers; zero-width evasions → drift names invisiblePer1k with example inputs;
 * 100k stationary predictions → no alert.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PLATFORM_MODES, openModePlatform, type TestPlatform } from '../support/platform.js';
import { ROOT } from '../support/serving.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';
import { jobEnded, until } from '../support/wait.js';

type Json = Record<string, unknown>;
type Row = { text: string; label: 0 | 1 };

/** The training corpus; live traffic drawn from the same generator, its `#n` suffixes in the same range, is stationary against it. */
const CORPUS = syntheticRows(1_000, 1);
const stationary = (n: number, seed: number): Row[] => syntheticRows(n, seed).map((row, i) => ({ text: row.text.replace(/#\d+$/, `#${i % 1_000}`), label: row.label }));

for (const mode of PLATFORM_MODES) {
  describe(`monitoring on ${mode.name}`, () => {
    let platform: TestPlatform;
    let viewer: { authorization: string };

    before(async () => {
      platform = await openModePlatform(mode, {
        WARDEN_WORKER_CONCURRENCY: '1',
        WARDEN_PREDICT_MAX_BATCH: '1000',
        WARDEN_PREDICTION_LOG_BUFFER: '200000',
        WARDEN_MONITOR_SAMPLE_RATE: '0.2',
        WARDEN_MONITOR_DESCRIBE_RATE: '1',
        WARDEN_MONITOR_LAST_LABELLED: '400',
      });
      viewer = await platform.auth('viewer');
      await platform.services.datasets.registerRows(CORPUS, { name: 'synth-monitoring', origin: 'upload' });
    });
    after(() => platform.close());

    async function liveModel(model: string): Promise<void> {
      const { services } = platform;
      await services.registry.createModel({ name: model, task: 'spam', policy: { enabled: false } }, ROOT);
      const job = await services.training.enqueueTraining({ model, family: 'lr', dataset: { datasets: ['synth-monitoring'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 5 } } }, ROOT);
      const done = await jobEnded(services.jobs, job.id, 60_000);
      assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
      await services.registry.deploy(model, 1, ROOT);
      await until(async () => (await services.serving.predict(model, { requestId: randomUUID(), texts: ['hello'], batch: true }).catch(() => undefined)) !== undefined, `${model} to serve`, { timeoutMs: 10_000 });
    }

    /** Predicts every text through the serving service (batches of 1,000) and writes the log; returns each answer's id and label. */
    async function serve(model: string, texts: readonly string[]): Promise<Array<{ id: string; label: number }>> {
      const answers: Array<{ id: string; label: number }> = [];
      for (let i = 0; i < texts.length; i += 1_000) {
        const answer = await platform.services.serving.predict(model, { requestId: randomUUID(), texts: texts.slice(i, i + 1_000), batch: true });
        answers.push(...answer.predictions.map((p) => ({ id: p.id, label: p.label })));
      }
      await platform.services.predictionLog.flush();
      return answers;
    }

    async function feedback(items: ReadonlyArray<{ id: string; label: number }>): Promise<void> {
      for (let i = 0; i < items.length; i += 1_000) {
        await platform.services.serving.feedback(items.slice(i, i + 1_000).map((item) => ({ requestId: item.id, label: item.label })), { name: 'labeller' });
      }
    }

    /** One `monitor-models` tick, through the periodic job's handler. */
    async function tick(): Promise<Json> {
      return (await platform.handlers['monitor-models']!({} as never)) as Json;
    }

    async function snapshot(model: string): Promise<Json> {
      const res = await platform.app.inject({ method: 'GET', url: `/monitoring/${model}`, headers: viewer });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Json;
    }

    async function alertsOf(model: string) {
      return (await platform.services.alerts.list({ model, state: 'all', limit: 500 })).alerts;
    }

    it('a labelled accuracy drop of 8 % fires one alert, accuracy-drop, kept through the episode and resolved when it recovers', async () => {
      await liveModel('acc');
      const version = await platform.services.registry.getVersion('acc', 1);
      const baseline = { accuracy: version.metrics.eval_accuracy!, precision: version.metrics.eval_precision!, recall: version.metrics.eval_recall!, f1: version.metrics.eval_f1! };
      const N = 400;

      // Healthy: true labels of stationary traffic.
      const healthyRows = stationary(N, 21);
      const healthy = await serve('acc', healthyRows.map((r) => r.text));
      await feedback(healthy.map((a, i) => ({ id: a.id, label: healthyRows[i]!.label })));
      await tick();
      assert.deepEqual(await alertsOf('acc'), []);

      // The drop: the labelled mix shifts so accuracy is 92 % of its baseline while precision,
      // recall and F1 stay within 4.5 % of theirs: errors go where the baseline leaves most room.
      const errors = 1 - 0.92 * baseline.accuracy;
      const tpShare = 1 - errors - 0.02;
      const room = (metric: number) => (tpShare * (1 - 0.955 * metric)) / (0.955 * metric);
      const fnShare = Math.min(errors, room(baseline.recall));
      const fpShare = errors - fnShare;
      assert.ok(fpShare <= room(baseline.precision) && (2 * tpShare) / (2 * tpShare + errors) >= 0.955 * baseline.f1, `the baseline ${JSON.stringify(baseline)} leaves room for the design`);
      const counts = { tp: Math.round(tpShare * N), fp: Math.round(fpShare * N), fn: Math.round(fnShare * N) };
      const tn = N - counts.tp - counts.fp - counts.fn;
      const answers = await serve('acc', stationary(4 * N, 22).map((r) => r.text));
      const positives = answers.filter((a) => a.label === 1);
      const negatives = answers.filter((a) => a.label === 0);
      assert.ok(positives.length >= counts.tp + counts.fp && negatives.length >= tn + counts.fn);
      const drop = [
        ...positives.slice(0, counts.tp).map((a) => ({ id: a.id, label: 1 })),
        ...positives.slice(counts.tp, counts.tp + counts.fp).map((a) => ({ id: a.id, label: 0 })),
        ...negatives.slice(0, tn).map((a) => ({ id: a.id, label: 0 })),
        ...negatives.slice(tn, tn + counts.fn).map((a) => ({ id: a.id, label: 1 })),
      ];
      await feedback(drop);
      for (let i = 0; i < 3; i++) await tick();
      const firing = await alertsOf('acc');
      assert.equal(firing.length, 1, JSON.stringify(firing.map((a) => a.summary)));
      assert.equal(firing[0]!.rule, 'accuracy-drop');
      assert.equal(firing[0]!.state, 'open');
      assert.equal(firing[0]!.breaches, 3);
      const during = await snapshot('acc');
      const arm = (during.arms as Json[])[0]!;
      const judged = (arm.performance as Json).windows as Json;
      const accuracy = (((judged.lastLabelled as Json).metrics as Json).accuracy as Json);
      assert.ok(Math.abs((accuracy.value as number) - 0.92 * baseline.accuracy) < 0.01, JSON.stringify(accuracy));
      assert.ok((accuracy.lower as number) < (accuracy.value as number) && (accuracy.upper as number) > (accuracy.value as number));
      assert.equal(((arm.performance as Json).estimate as Json).estimated, true);

      // Recovery: the newest labelled predictions are right again; three clear ticks resolve it.
      const recoveredRows = stationary(N, 23);
      const recovered = await serve('acc', recoveredRows.map((r) => r.text));
      await feedback(recovered.map((a, i) => ({ id: a.id, label: recoveredRows[i]!.label })));
      for (let i = 0; i < 3; i++) await tick();
      const after = await alertsOf('acc');
      assert.equal(after.length, 1);
      assert.equal(after[0]!.state, 'resolved');
    });

    it('zero-width evasions: drift names the invisible-character descriptor and shows example inputs', async () => {
      await liveModel('evasion');
      const zeroWidth = stationary(600, 31).map((r) => r.text.replace(/([a-z])([a-z])/g, '$1\u200b$2'));
      await serve('evasion', zeroWidth);
      await tick();
      const drift = ((await snapshot('evasion')).arms as Json[])[0]!.drift as Json;
      assert.equal(drift.status, 'evaluated');
      assert.equal(drift.verdict, 'drift');
      assert.ok((drift.drifted as string[]).includes('invisiblePer1k'), JSON.stringify(drift.drifted));
      const invisible = (drift.results as Json[]).find((r) => r.name === 'invisiblePer1k')!;
      assert.ok((invisible.examples as string[]).length > 0);
      assert.ok((invisible.examples as string[]).every((text) => text.includes('\u200b') && text.length <= 200));
      const alerts = await alertsOf('evasion');
      assert.deepEqual(alerts.map((a) => a.rule), ['drift']);
      assert.ok(((alerts[0]!.details.drifted as string[]) ?? []).includes('invisiblePer1k'));
    });

    it('100k stationary predictions with their true labels raise no alert', { timeout: 240_000 }, async () => {
      await liveModel('steady');
      const rows = stationary(100_000, 41);
      const answers = await serve('steady', rows.map((r) => r.text));
      await feedback(answers.slice(-2_000).map((a, i) => ({ id: a.id, label: rows[rows.length - 2_000 + i]!.label })));
      const result = await tick();
      const steady = (result.models as Json[]).find((m) => m.model === 'steady')!;
      assert.ok((steady.signals as number) > 0, 'performance, drift and error signals were judged');
      const snap = await snapshot('steady');
      assert.equal(snap.rowsRead, 100_000 + 1);
      const arm = (snap.arms as Json[])[0]!;
      assert.equal((arm.drift as Json).status, 'evaluated');
      assert.notEqual((arm.drift as Json).verdict, 'drift', JSON.stringify((arm.drift as Json).drifted));
      assert.deepEqual(await alertsOf('steady'), []);
    });

    it('a version trained before reference profiles says so plainly; unknown models answer 404; the summary lists every model', async () => {
      // A version from before reference profiles: its run has no profile artifact.
      await liveModel('legacy');
      const version = await platform.services.registry.getVersion('legacy', 1);
      const profile = (await platform.services.artifacts.list(version.sourceRunId!)).find((a) => a.name === 'reference-profile.json')!;
      await platform.services.artifacts.delete(version.sourceRunId!, profile.id);
      await serve('legacy', stationary(200, 51).map((r) => r.text));
      await tick();
      const drift = ((await snapshot('legacy')).arms as Json[])[0]!.drift as Json;
      assert.deepEqual(drift, { status: 'no-reference-profile', message: 'no reference profile; retrain to enable drift' });
      const missing = await platform.app.inject({ method: 'GET', url: '/monitoring/nobody', headers: viewer });
      assert.equal(missing.statusCode, 404);
      assert.equal((missing.json() as { error: { code: string } }).error.code, 'MONITORING_NOT_FOUND');
      const bad = await platform.app.inject({ method: 'GET', url: '/monitoring/Not%20a%20name', headers: viewer });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match((bad.json() as { error: { field: string } }).error.field, /model/);
      const summary = await platform.app.inject({ method: 'GET', url: '/monitoring', headers: viewer });
      assert.equal(summary.statusCode, 200, summary.body);
      const body = summary.json() as { models: Json[]; process: Json | null };
      assert.ok(['acc', 'evasion', 'steady'].every((m) => body.models.some((s) => s.model === m)));
      assert.ok(body.process !== null && (body.process.rssBytes as number) > 0);
      const noToken = await platform.app.inject({ method: 'GET', url: '/monitoring' });
      assert.equal(noToken.statusCode, 401);
    });
  });
}
