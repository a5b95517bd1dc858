import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS } from '../support/stores.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

type Json = Record<string, unknown>;

for (const kind of STORE_KINDS) {
  describe(`tracking routes on ${kind}`, () => {
    let platform: TestPlatform;
    let viewer: { authorization: string };
    let editor: { authorization: string };
    let admin: { authorization: string };

    before(async () => {
      platform = await openTestPlatform(kind);
      [viewer, editor, admin] = await Promise.all([platform.auth('viewer'), platform.auth('editor'), platform.auth('admin')]);
    });
    after(() => platform.close());

    async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: { authorization: string }, payload?: unknown) {
      const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
      return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Json) };
    }

    function errorOf(body: Json): { code: string; field?: string; message: string } {
      return body.error as { code: string; field?: string; message: string };
    }

    async function startRun(experimentName: string, extra: Json = {}): Promise<Json> {
      const res = await call('POST', '/runs', editor, { experimentName, ...extra });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }

    it('experiments: editor creates, viewer reads by id or name, duplicates are 409, bad names 400', async () => {
      const created = await call('POST', '/experiments', editor, { name: 'phishing', description: 'urls', tags: { team: 'mail' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'phishing');
      assert.equal((await call('GET', `/experiments/${created.body.id as string}`, viewer)).body.name, 'phishing');
      assert.equal((await call('GET', '/experiments/phishing', viewer)).body.id, created.body.id);
      assert.equal((await call('POST', '/experiments', editor, { name: 'phishing' })).status, 409);
      const bad = await call('POST', '/experiments', editor, { name: 'no spaces' });
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad.body).field, 'name');
      const missing = await call('POST', '/experiments', editor, {});
      assert.equal(errorOf(missing.body).field, 'body.name');
      assert.equal((await call('POST', '/experiments', viewer, { name: 'x' })).status, 403);
      assert.equal((await call('GET', '/experiments/nope', viewer)).status, 404);
      assert.equal((await call('POST', '/experiments', editor, { name: 'phishing-2' })).status, 201);
      const list = await call('GET', '/experiments?limit=1', viewer);
      assert.equal((list.body.experiments as Json[]).length, 1);
      assert.equal(typeof list.body.nextPageToken, 'string');
      const rest = await call('GET', `/experiments?limit=1&page_token=${list.body.nextPageToken as string}`, viewer);
      assert.deepEqual((rest.body.experiments as Json[]).map((e) => e.name), ['phishing-2']);
      const noToken = await platform.app.inject({ method: 'GET', url: '/experiments' });
      assert.equal(noToken.statusCode, 401);
    });

    it('a run with params and 10,000 metric points (10 batches of 1,000) round-trips', async () => {
      const run = await startRun('roundtrip', { name: 'big', tags: { team: 'mail' } });
      const id = run.id as string;
      assert.equal(run.status, 'RUNNING');
      const params = [
        { key: 'lr', value: '0.1' },
        { key: 'ngram', value: '1-3' },
      ];
      for (let b = 0; b < 10; b += 1) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'train/loss', value: 1 / (b * 1000 + i + 1), step: b * 1000 + i, timestamp: 1_700_000_000_000 + i }));
        const res = await call('POST', `/runs/${id}/log-batch`, editor, { metrics, ...(b === 0 ? { params, tags: [{ key: 'phase', value: 'train' }] } : {}) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.metrics, 1000);
      }
      const history = await call('GET', `/runs/${id}/metrics/${encodeURIComponent('train/loss')}`, viewer);
      assert.equal(history.status, 200, JSON.stringify(history.body).slice(0, 300));
      const points = history.body.points as Array<{ step: number; value: number }>;
      assert.equal(points.length, 10_000);
      assert.ok(points.every((p, i) => p.step === i && p.value === 1 / (i + 1)));
      const paged = await call('GET', `/runs/${id}/metrics/${encodeURIComponent('train/loss')}?limit=4000`, viewer);
      assert.equal((paged.body.points as unknown[]).length, 4000);
      const next = await call('GET', `/runs/${id}/metrics/${encodeURIComponent('train/loss')}?limit=4000&page_token=${paged.body.nextPageToken as string}`, viewer);
      assert.equal((next.body.points as Array<{ step: number }>)[0]?.step, 4000);

      const got = await call('GET', `/runs/${id}`, viewer);
      assert.deepEqual(got.body.params, { lr: '0.1', ngram: '1-3' });
      assert.deepEqual(got.body.tags, { team: 'mail', phase: 'train' });
      assert.deepEqual(got.body.metrics, { 'train/loss': { key: 'train/loss', value: 1 / 10_000, step: 9_999, timestamp: 1_700_000_000_999 } });

      const usage = { cpuSeconds: 12.5, peakRssBytes: 300_000_000, wallSeconds: 20 };
      const ended = await call('PATCH', `/runs/${id}`, editor, { status: 'FINISHED', resourceUsage: usage });
      assert.equal(ended.status, 200);
      assert.equal(ended.body.status, 'FINISHED');
      assert.equal(typeof ended.body.endTime, 'number');
      assert.deepEqual(ended.body.resourceUsage, usage);
      const again = await call('PATCH', `/runs/${id}`, editor, { status: 'KILLED' });
      assert.equal(again.status, 409);
      assert.equal(errorOf(again.body).code, 'RUN_NOT_ACTIVE');
      const late = await call('POST', `/runs/${id}/log-batch`, editor, { metrics: [{ key: 'x', value: 1 }] });
      assert.equal(late.status, 409);
    });

    it('log-batch is all-or-nothing and names the bad field', async () => {
      const id = (await startRun('batches')).id as string;
      assert.equal((await call('POST', `/runs/${id}/log-batch`, editor, { params: [{ key: 'seed', value: '1' }] })).status, 200);
      const conflict = await call('POST', `/runs/${id}/log-batch`, editor, {
        metrics: [{ key: 'acc', value: 0.5, step: 1 }],
        params: [{ key: 'seed', value: '2' }],
        tags: [{ key: 'a', value: 'b' }],
      });
      assert.equal(conflict.status, 409);
      assert.equal(errorOf(conflict.body).code, 'PARAM_CONFLICT');
      const after = await call('GET', `/runs/${id}`, viewer);
      assert.deepEqual(after.body.metrics, {});
      assert.deepEqual(after.body.tags, {});

      const tooMany = await call('POST', `/runs/${id}/log-batch`, editor, { metrics: Array.from({ length: 1001 }, () => ({ key: 'a', value: 1 })) });
      assert.equal(tooMany.status, 400);
      assert.equal(errorOf(tooMany.body).field, 'body.metrics');
      const badValue = await call('POST', `/runs/${id}/log-batch`, editor, { metrics: [{ key: 'a', value: 1 }, { key: 'a', value: 'high' }] });
      assert.equal(badValue.status, 400);
      assert.equal(errorOf(badValue.body).field, 'body.metrics.1.value');
      const badStep = await call('POST', `/runs/${id}/log-batch`, editor, { metrics: [{ key: 'a', value: 1, step: -1 }] });
      assert.equal(errorOf(badStep.body).field, 'body.metrics.0.step');
      const badKey = await call('POST', `/runs/${id}/log-batch`, editor, { params: [{ key: '../etc', value: '1' }, { key: 'bad key', value: '1' }] });
      assert.equal(badKey.status, 400);
      assert.equal(errorOf(badKey.body).field, 'params[1].key');
      assert.equal((await call('POST', `/runs/${id}/log-batch`, viewer, { tags: [] })).status, 403);
      assert.equal((await call('POST', '/runs/nope/log-batch', editor, { tags: [{ key: 'a', value: 'b' }] })).status, 404);
      assert.deepEqual((await call('GET', `/runs/${id}`, viewer)).body.params, { seed: '1' });
    });

    it('searches runs by filter and metric order, paged, via GET and POST', async () => {
      const experiment = await call('POST', '/experiments', editor, { name: 'search-me' });
      const experimentId = experiment.body.id as string;
      for (let i = 0; i < 12; i += 1) {
        const id = (await startRun('search-me', { name: `s${i}`, tags: { team: i % 2 === 0 ? 'mail' : 'web' } })).id as string;
        await call('POST', `/runs/${id}/log-batch`, editor, { metrics: [{ key: 'eval_f1', value: i / 10 }], params: [{ key: 'lr', value: i < 6 ? '0.1' : '0.01' }] });
        if (i % 3 === 0) await call('PATCH', `/runs/${id}`, editor, { status: 'FINISHED' });
      }
      const filter = encodeURIComponent("metrics.eval_f1 > 0.25 and tags.team = 'mail'");
      const page1 = await call('GET', `/runs?experiment_id=${experimentId}&filter=${filter}&order_by=${encodeURIComponent('metrics.eval_f1 DESC')}&limit=2`, viewer);
      assert.equal(page1.status, 200, JSON.stringify(page1.body));
      assert.deepEqual((page1.body.runs as Json[]).map((r) => r.name), ['s10', 's8']);
      const page2 = await call('GET', `/runs?experiment_id=${experimentId}&filter=${filter}&order_by=${encodeURIComponent('metrics.eval_f1 DESC')}&limit=2&page_token=${page1.body.nextPageToken as string}`, viewer);
      assert.deepEqual((page2.body.runs as Json[]).map((r) => r.name), ['s6', 's4']);
      assert.equal(page2.body.nextPageToken, undefined);

      const posted = await call('POST', '/runs/search', viewer, { experimentIds: [experimentId], filter: "status = 'FINISHED' and params.lr = '0.01'", orderBy: 'metrics.eval_f1 ASC' });
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      assert.deepEqual((posted.body.runs as Json[]).map((r) => r.name), ['s6', 's9']);
      assert.equal(((posted.body.runs as Json[])[0]?.params as Json).lr, '0.01');

      const bad = await call('GET', `/runs?filter=${encodeURIComponent('metrics.eval_f1 >> 1')}`, viewer);
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad.body).field, 'filter');
      assert.match(errorOf(bad.body).message, /at character 18: .*expected a number after >/);
      const badOrder = await call('GET', `/runs?order_by=${encodeURIComponent('params.lr')}`, viewer);
      assert.equal(errorOf(badOrder.body).field, 'order_by');
      const badToken = await call('GET', `/runs?page_token=${page1.body.nextPageToken as string}`, viewer);
      assert.equal(errorOf(badToken.body).field, 'page_token');
      const badLimit = await call('GET', '/runs?limit=0', viewer);
      assert.equal(errorOf(badLimit.body).field, 'query.limit');
    });

    it('a model version naming its source run shows that run\'s params and final metrics', async () => {
      const id = (await startRun('registry-link')).id as string;
      await call('POST', `/runs/${id}/log-batch`, editor, {
        params: [{ key: 'lr', value: '0.05' }],
        metrics: [
          { key: 'eval_f1', value: 0.7, step: 0 },
          { key: 'eval_f1', value: 0.93, step: 1 },
        ],
      });
      await call('PATCH', `/runs/${id}`, editor, { status: 'FINISHED' });
      const model = `linked-${kind}`;
      assert.equal((await call('POST', '/models', editor, { name: model, task: 'spam' })).status, 201);
      const registered = await call('POST', `/models/${model}/versions`, editor, { metrics: { eval_f1: 0.93 }, sourceRunId: id });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const version = await call('GET', `/models/${model}/versions/1`, viewer);
      assert.equal(version.status, 200, JSON.stringify(version.body));
      assert.equal(version.body.sourceRunId, id);
      const sourceRun = version.body.sourceRun as Json;
      assert.equal(sourceRun.id, id);
      assert.equal(sourceRun.status, 'FINISHED');
      assert.deepEqual(sourceRun.params, { lr: '0.05' });
      assert.deepEqual(sourceRun.metrics, { eval_f1: 0.93 });
      // Without a source run, and after the run is deleted, sourceRun is null.
      await call('POST', `/models/${model}/versions`, editor, { metrics: { eval_f1: 0.5 } });
      assert.equal((await call('GET', `/models/${model}/versions/2`, viewer)).body.sourceRun, null);
      assert.equal((await call('DELETE', `/runs/${id}`, admin)).status, 204);
      const orphan = await call('GET', `/models/${model}/versions/1`, viewer);
      assert.equal(orphan.body.sourceRunId, id);
      assert.equal(orphan.body.sourceRun, null);
    });

    it('only an admin deletes a run; afterwards it is 404', async () => {
      const id = (await startRun('deletions')).id as string;
      assert.equal((await call('DELETE', `/runs/${id}`, editor)).status, 403);
      assert.equal((await call('DELETE', `/runs/${id}`, admin)).status, 204);
      assert.equal((await call('GET', `/runs/${id}`, viewer)).status, 404);
      assert.equal((await call('DELETE', `/runs/${id}`, admin)).status, 404);
    });
  });
}
