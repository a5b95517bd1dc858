import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

type Json = Record<string, unknown>;

describe('training routes on sqlite', () => {
  let platform: TestPlatform;
  let viewer: { authorization: string };
  let editor: { authorization: string };

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    [viewer, editor] = await Promise.all([platform.auth('viewer'), platform.auth('editor')]);
    await platform.services.datasets.registerRows(syntheticRows(200), { name: 'synth', origin: 'upload' });
  });
  after(() => platform.close());

  async function call(method: 'GET' | 'POST', url: string, headers: { authorization: string } | Record<string, never>, payload?: unknown) {
    const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Json) };
  }

  const trainBody = { model: 'api-spam', family: 'lr', dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 2 } }, task: 'spam' };

  it('POST /jobs/train: 202 with the job; the job trains and registers v1.0; predict answers', async () => {
    const res = await call('POST', '/jobs/train', editor, trainBody);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'train');
    assert.equal(res.body.model, 'api-spam');
    assert.equal(res.body.url, `/jobs/${String(res.body.id)}`);
    const job = await waitForJob(platform.services.jobs, String(res.body.id));
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const shown = await call('GET', `/jobs/${String(res.body.id)}`, viewer);
    assert.equal((shown.body.result as Json).semver, 'v1.0');

    const predicted = await call('POST', '/models/api-spam/versions/v1.0/predict', viewer, { texts: ['free cash prize winner click', 'project meeting notes'] });
    assert.equal(predicted.status, 200, JSON.stringify(predicted.body));
    assert.deepEqual((predicted.body.predictions as Array<{ label: number }>).map((p) => p.label), [1, 0]);
  });

  it('POST /models/retrain {model} and {all: true}: 202 with the job ids; a retrain bumps the minor', async () => {
    const one = await call('POST', '/models/retrain', editor, { model: 'api-spam' });
    assert.equal(one.status, 202, JSON.stringify(one.body));
    const jobs = one.body.jobs as Json[];
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]?.kind, 'retrain');
    const done = await waitForJob(platform.services.jobs, String(jobs[0]?.id));
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.equal((await platform.services.registry.getVersion('api-spam', 2)).semver, 'v1.1');

    await platform.services.registry.createModel({ name: 'no-recipe', task: 'spam' }, { name: 'test' });
    const all = await call('POST', '/models/retrain', editor, { all: true });
    assert.equal(all.status, 202);
    assert.deepEqual((all.body.jobs as Json[]).map((j) => j.model), ['api-spam']);
    assert.deepEqual(all.body.skipped, ['no-recipe']);
    for (const j of all.body.jobs as Json[]) await waitForJob(platform.services.jobs, String(j.id));
  });

  it('POST /jobs/evaluate: 202; the job scores the version on the dataset', async () => {
    const res = await call('POST', '/jobs/evaluate', editor, { model: 'api-spam', version: 1, dataset: 'synth' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'evaluate');
    const job = await waitForJob(platform.services.jobs, String(res.body.id));
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    assert.equal(((job.result as Json).metrics as Json).eval_rows, 200);
    assert.equal((await call('POST', '/jobs/evaluate', editor, { model: 'api-spam', version: 1, dataset: 'nope' })).status, 404);
  });

  it('a version whose model blob became a directory or went missing: predict 422 and evaluate fails with the integrity code, never 500/404', async () => {
    // Its own seed: the same recipe and data would give api-spam's bytes, a digest predict has already loaded.
    const trained = await call('POST', '/jobs/train', editor, { ...trainBody, model: 'broken-blob', recipe: { ...trainBody.recipe, seed: 7 } });
    assert.equal((await waitForJob(platform.services.jobs, String(trained.body.id))).state, 'succeeded');
    const version = await platform.services.registry.getVersion('broken-blob', 1);
    const file = path.join(platform.config.artifactsRoot, 'blobs', version.artifactDigest!.slice(0, 2), version.artifactDigest!.slice(2, 4), version.artifactDigest!);
    const cases = [
      { broken: 'a directory', code: 'ARTIFACT_TAMPERED', breakIt: () => (fs.rmSync(file), fs.mkdirSync(file)) },
      { broken: 'missing', code: 'ARTIFACT_BLOB_MISSING', breakIt: () => fs.rmdirSync(file) },
    ];
    for (const { broken, code, breakIt } of cases) {
      breakIt();
      const predicted = await call('POST', '/models/broken-blob/versions/v1.0/predict', viewer, { texts: ['free cash'] });
      assert.equal(predicted.status, 422, `${broken}: ${JSON.stringify(predicted.body)}`);
      assert.equal((predicted.body.error as Json).code, code, broken);
      const evaluation = await call('POST', '/jobs/evaluate', editor, { model: 'broken-blob', version: 1, dataset: 'synth' });
      const job = await waitForJob(platform.services.jobs, String(evaluation.body.id));
      assert.equal(job.state, 'failed', broken);
      assert.equal(job.error?.code, code, broken);
      assert.equal(job.attempts, 1, `${broken}: an integrity failure is not retried`);
    }
  });

  it('roles and validation: viewers cannot train, bad input is a 400 naming the field, unknown models 404', async () => {
    assert.equal((await call('POST', '/jobs/train', viewer, trainBody)).status, 403);
    assert.equal((await call('POST', '/models/retrain', viewer, { model: 'api-spam' })).status, 403);
    assert.equal((await call('POST', '/models/retrain', {}, { model: 'api-spam' })).status, 401);
    const bad = await call('POST', '/jobs/train', editor, { ...trainBody, model: 'x2', recipe: { hyperParameters: { epochs: -1 } } });
    assert.equal(bad.status, 400);
    assert.match(String((bad.body.error as Json).field), /^recipe\.hyperParameters/);
    const misspelt = await call('POST', '/jobs/train', editor, { ...trainBody, model: 'x2', recipe: { featurizer: { windowchars: 400 } } });
    assert.equal(misspelt.status, 400, 'a misspelt featuriser field is refused, not stored unread');
    assert.equal((misspelt.body.error as Json).field, 'recipe.featurizer.windowchars');
    const missing = await call('POST', '/models/retrain', editor, { model: 'nope' });
    assert.equal(missing.status, 404);
    const neither = await call('POST', '/models/retrain', editor, {});
    assert.equal(neither.status, 400);
    const unknownData = await call('POST', '/jobs/train', editor, { model: 'x3', family: 'lr', recipe: { dataset: { datasets: ['nope'] } } });
    assert.equal(unknownData.status, 400, JSON.stringify(unknownData.body));
    assert.equal((unknownData.body.error as Json).field, 'recipe.dataset.datasets[0].name');
    const noData = await call('POST', '/jobs/train', editor, { model: 'x3', family: 'lr' });
    assert.equal(noData.status, 400);
    assert.match(String((noData.body.error as Json).message), /built-in corpora: spam-assassin, everyday-messages; datasets: synth/);
    assert.equal((await call('GET', '/models/x3', viewer)).status, 404, 'a refused train request creates no model');
    const tooMany = await call('POST', '/models/api-spam/versions/1/predict', viewer, { texts: [] });
    assert.equal(tooMany.status, 400);
  });
});
