import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';
import { STORE_KINDS } from '../support/stores.js';

type Json = Record<string, unknown>;

describe('retraining routes', () => {
  let platform: TestPlatform;
  let viewer: { authorization: string };
  const get = async (url: string, headers: Record<string, string> = viewer) => {
    const res = await platform.app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, body: res.json() as Json };
  };

  before(async () => {
    platform = await openTestPlatform('sqlite');
    viewer = await platform.auth('viewer');
    await platform.services.datasets.registerRows(syntheticRows(120), { name: 'routes-data', origin: 'upload' });
    await platform.services.training.enqueueTraining({ model: 'routes-m', family: 'lr', dataset: { datasets: ['routes-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
  });
  after(async () => platform.close());

  it('lists decisions with their reasons, filters them, and shows one; a model shows its pending signals and last decisions', async () => {
    const retrain = await platform.app.inject({ method: 'POST', url: '/models/retrain', headers: await platform.auth('editor'), payload: { model: 'routes-m' } });
    assert.equal(retrain.statusCode, 202, retrain.body);
    const now = Date.now();
    // In the cooldown of the manual retrain: recorded, declined, and said why.
    await platform.services.retraining.observe({ kind: 'drift', model: 'routes-m', key: 'alert:d', at: now, descriptor: 'psi:score', statistic: 0.5 });

    const all = await get('/retraining?model=routes-m');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const decisions = all.body.decisions as Json[];
    assert.deepEqual(decisions.map((d) => d.outcome), ['no-retrain', 'retrain']);
    assert.match(String((decisions[0]!.declined as Json[])[0]!.detail), /in cooldown until/);
    assert.equal(((decisions[1]!.triggers as Json[])[0]!.values as Json).actor, 'test-editor');

    const manualOnly = await get('/retraining?trigger=manual&outcome=retrain&limit=5');
    assert.deepEqual((manualOnly.body.decisions as Json[]).map((d) => d.id), [decisions[1]!.id]);

    const one = await get(`/retraining/${String(decisions[1]!.id)}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.jobId, (retrain.json() as { jobs: Json[] }).jobs[0]!.id);
    const missing = await get('/retraining/nope');
    assert.equal(missing.status, 404);
    assert.equal((missing.body.error as Json).code, 'RETRAINING_DECISION_NOT_FOUND');

    const triggers = await get('/models/routes-m/triggers');
    assert.equal(triggers.status, 200, JSON.stringify(triggers.body));
    assert.deepEqual(triggers.body.pending, []);
    assert.equal(typeof triggers.body.lastRetrainAt, 'number');
    assert.equal((triggers.body.decisions as Json[]).length, 2);
    assert.equal((await get('/models/nope/triggers')).status, 404);
  });

  it('validates strictly, naming the field, and needs a token', async () => {
    for (const url of ['/retraining?trigger=moon', '/retraining?limit=0', '/retraining?limit=201', '/retraining?outcome=maybe']) {
      const res = await get(url);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body.error as Json).code, 'VALIDATION_FAILED');
    }
    assert.equal((await get('/retraining', {})).status, 401);
  });
});

for (const kind of STORE_KINDS) {
  describe(`GET /retraining pages past 200 decisions on ${kind}`, () => {
    let platform: TestPlatform;
    let viewer: { authorization: string };
    const get = async (url: string) => {
      const res = await platform.app.inject({ method: 'GET', url, headers: viewer });
      return { status: res.statusCode, body: res.json() as Json };
    };
    const recovered = (model: string, i: number) =>
      platform.services.retraining.observe({ kind: 'metric-recovered', model, key: `resolved:${i}`, at: Date.now(), metric: 'accuracy' });

    before(async () => {
      platform = await openTestPlatform(kind);
      viewer = await platform.auth('viewer');
      // Many decisions share a millisecond: the pages must still split them exactly once.
      for (let i = 0; i < 205; i++) assert.equal((await recovered('paged-m', i))?.outcome, 'no-retrain');
      await recovered('paged-other', 0);
    });
    after(async () => platform.close());

    it('follows nextPageToken through every decision once, newest first, keeping the filter; a decision recorded meanwhile shifts nothing', async () => {
      const first = await get('/retraining?model=paged-m&limit=200');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const firstIds = (first.body.decisions as Json[]).map((d) => String(d.id));
      assert.equal(firstIds.length, 200);
      assert.equal(typeof first.body.nextPageToken, 'string');
      await recovered('paged-m', 1_000); // newer than every page already handed out
      const second = await get(`/retraining?model=paged-m&limit=200&pageToken=${encodeURIComponent(String(first.body.nextPageToken))}`);
      assert.equal(second.status, 200, JSON.stringify(second.body));
      const secondIds = (second.body.decisions as Json[]).map((d) => String(d.id));
      assert.equal(secondIds.length, 5);
      assert.equal(second.body.nextPageToken, undefined, 'the last page says so');
      const stored = await platform.services.retraining.list({ model: 'paged-m', limit: 500 });
      assert.equal(stored.length, 206);
      assert.deepEqual([...firstIds, ...secondIds], stored.slice(1).map((d) => d.id), 'the pages are the store order, each decision once');
      for (const d of [...(first.body.decisions as Json[]), ...(second.body.decisions as Json[])]) assert.equal(d.model, 'paged-m');

      // Small pages walk the same order.
      const walked: string[] = [];
      let token: string | undefined;
      do {
        const page = await get(`/retraining?model=paged-m&limit=37${token === undefined ? '' : `&pageToken=${encodeURIComponent(token)}`}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        walked.push(...(page.body.decisions as Json[]).map((d) => String(d.id)));
        token = page.body.nextPageToken as string | undefined;
      } while (token !== undefined);
      assert.deepEqual(walked, stored.map((d) => d.id));
    });

    it('refuses a page token it did not hand out, an unknown parameter and a bad limit, naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['/retraining?pageToken=not-a-token', 'pageToken'],
        [`/retraining?pageToken=${btoa('12:id:extra').replace(/=+$/, '')}`, 'pageToken'],
        ['/retraining?pageToken=', 'query.pageToken'],
        ['/retraining?page=2', 'query.page'],
        ['/retraining?cursor=abc', 'query.cursor'],
        ['/retraining?limit=ten', 'query.limit'],
        ['/retraining?limit=201', 'query.limit'],
      ];
      for (const [url, field] of cases) {
        const res = await get(url);
        assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
        assert.equal((res.body.error as Json).code, 'VALIDATION_FAILED');
        assert.equal((res.body.error as Json).field, field, `${url}: ${JSON.stringify(res.body)}`);
      }
    });
  });
}
