import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

type Headers = { authorization: string };

describe('registry routes', () => {
  let platform: TestPlatform;
  let viewer: Headers;
  let editor: Headers;
  let admin: Headers;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: Headers | undefined, payload?: unknown) =>
    platform.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

  before(async () => {
    platform = await openTestPlatform('sqlite');
    [viewer, editor, admin] = await Promise.all([platform.auth('viewer'), platform.auth('editor'), platform.auth('admin')]);
  });
  after(async () => platform.close());

  it('declares a role on every registry route and refuses requests without a token', async () => {
    const routes = platform.app.registeredRoutes().filter((r) => r.url.startsWith('/models') && r.method !== 'HEAD');
    const found = new Set(routes.map((r) => `${r.method} ${r.url}`));
    const mine = [
      'GET /models/status',
      'GET /models/compare',
      'POST /models/deploy',
      'POST /models/archive',
      'POST /models',
      'GET /models',
      'GET /models/:name',
      'PATCH /models/:name',
      'DELETE /models/:name',
      'GET /models/:name/history',
      'POST /models/:name/versions',
      'GET /models/:name/versions',
      'GET /models/:name/versions/:version',
      'PATCH /models/:name/versions/:version',
      'POST /models/:name/versions/:version/stage',
      'GET /models/:name/versions/:version/lineage',
      'PUT /models/:name/aliases/:alias',
      'DELETE /models/:name/aliases/:alias',
    ];
    for (const route of mine) assert.ok(found.has(route), `${route} is registered`);
    for (const route of routes) {
      assert.ok(route.role !== undefined, `${route.method} ${route.url} declares a role`);
      const url = route.url.replace(':name', 'spam').replace(':version', '1').replace(':alias', 'champion');
      const res = await platform.app.inject({ method: route.method as 'GET', url });
      assert.equal(res.statusCode, 401, `${route.method} ${url}`);
    }
  });

  it('creates models with role and input checks', async () => {
    assert.equal((await call('POST', '/models', viewer, { name: 'spam', task: 'spam' })).statusCode, 403);
    const created = await call('POST', '/models', editor, { name: 'spam', task: 'spam', description: 'mail', tags: { team: 'mail' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().name, 'spam');
    assert.equal(created.json().policy.metric, 'eval_accuracy');
    const cases: Array<[unknown, number, string, string]> = [
      [{ name: 'spam', task: 'spam' }, 409, 'MODEL_ALREADY_EXISTS', 'name'],
      [{ name: 'Bad Name', task: 'spam' }, 400, 'VALIDATION_FAILED', 'name'],
      [{ name: 'status', task: 'spam' }, 400, 'NAME_RESERVED', 'name'],
      [{ name: 'ok' }, 400, 'VALIDATION_FAILED', 'body.task'],
      [{ name: 'ok', task: 'spam', policy: { metric: 'f1', comparison: '~', threshold: 1, targetStage: 'Staging' } }, 400, 'VALIDATION_FAILED', 'body.policy'],
    ];
    for (const [payload, status, code, field] of cases) {
      const res = await call('POST', '/models', editor, payload);
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)} → ${res.body}`);
      assert.equal(res.json().error.code, code);
      assert.ok(String(res.json().error.field).startsWith(field), `${res.json().error.field} starts with ${field}`);
    }
    const bad = await call('POST', '/models', editor, '{"name":');
    assert.equal(bad.statusCode, 400);
    const list = await call('GET', '/models?limit=10', viewer);
    assert.deepEqual(list.json().models.map((m: { name: string }) => m.name), ['spam']);
    assert.equal((await call('GET', '/models/spam', viewer)).json().task, 'spam');
    assert.equal((await call('GET', '/models/nope', viewer)).statusCode, 404);
    assert.equal((await call('GET', '/models/nope', viewer)).json().error.code, 'MODEL_NOT_FOUND');
  });

  it('registers versions with auto-stage and searches them', async () => {
    const r1 = await call('POST', '/models/spam/versions', editor, {
      metrics: { eval_accuracy: 0.95, eval_f1: 0.93 },
      tags: { data: 'jan' },
      recipeFingerprint: 'logreg',
      datasetDigests: ['a'.repeat(64)],
      resourceUsage: { wallSeconds: 2 },
    });
    assert.equal(r1.statusCode, 201, r1.body);
    // Metrics in a request body are claims, not measurements: Staging at most, and the reason says so.
    assert.equal(r1.json().version.stage, 'Staging');
    assert.equal(r1.json().version.semver, 'v1.0');
    assert.match(r1.json().autoStage.reason, /eval_accuracy 0\.95 > 0\.9, but the metrics were reported by the caller, not computed by Warden/);
    const promoted = await call('POST', '/models/deploy', admin, { model: 'spam', version: 1, reason: 'reviewed' });
    assert.equal(promoted.json().version.stage, 'Production');
    const r2 = await call('POST', '/models/spam/versions', editor, { metrics: { eval_accuracy: 0.8, eval_f1: 0.85 }, tags: { data: 'feb' }, recipeFingerprint: 'logreg', parent: 1 });
    assert.equal(r2.json().version.stage, 'Staging');
    assert.equal(r2.json().version.semver, 'v1.1');
    const r3 = await call('POST', '/models/spam/versions', editor, { status: 'FAILED', recipeFingerprint: 'cnn' });
    assert.equal(r3.json().version.stage, 'None');
    assert.equal(r3.json().version.semver, 'v2.0');
    const r4 = await call('POST', '/models/spam/versions', editor, { metrics: { eval_accuracy: 0.85, eval_f1: 0.91 }, tags: { data: 'jan' }, recipeFingerprint: 'logreg', parent: 'v1.1' });
    assert.equal(r4.json().version.retrainingCount, 2);

    const bad = await call('POST', '/models/spam/versions', editor, { metrics: { eval_accuracy: 'high' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'body.metrics.eval_accuracy');
    const badParent = await call('POST', '/models/spam/versions', editor, { parent: 42 });
    assert.equal(badParent.statusCode, 404);
    assert.equal(badParent.json().error.field, 'parent');
    assert.equal((await call('POST', '/models/spam/versions', viewer, {})).statusCode, 403);
    assert.equal((await call('POST', '/models/nope/versions', editor, {})).statusCode, 404);

    const numbers = async (query: string) => {
      const res = await call('GET', `/models/spam/versions${query}`, viewer);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().versions.map((v: { number: number }) => v.number);
    };
    assert.deepEqual(await numbers(''), [4, 3, 2, 1]);
    assert.deepEqual(await numbers(`?metric=${encodeURIComponent('eval_f1>0.9')}`), [4, 1]);
    assert.deepEqual(await numbers(`?metric=${encodeURIComponent('eval_f1>=0.85')}&metric=${encodeURIComponent('eval_accuracy<0.9')}`), [4, 2]);
    assert.deepEqual(await numbers('?tag=data%3Djan'), [4, 1]);
    assert.deepEqual(await numbers('?stage=Staging&stage=None'), [4, 3, 2]);
    const page = (await call('GET', '/models/spam/versions?limit=3', viewer)).json();
    assert.equal(page.versions.length, 3);
    assert.deepEqual(await numbers(`?limit=3&pageToken=${page.nextPageToken}`), [1]);
    const badFilter = await call('GET', `/models/spam/versions?metric=${encodeURIComponent('eval_f1>>1')}`, viewer);
    assert.equal(badFilter.statusCode, 400);
    assert.equal(badFilter.json().error.field, 'metric');
    assert.equal((await call('GET', '/models/spam/versions?stage=Live', viewer)).json().error.field, 'stage');
    assert.equal((await call('GET', '/models/spam/versions?limit=0', viewer)).statusCode, 400);

    const v2 = await call('GET', '/models/spam/versions/v1.1', viewer);
    assert.equal(v2.json().number, 2);
    assert.equal(v2.json().parentVersion, 1);
    assert.equal((await call('GET', '/models/spam/versions/9', viewer)).json().error.code, 'VERSION_NOT_FOUND');
    assert.equal((await call('GET', '/models/spam/versions/%20x', viewer)).statusCode, 400);
  });

  it('refuses a version pointing at a blob or a run that does not exist, naming the field, and registers nothing', async () => {
    const before = (await call('GET', '/models/spam', viewer)).json().latestVersion;
    const noBlob = await call('POST', '/models/spam/versions', editor, { artifactDigest: `sha256:${'e'.repeat(64)}` });
    assert.equal(noBlob.statusCode, 404, noBlob.body);
    assert.deepEqual([noBlob.json().error.code, noBlob.json().error.field], ['ARTIFACT_NOT_FOUND', 'artifactDigest']);
    const noRun = await call('POST', '/models/spam/versions', editor, { sourceRunId: 'no-such-run' });
    assert.equal(noRun.statusCode, 404, noRun.body);
    assert.deepEqual([noRun.json().error.code, noRun.json().error.field], ['RUN_NOT_FOUND', 'sourceRunId']);
    const badDigest = await call('POST', '/models/spam/versions', editor, { artifactDigest: 'sha256:xyz' });
    assert.equal(badDigest.statusCode, 400, badDigest.body);
    assert.equal(badDigest.json().error.field, 'artifactDigest');
    assert.equal((await call('GET', '/models/spam', viewer)).json().latestVersion, before);
  });

  it('moves stages by role; deploy and archive through the platform endpoints', async () => {
    const toNone = await call('POST', '/models/spam/versions/4/stage', editor, { stage: 'None', reason: 'hold' });
    assert.equal(toNone.json().version.stage, 'None');
    const toStaging = await call('POST', '/models/spam/versions/4/stage', editor, { stage: 'Staging', reason: 'review' });
    assert.equal(toStaging.statusCode, 200, toStaging.body);
    assert.equal(toStaging.json().version.stage, 'Staging');
    assert.equal(toStaging.json().transitions[0].actor, 'test-editor');
    const forbidden = await call('POST', '/models/spam/versions/4/stage', editor, { stage: 'Production' });
    assert.equal(forbidden.statusCode, 403);
    const invalid = await call('POST', '/models/spam/versions/3/stage', admin, { stage: 'Production' });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().error.code, 'STAGE_TRANSITION_INVALID');
    assert.equal((await call('POST', '/models/spam/versions/4/stage', admin, { stage: 'Live' })).json().error.field, 'body.stage');

    assert.equal((await call('POST', '/models/deploy', editor, { model: 'spam', version: 4 })).statusCode, 403);
    const deployed = await call('POST', '/models/deploy', admin, { model: 'spam', version: 4, reason: 'better f1' });
    assert.equal(deployed.statusCode, 200, deployed.body);
    assert.equal(deployed.json().version.stage, 'Production');
    assert.deepEqual(deployed.json().archived, [1]);
    assert.equal((await call('POST', '/models/deploy', admin, { model: 'spam' })).json().error.field, 'body.version');
    assert.equal((await call('POST', '/models/deploy', admin, { model: 'nope', version: 1 })).statusCode, 404);
    const production = await call('POST', '/models/archive', admin, { model: 'spam', version: 4 });
    assert.equal(production.statusCode, 400);
    assert.equal(production.json().error.field, 'force');
    assert.match(production.json().error.message, /leaves nothing in Production/);
    assert.equal((await call('POST', '/models/archive', admin, { model: 'spam', version: 4, force: 'yes' })).json().error.field, 'body.force');
    const archived = await call('POST', '/models/archive', admin, { model: 'spam', version: 'v1.1' });
    assert.equal(archived.json().version.stage, 'Archived');
    assert.equal((await call('POST', '/models/archive', admin, { model: 'spam', version: 'v1.1' })).statusCode, 400);

    const status = await call('GET', '/models/status', viewer);
    assert.equal(status.statusCode, 200, status.body);
    const spam = status.json().models.find((m: { name: string }) => m.name === 'spam');
    assert.deepEqual(spam.production, { number: 4, semver: 'v1.2' });
    assert.deepEqual(spam.flags, []);
    assert.ok(!status.json().withoutProduction.includes('spam'));
    assert.deepEqual(spam.versions.map((v: { number: number; stage: string }) => [v.number, v.stage]), [
      [4, 'Production'],
      [3, 'None'],
      [2, 'Archived'],
      [1, 'Archived'],
    ]);
    assert.deepEqual(spam.versions[0].metrics, { eval_accuracy: 0.85, eval_f1: 0.91 });

    const history = await call('GET', '/models/spam/history', viewer);
    const records = history.json().transitions.map((t: { version: number; from: string; to: string }) => [t.version, t.from, t.to]);
    assert.deepEqual(records.slice(-5), [
      [4, 'Staging', 'None'],
      [4, 'None', 'Staging'],
      [1, 'Production', 'Archived'],
      [4, 'Staging', 'Production'],
      [2, 'Staging', 'Archived'],
    ]);
    const ofOne = await call('GET', '/models/spam/history?version=1', viewer);
    assert.ok(ofOne.json().transitions.every((t: { version: number }) => t.version === 1));
  });

  it('compares versions and shows lineage', async () => {
    const res = await call('GET', '/models/compare?model=spam&a=1&b=4', viewer);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.relation, 'ancestor');
    // Versions registered by hand record no data Warden could score them on: their own figures
    // are shown side by side, but nothing is won.
    assert.equal(body.sameRows, false);
    assert.equal(body.rows.source, 'recorded');
    assert.match(body.note, /dataset=/);
    assert.equal(body.paired, null);
    const f1 = body.metrics.find((m: { metric: string }) => m.metric === 'eval_f1');
    assert.equal(f1.winner, null);
    assert.equal(f1.direction, 'higher');
    assert.ok(Math.abs(f1.delta - (0.91 - 0.93)) < 1e-12);
    assert.deepEqual(body.wins, { a: 0, b: 0, ties: 0 });
    assert.equal((await call('GET', '/models/compare?model=spam&a=1', viewer)).json().error.field, 'query.b');
    assert.equal((await call('GET', '/models/compare?model=spam&a=1&b=99', viewer)).statusCode, 404);

    const lineage = await call('GET', '/models/spam/versions/4/lineage', viewer);
    assert.equal(lineage.statusCode, 200, lineage.body);
    const l = lineage.json();
    assert.deepEqual(l.ancestors.map((a: { number: number }) => a.number), [2, 1]);
    assert.deepEqual(l.performanceHistory.map((p: { metrics: { eval_f1: number } }) => p.metrics.eval_f1), [0.93, 0.85, 0.91]);
    assert.deepEqual(l.productionHistory.map((d: { version: number; exitedTo: string | null }) => [d.version, d.exitedTo]), [
      [1, 'Archived'],
      [4, null],
    ]);
    assert.deepEqual(
      l.deploymentHistory.map((d: { strategy: string; role: string; candidate: number; baseline: number | null; state: string; startedBy: string }) => [d.strategy, d.role, d.candidate, d.baseline, d.state, d.startedBy]),
      [['direct', 'candidate', 4, 1, 'succeeded', 'admin']],
      'the direct deployment (POST /models/deploy) that replaced v1',
    );
    assert.equal(l.retrainingCount, 2);
    assert.deepEqual((await call('GET', '/models/spam/versions/1/lineage', viewer)).json().children.map((c: { number: number }) => c.number), [2]);
  });

  it('finishes a PENDING version through PATCH', async () => {
    const pending = await call('POST', '/models/spam/versions', editor, { status: 'PENDING', metrics: { eval_accuracy: 0.5 } });
    const number = pending.json().version.number;
    const res = await call('PATCH', `/models/spam/versions/${number}`, editor, { status: 'READY', tags: { run: 'x' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().version.stage, 'Staging');
    assert.match(res.json().autoStage.reason, /→ Staging/);
    const again = await call('PATCH', `/models/spam/versions/${number}`, editor, { status: 'PENDING' });
    assert.equal(again.statusCode, 409);
    assert.equal((await call('PATCH', `/models/spam/versions/${number}`, viewer, { description: 'x' })).statusCode, 403);
    assert.equal((await call('PATCH', `/models/spam/versions/${number}`, editor, { status: 'DONE' })).json().error.field, 'body.status');
  });

  it('sets, moves and deletes aliases', async () => {
    const set = await call('PUT', '/models/spam/aliases/champion', editor, { version: 4 });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().version, 4);
    await call('PUT', '/models/spam/aliases/champion', editor, { version: 'v1.1' });
    assert.equal((await call('GET', '/models/spam/versions/champion', viewer)).json().number, 2);
    assert.deepEqual((await call('GET', '/models/spam', viewer)).json().aliases, { champion: 2 });
    assert.equal((await call('PUT', '/models/spam/aliases/v3', editor, { version: 1 })).json().error.field, 'alias');
    assert.equal((await call('PUT', '/models/spam/aliases/x', viewer, { version: 1 })).statusCode, 403);
    assert.equal((await call('DELETE', '/models/spam/aliases/champion', editor)).statusCode, 204);
    assert.equal((await call('DELETE', '/models/spam/aliases/champion', editor)).json().error.code, 'ALIAS_NOT_FOUND');
  });

  it('patches models (policy needs admin) and deletes them (admin, nothing in Production)', async () => {
    const patched = await call('PATCH', '/models/spam', editor, { description: 'spam filter' });
    assert.equal(patched.json().description, 'spam filter');
    const policy = { metric: 'eval_f1', comparison: '>=', threshold: 0.95, targetStage: 'Production' };
    const refused = await call('PATCH', '/models/spam', editor, { policy });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.field, 'policy');
    // One rule: giving a policy at creation needs admin too (nothing is created).
    const created = await call('POST', '/models', editor, { name: 'lax-policy', task: 'spam', policy });
    assert.equal(created.statusCode, 403, created.body);
    assert.deepEqual([created.json().error.code, created.json().error.field], ['FORBIDDEN', 'policy']);
    assert.equal((await call('GET', '/models/lax-policy', editor)).statusCode, 404);
    const byAdmin = await call('PATCH', '/models/spam', admin, { policy });
    assert.equal(byAdmin.statusCode, 200, byAdmin.body);
    assert.equal(byAdmin.json().policy.metric, 'eval_f1');
    assert.equal((await call('DELETE', '/models/spam', editor)).statusCode, 403);
    const conflict = await call('DELETE', '/models/spam', admin);
    assert.equal(conflict.statusCode, 409);
    const retired = await call('POST', '/models/archive', admin, { model: 'spam', version: 4, force: true, reason: 'model retired' });
    assert.equal(retired.statusCode, 200, retired.body);
    const unserved = (await call('GET', '/models/status', viewer)).json();
    assert.deepEqual(unserved.models.find((m: { name: string }) => m.name === 'spam').flags, ['no-production']);
    assert.ok(unserved.withoutProduction.includes('spam'));
    assert.equal((await call('DELETE', '/models/spam', admin)).statusCode, 204);
    assert.equal((await call('GET', '/models/spam', viewer)).statusCode, 404);
  });
});
