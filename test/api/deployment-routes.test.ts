import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { trainServingVersions } from '../support/serving.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

describe('deployment routes', () => {
  let platform: TestPlatform;
  let admin: Headers;
  let viewer: Headers;
  let editor: Headers;

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    [admin, viewer, editor] = await Promise.all([platform.auth('admin'), platform.auth('viewer'), platform.auth('editor')]);
    await trainServingVersions(platform, 'routed', [1, 2]);
  });
  after(() => platform.close());

  async function call(method: 'GET' | 'POST', url: string, headers: Headers, payload?: unknown) {
    const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    return { status: res.statusCode, body: res.json() as Json };
  }

  it('POST /models/deploy without a strategy keeps its meaning: Production at once, the previous one archived, and the deployment recorded', async () => {
    const first = await call('POST', '/models/deploy', admin, { model: 'routed', version: 1, reason: 'first' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.version.stage, 'Production');
    assert.deepEqual(first.body.archived, []);
    assert.equal(first.body.deployment.strategy, 'direct');
    assert.equal(first.body.deployment.state, 'succeeded');
    assert.deepEqual(first.body.deployment.traffic, { serving: [{ arm: 'candidate', version: 1, percent: 100 }], mirror: null });
    assert.equal(first.body.deployment.assignmentKey, undefined, 'the assignment key never leaves the server');
  });

  it('a canary starts at its first step; viewers follow it, only admins steer it; rollback ends it in one call', async () => {
    assert.equal((await call('POST', '/models/deploy', editor, { model: 'routed', version: 2, strategy: 'canary' })).status, 403);
    const started = await call('POST', '/models/deploy', admin, { model: 'routed', version: 2, strategy: 'canary', steps: [10, 50, 100], bakeSeconds: 60 });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const id = started.body.deployment.id as string;
    assert.equal(started.body.version.stage, 'None', 'nothing moves stage until the canary completes');
    assert.deepEqual(started.body.deployment.traffic.serving, [
      { arm: 'baseline', version: 1, percent: 90 },
      { arm: 'candidate', version: 2, percent: 10 },
    ]);
    const shown = await call('GET', `/deployments/${id}`, viewer);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.history.map((h: Json) => h.event), ['created', 'ready']);
    const notShadow = await call('GET', `/deployments/${id}/shadow`, viewer);
    assert.equal(notShadow.status, 409);
    assert.match(notShadow.body.error.message, /canary, not a shadow/);
    assert.equal((await call('GET', `/deployments/${id}/shadow?limit=999`, viewer)).body.error.field, 'query.limit');
    assert.equal((await call('POST', `/deployments/${id}/pause`, viewer, {})).status, 403);
    assert.equal((await call('POST', `/deployments/${id}/pause`, admin, { reason: 'look first' })).body.state, 'paused');
    assert.equal((await call('POST', `/deployments/${id}/resume`, admin, {})).body.state, 'active');
    const second = await call('POST', '/models/deploy', admin, { model: 'routed', version: 2, strategy: 'blue-green' });
    assert.equal(second.status, 409);
    assert.match(second.body.error.message, /in progress/);
    const listed = await call('GET', '/deployments?model=routed&inFlight=true', viewer);
    assert.deepEqual(listed.body.deployments.map((d: Json) => d.id), [id]);
    const rolledBack = await call('POST', '/models/rollback', admin, { model: 'routed', reason: 'not now' });
    assert.equal(rolledBack.status, 200, JSON.stringify(rolledBack.body));
    assert.equal(rolledBack.body.deployment.state, 'rolled-back');
    assert.deepEqual(rolledBack.body.deployment.traffic.serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
    assert.equal((await call('POST', `/deployments/${id}/abort`, admin, {})).status, 409, 'an ended deployment cannot be aborted');
  });

  it('an A/B test reports both arms on their labelled predictions and the test on the decision metric', async () => {
    const started = await call('POST', '/models/deploy', admin, { model: 'routed', version: 2, strategy: 'ab', guardrails: { minLabelled: 10 } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const id = started.body.deployment.id as string;
    const empty = await call('GET', `/deployments/${id}/ab`, viewer);
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.equal(empty.body.verdict, 'insufficient-data');
    assert.equal(empty.body.minTrials, 10);
    // Distinct subjects spread over both arms; the labels make every candidate answer right and every baseline answer wrong.
    const answers: Json[] = [];
    for (let i = 0; i < 60; i++) answers.push(...(await call('POST', '/predict/routed', viewer, { text: `message number ${i}`, subject: `user-${i}` })).body.predictions);
    await platform.services.predictionLog.flush();
    const items = answers.map((a) => ({ requestId: a.id, label: a.arm === 'candidate' ? a.label : 1 - a.label }));
    assert.equal((await call('POST', '/feedback', editor, { items })).body.recorded, 60);
    const stats = await call('GET', `/deployments/${id}/ab?metric=accuracy`, viewer);
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    const byArm = (arm: string) => answers.filter((a) => a.arm === arm).length;
    assert.ok(byArm('candidate') >= 10 && byArm('baseline') >= 10, `both arms drew traffic: ${byArm('candidate')}/${byArm('baseline')}`);
    assert.deepEqual(stats.body.arms.candidate.metrics.accuracy, { successes: byArm('candidate'), trials: byArm('candidate'), value: 1 });
    assert.deepEqual(stats.body.arms.baseline.metrics.accuracy, { successes: 0, trials: byArm('baseline'), value: 0 });
    assert.equal(stats.body.arms.candidate.requests, byArm('candidate'));
    assert.equal(stats.body.comparison.difference, 1);
    assert.equal(stats.body.verdict, 'candidate-better');
    assert.equal((await call('GET', `/deployments/${id}/ab?metric=f1`, viewer)).body.error.field, 'query.metric');
    assert.equal((await call('POST', `/deployments/${id}/conclude`, admin, { winner: 'baseline', reason: 'keep v1' })).status, 200);
    const canary = await call('POST', '/models/deploy', admin, { model: 'routed', version: 2, strategy: 'canary' });
    const notAb = await call('GET', `/deployments/${canary.body.deployment.id}/ab`, viewer);
    assert.equal(notAb.status, 409);
    assert.match(notAb.body.error.message, /canary, not an A\/B test/);
    assert.equal((await call('POST', '/models/rollback', admin, { model: 'routed' })).status, 200);
  });

  it('refuses malformed requests naming the field, and unknown deployments', async () => {
    const cases: Array<[Json, string]> = [
      [{ model: 'routed', version: 2, strategy: 'ab', weights: { baseline: 60, candidate: 60 } }, 'weights'],
      [{ model: 'routed', version: 2, strategy: 'canary', steps: [50, 25, 100] }, 'steps[1]'],
      [{ model: 'routed', version: 2, strategy: 'direct', bakeSeconds: 5 }, 'bakeSeconds'],
      [{ model: 'routed', version: 2, strategy: 'canary', bakeSeconds: '5' }, 'body.bakeSeconds'],
      [{ model: 'routed', version: 2, weight: 5 }, 'body.weight'],
    ];
    for (const [payload, field] of cases) {
      const res = await call('POST', '/models/deploy', admin, payload);
      assert.equal(res.status, 400, JSON.stringify(payload));
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    }
    assert.equal((await call('GET', '/deployments/nope', viewer)).body.error.code, 'DEPLOYMENT_NOT_FOUND');
    assert.equal((await call('POST', '/deployments/nope/conclude', admin, { winner: 'both' })).body.error.field, 'body.winner');
    assert.equal((await call('POST', '/models/rollback', admin, { model: 'nope' })).status, 404);
  });
});
