/**
 * "Production means something": an editor reaches Production by no path. This walks every
 * route that can register a version or change a stage, and every job kind that registers
 * one, with an editor token, against the real platform (in-process queue, SQLite), and
 * proves that what an editor causes stops at Staging, with a reason that says why. A route
 * added later that changes state must be added to the walk (the inventory check fails).
 */
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';
import { until } from '../support/wait.js';

type Json = Record<string, unknown>;
type Headers = { authorization: string };

/**
 * Every state-changing route an editor may call, and how the walk covers it. Routes that
 * cannot register a version or move a stage are listed with the reason they are harmless.
 */
const EDITOR_WRITE_ROUTES: Readonly<Record<string, string>> = {
  'POST /models': 'walked: a policy at creation needs admin',
  'PATCH /models/:name': 'walked: policy needs admin; a recipe an editor writes cannot be promoted by a policy',
  'POST /models/:name/versions': 'walked: claimed metrics stop at Staging',
  'PATCH /models/:name/versions/:version': 'walked: PENDING → READY with claimed metrics stops at Staging',
  'POST /models/:name/versions/:version/stage': 'walked: → Production is 403',
  'POST /runs/:id/artifacts/:artifactId/register': 'walked: claimed metrics stop at Staging',
  'POST /jobs/train': 'walked: a train job an editor starts stops at Staging',
  'POST /models/retrain': 'walked: a retrain an editor starts (one or all) stops at Staging',
  'POST /jobs/evaluate': 'walked: scores a version, never changes a stage',
  'PUT /models/:name/aliases/:alias': 'an alias names a version; it never changes a stage',
  'DELETE /models/:name/aliases/:alias': 'an alias names a version; it never changes a stage',
  'POST /datasets': 'data only: a version trained on it still passes the gates',
  'POST /experiments': 'tracking only',
  'POST /runs': 'tracking only',
  'POST /runs/search': 'a read',
  'POST /runs/:id/log-batch': 'tracking only: run metrics never stage a version',
  'PATCH /runs/:id': 'tracking only',
  'POST /runs/:id/artifacts': 'artifact upload: registering it is walked above',
  'POST /jobs/:id/cancel': 'stops a job: registers nothing',
  'POST /models/:name/versions/:version/predict': 'a read',
  'POST /predict/:model': 'answers with the live version: recording a prediction never changes a stage',
  'POST /predict/:model/versions/:version': 'answers with a named version: recording a prediction never changes a stage',
  'POST /feedback': 'attaches true labels to recorded predictions: they feed monitoring and guardrails, never a stage',
  'POST /redteam/campaigns':
    "attacks a version with Warden's built-in attacks on rows Warden holds (a dataset of the caller's is admin-only): registers nothing; the vulnerability retrain it may trigger is Warden's, on Warden-made rows, judged by the policy's gates",
  'POST /alerts/:id/ack': 'marks an alert seen: never a stage',
  'POST /alerts/silences': 'mutes notifications: never a stage',
  'DELETE /alerts/silences/:id': 'unmutes notifications: never a stage',
};

