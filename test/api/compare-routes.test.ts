/**
 * GET /models/compare through app.inject on models trained here: versions of two models,
 * the same-model form, a named dataset, the recorded-only answer, roles and query checks.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

describe('GET /models/compare', () => {
  let platform: TestPlatform;
  let viewer: { authorization: string };
  const get = (url: string, headers: { authorization: string } | null = viewer) => platform.app.inject({ method: 'GET', url, ...(headers ? { headers } : {}) });

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    viewer = await platform.auth('viewer');
    const { datasets, training, jobs, registry } = platform.services;
    await datasets.registerRows(syntheticRows(300), { name: 'synth', origin: 'upload' });
    await datasets.registerRows(syntheticRows(80, 5), { name: 'probe', origin: 'upload' });
    for (const [model, family] of [['spam-detector', 'lr'], ['spam-detector-nb', 'nb']] as const) {
      const queued = await training.enqueueTraining({ model, family, dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: family === 'lr' ? { epochs: 3 } : {} }, task: 'spam' }, { name: 'test' });
      const job = await waitForJob(jobs, queued.id);
      assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    }
    await registry.registerVersion('spam-detector', { metrics: { eval_accuracy: 0.99 } }, { name: 'test' });
  });
  after(async () => platform.close());

  it('a viewer compares versions of two models on the rows both held out', async () => {
    const res = await get('/models/compare?a=spam-detector@v1.0&b=spam-detector-nb@v1.0&flips=3');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.relation, 'different-models');
    assert.equal(body.a.model, 'spam-detector');
    assert.equal(body.b.model, 'spam-detector-nb');
    assert.equal(body.sameRows, true);
    assert.equal(body.rows.source, 'held-out');
    const version = await platform.services.registry.getVersion('spam-detector', 1);
    assert.equal(body.rows.count, version.metrics.eval_rows);
    const accuracy = body.metrics.find((m: { metric: string }) => m.metric === 'accuracy');
    assert.ok(Math.abs(accuracy.a - version.metrics.eval_accuracy!) < 1e-9);
    assert.equal(accuracy.direction, 'higher');
    assert.equal(accuracy.ci.method, 'newcombe-paired');
    const threshold = body.metrics.find((m: { metric: string }) => m.metric === 'threshold');
    assert.deepEqual([threshold.direction, threshold.winner], ['none', null]);
    const { counts, mcnemar } = body.paired;
    assert.equal(counts.bothRight + counts.onlyARight + counts.onlyBRight + counts.bothWrong, body.rows.count);
    assert.equal(mcnemar.discordant, counts.onlyARight + counts.onlyBRight);
    assert.ok(mcnemar.pValue > 0 && mcnemar.pValue <= 1);
    assert.equal(body.flips.onlyARight.length, Math.min(3, counts.onlyARight));
    assert.equal(body.flips.onlyBRight.length, Math.min(3, counts.onlyBRight));
  });

  it('keeps the same-model form and scores on a named dataset', async () => {
    const same = await get('/models/compare?model=spam-detector&a=1&b=1');
    assert.equal(same.statusCode, 200, same.body);
    assert.equal(same.json().relation, 'same');
    assert.equal(same.json().paired.counts.onlyARight, 0);
    const onDataset = await get('/models/compare?a=spam-detector@1&b=spam-detector-nb@1&dataset=probe@1');
    assert.equal(onDataset.statusCode, 200, onDataset.body);
    assert.deepEqual([onDataset.json().rows.source, onDataset.json().rows.count, onDataset.json().rows.dataset.name], ['dataset', 80, 'probe']);
  });

  it('answers recorded metrics with no winner when no common rows exist', async () => {
    const res = await get('/models/compare?model=spam-detector&a=v1.0&b=2');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.sameRows, false);
    assert.equal(body.paired, null);
    assert.equal(body.flips, null);
    assert.ok(body.metrics.every((m: { winner: unknown }) => m.winner === null));
    assert.match(body.note, /pass dataset=/);
  });

  it('checks the query and the token', async () => {
    assert.equal((await get('/models/compare?a=spam-detector@1&b=spam-detector-nb@1', null)).statusCode, 401);
    const cases: Array<[string, string]> = [
      ['a=v1.0&b=spam-detector-nb@1', 'a'],
      ['a=spam-detector@1', 'query.b'],
      ['a=spam-detector@1&b=spam-detector-nb@1&flips=99', 'query.flips'],
      ['a=spam-detector@1&b=spam-detector-nb@1&dataset=probe@x', 'dataset'],
      ['a=spam-detector@1&b=spam-detector@2&dataset=probe', 'b'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/models/compare?${query}`);
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(res.json().error.field, field, query);
    }
    assert.equal((await get('/models/compare?a=nobody@1&b=spam-detector-nb@1')).statusCode, 404);
  });
});