describe('an editor reaches Production by no path', () => {
  let platform: TestPlatform;
  let admin: Headers;
  let editor: Headers;

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    [admin, editor] = await Promise.all([platform.auth('admin'), platform.auth('editor')]);
    await platform.services.datasets.registerRows(syntheticRows(240), { name: 'synth', origin: 'upload' });
    await platform.services.datasets.registerRows(syntheticRows(240, 7), { name: 'synth-b', origin: 'upload' });
  });
  after(() => platform.close());

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, headers: Headers, payload?: unknown) {
    const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Json) };
  }

  async function finished(jobId: unknown) {
    const job = await waitForJob(platform.services.jobs, String(jobId));
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    return job.result as Json;
  }

  async function production(model: string): Promise<number | null> {
    const status = await call('GET', '/models/status', admin);
    const found = (status.body.models as Array<{ name: string; production: { number: number } | null }>).find((m) => m.name === model);
    return found?.production?.number ?? null;
  }

  const recipe = { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 2 } };

  it('lists every state-changing route an editor may call (a new one must join the walk)', () => {
    const editorWrites = platform.app
      .registeredRoutes()
      .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && (r.role === 'editor' || r.role === 'viewer'))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.deepEqual(editorWrites, Object.keys(EDITOR_WRITE_ROUTES).sort());
  });

  it('an admin-started training reaches Production through the policy (the champion for the walk)', async () => {
    // A lax policy, so that only the gates under test can keep a version out of Production.
    const lax = { metric: 'eval_accuracy', comparison: '>', threshold: 0.5, targetStage: 'Production' };
    assert.equal((await call('POST', '/models', admin, { name: 'guarded', task: 'spam', policy: lax })).status, 201);
    const started = await call('POST', '/jobs/train', admin, { model: 'guarded', family: 'lr', dataset: { datasets: ['synth'], includeFresh: true }, recipe });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const result = await finished(started.body.id);
    assert.equal(result.stage, 'Production', String(result.autoStageReason));
    assert.equal(await production('guarded'), 1);
  });

  it('registering a version with claimed metrics, directly or from a run artifact: Staging at most', async () => {
    const direct = await call('POST', '/models/guarded/versions', editor, { metrics: { eval_accuracy: 0.9999, eval_f1: 0.9999 } });
    assert.equal(direct.status, 201, JSON.stringify(direct.body));
    assert.equal((direct.body.version as Json).stage, 'Staging');
    assert.match(String((direct.body.autoStage as Json).reason), /reported by the caller, not computed by Warden/);

    const run = await call('POST', '/runs', editor, { experimentName: 'editor-claims' });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const runId = String((run.body.run as Json | undefined)?.id ?? run.body.id);
    const upload = await platform.app.inject({
      method: 'POST',
      url: `/runs/${runId}/artifacts?name=model.bin`,
      headers: { ...editor, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('not really a model'),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const artifactId = String((upload.json() as Json).id);
    const fromRun = await call('POST', `/runs/${runId}/artifacts/${artifactId}/register`, editor, { model: 'guarded', metrics: { eval_accuracy: 0.9999 } });
    assert.equal(fromRun.status, 201, JSON.stringify(fromRun.body));
    assert.equal(fromRun.body.stage, 'Staging');

    const pending = await call('POST', '/models/guarded/versions', editor, { status: 'PENDING', metrics: { eval_accuracy: 0.9999 } });
    const number = (pending.body.version as Json).number;
    const ready = await call('PATCH', `/models/guarded/versions/${String(number)}`, editor, { status: 'READY' });
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal((ready.body.version as Json).stage, 'Staging');
    assert.equal(await production('guarded'), 1);
  });

  it('moving a stage by hand, deploying, or giving a policy: 403', async () => {
    const staged = (await call('POST', '/models/guarded/versions', editor, {})).body.version as Json;
    assert.equal((await call('POST', `/models/guarded/versions/${String(staged.number)}/stage`, editor, { stage: 'Production' })).status, 403);
    assert.equal((await call('POST', '/models/deploy', editor, { model: 'guarded', version: staged.number })).status, 403);
    assert.equal((await call('POST', '/models/archive', editor, { model: 'guarded', version: 1, force: true, reason: 'x' })).status, 403);
    const lax = { metric: 'eval_accuracy', comparison: '>', threshold: 0, targetStage: 'Production' };
    assert.equal((await call('PATCH', '/models/guarded', editor, { policy: lax })).status, 403);
    assert.equal((await call('POST', '/models', editor, { name: 'lax', task: 'spam', policy: lax })).status, 403);
    assert.equal(await production('guarded'), 1);
  });

  it('a train job, a retrain, and a retrain of all models started by an editor: Staging, saying who started them', async () => {
    const trained = await call('POST', '/jobs/train', editor, { model: 'guarded', recipe: { hyperParameters: { epochs: 3 } } });
    assert.equal(trained.status, 202, JSON.stringify(trained.body));
    const trainResult = await finished(trained.body.id);
    assert.equal(trainResult.stage, 'Staging');
    assert.match(String(trainResult.autoStageReason), /started by editor "test-editor"; only an admin or a platform trigger/);

    const one = await call('POST', '/models/retrain', editor, { model: 'guarded' });
    assert.equal(one.status, 202, JSON.stringify(one.body));
    const retrained = await finished((one.body.jobs as Json[])[0]?.id);
    assert.equal(retrained.stage, 'Staging');

    const all = await call('POST', '/models/retrain', editor, { all: true });
    assert.equal(all.status, 202, JSON.stringify(all.body));
    for (const job of all.body.jobs as Json[]) assert.notEqual((await finished(job.id)).stage, 'Production');

    const evaluated = await call('POST', '/jobs/evaluate', editor, { model: 'guarded', version: 1, dataset: 'synth-b' });
    assert.equal(evaluated.status, 202, JSON.stringify(evaluated.body));
    await finished(evaluated.body.id);
    assert.equal(await production('guarded'), 1);
  });

  it('a platform retrain on fresh data cannot promote a recipe an editor wrote, until an admin stores it', async () => {
    const patched = await call('PATCH', '/models/guarded', editor, { recipe: { family: 'lr', dataset: { datasets: ['synth-b'], includeFresh: true }, ...recipe } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((patched.body.tags as Json)['warden.recipe_author_role'], 'editor');
    assert.equal((await call('POST', '/data/scan', editor)).status, 403, 'the scan moves the operator files: admin only');

    const folder = path.join(platform.config.dataDir, 'fresh', 'guarded');
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'batch.jsonl');
    fs.writeFileSync(file, syntheticRows(60, 11).map((r) => JSON.stringify({ text: `fresh ${r.text}`, label: r.label })).join('\n') + '\n');
    const settled = new Date(Date.now() - 60_000); // the scanner takes files that stopped changing
    fs.utimesSync(file, settled, settled);
    // The periodic scan (the platform, not a user) versions the file and raises the fresh-data event.
    const scanned = await platform.services.freshData.scanFresh();
    assert.equal(scanned.models.find((m) => m.model === 'guarded')?.announced, true);
    const retrain = await waitForRetrain('guarded', 'fresh-data');
    const outcome = await finished(retrain);
    assert.equal(outcome.stage, 'Staging');
    assert.match(String(outcome.autoStageReason), /recipe was last changed by editor "test-editor"; an admin must review it/);
    assert.equal(await production('guarded'), 1);

    const current = (await call('GET', '/models/guarded', admin)).body.recipe;
    const reviewed = await call('PATCH', '/models/guarded', admin, { recipe: current });
    assert.equal(reviewed.status, 200, JSON.stringify(reviewed.body));
    assert.equal((reviewed.body.tags as Json)['warden.recipe_author_role'], 'admin');
    assert.equal((reviewed.body.tags as Json)['warden.recipe_author'], 'admin');
  });

  async function waitForRetrain(model: string, trigger: string): Promise<string> {
    const find = async () => (await platform.services.jobs.list({ kind: 'retrain', limit: 50 })).items.find((j) => j.payload.model === model && j.payload.trigger === trigger);
    return (await until(find, `a ${trigger} retrain of ${model}`, { timeoutMs: 30_000, everyMs: 50 })).id;
  }
});
