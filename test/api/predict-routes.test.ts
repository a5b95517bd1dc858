/**
 * Serving routes through app.inject on a platform with real trained versions: live predictions
 * follow Production, pinned ones say whether they are live, strict validation naming the field,
 * feedback (single and batch), the prediction log's records, and GET /metrics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT, trainServingVersions } from '../support/serving.js';
import { until } from '../support/wait.js';

type Json = Record<string, unknown>;
type Headers = { authorization: string } | Record<string, never>;

describe('predict routes on sqlite', () => {
  let platform: TestPlatform;
  let viewer: Headers;
  let editor: Headers;
  let admin: Headers;

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_PREDICT_MAX_BATCH: '4' });
    [viewer, editor, admin] = await Promise.all([platform.auth('viewer'), platform.auth('editor'), platform.auth('admin')]);
    await trainServingVersions(platform, 'mail', [2, 5, 3]);
  });
  after(() => platform.close());

  async function call(method: 'GET' | 'POST', url: string, headers: Headers, payload?: unknown) {
    const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    const json = res.headers['content-type']?.toString().startsWith('application/json') === true;
    return { status: res.statusCode, headers: res.headers, body: (json ? res.json() : {}) as Json, text: res.body };
  }
  const errorOf = (body: Json) => body.error as { code: string; field?: string };

  async function deployAndWait(version: number): Promise<void> {
    await platform.services.registry.deploy('mail', version, ROOT);
    await until(() => platform.services.serving.liveDeployment('mail')?.arms[0]?.version.number === version, `v${version} to serve mail`, { timeoutMs: 10_000 });
  }

  it('answers 404 for an unknown model and 409 MODEL_NOT_LIVE while nothing is in Production', async () => {
    const unknown = await call('POST', '/predict/nobody', viewer, { text: 'hi' });
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, 'MODEL_NOT_FOUND');
    const notLive = await call('POST', '/predict/mail', viewer, { text: 'hi' });
    assert.equal(notLive.status, 409);
    assert.deepEqual(errorOf(notLive.body).code, 'MODEL_NOT_LIVE');
    assert.equal(errorOf(notLive.body).field, 'model');
  });

  it('a single text answers with the Production version, the request id in the body, the header and as the prediction id', async () => {
    await deployAndWait(1);
    const res = await call('POST', '/predict/mail', viewer, { text: 'free cash prize winner click now' });
    assert.equal(res.status, 200, res.text);
    const requestId = res.headers['x-request-id'];
    assert.equal(res.body.requestId, requestId);
    assert.equal(res.body.live, true);
    const [p] = res.body.predictions as Json[];
    assert.deepEqual(Object.keys(p ?? {}).sort(), ['arm', 'id', 'label', 'probability', 'score', 'semver', 'version']);
    assert.deepEqual([p?.id, p?.version, p?.semver, p?.arm, p?.label], [requestId, 1, 'v1.0', 'production', 1]);
    // The same version pinned gives the same numbers.
    const pinned = await call('POST', '/predict/mail/versions/1', viewer, { text: 'free cash prize winner click now' });
    assert.equal((pinned.body.predictions as Json[])[0]?.probability, p?.probability);
  });

  it('a batch answers per input, in order, each with its own id', async () => {
    const res = await call('POST', '/predict/mail', viewer, { texts: ['free cash prize winner click', 'project meeting notes', 'free cash prize winner click'] });
    assert.equal(res.status, 200, res.text);
    const predictions = res.body.predictions as Json[];
    assert.deepEqual(
      predictions.map((p) => p.id),
      [0, 1, 2].map((i) => `${String(res.body.requestId)}.${i}`),
    );
    assert.deepEqual(predictions.map((p) => p.label), [1, 0, 1]);
    assert.ok(predictions.every((p) => p.version === 1 && p.arm === 'production'));
  });

  it('refuses malformed bodies with 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ text: 'a', extra: 1 }, 'extra'],
      [{ text: 42 }, 'text'],
      [{ text: '' }, 'text'],
      [{ texts: 'one' }, 'texts'],
      [{ texts: [] }, 'texts'],
      [{ texts: ['a', 'b', 'c', 'd', 'e'] }, 'texts'],
      [{ texts: ['a', ''] }, 'texts'],
      [{ texts: ['a', 7] }, 'texts'],
      [{ text: 'a', texts: ['b'] }, 'texts'],
      [{}, 'text'],
    ];
    for (const [payload, field] of cases) {
      const res = await call('POST', '/predict/mail', viewer, payload);
      assert.equal(res.status, 400, `${JSON.stringify(payload)} → ${res.text}`);
      assert.equal(errorOf(res.body).code, 'VALIDATION_FAILED');
      assert.match(errorOf(res.body).field ?? '', new RegExp(`^body\\.${field}`), JSON.stringify(payload));
    }
    const noToken = await call('POST', '/predict/mail', {}, { text: 'a' });
    assert.equal(noToken.status, 401);
  });

  it('the pinned routes say whether the version is live; Archived versions answer an admin only', async () => {
    const notLive = await call('POST', '/predict/mail/versions/2', viewer, { text: 'free cash' });
    assert.equal(notLive.status, 200, notLive.text);
    assert.equal(notLive.body.live, false);
    assert.equal(notLive.headers['x-warden-live'], 'false');
    assert.deepEqual((notLive.body.predictions as Json[]).map((p) => [p.version, p.arm]), [[2, 'pinned']]);
    const live = await call('POST', '/predict/mail/versions/v1.0', viewer, { texts: ['free cash'] });
    assert.equal(live.body.live, true);
    assert.equal(live.headers['x-warden-live'], 'true');
    const older = await call('POST', '/models/mail/versions/1/predict', viewer, { texts: ['free cash', 'meeting'] });
    assert.equal(older.status, 200, older.text);
    assert.equal(older.body.live, true);
    assert.equal(older.headers['x-warden-live'], 'true');

    await platform.services.registry.archive('mail', 3, ROOT, 'retired');
    for (const url of ['/predict/mail/versions/3', '/models/mail/versions/3/predict']) {
      const refused = await call('POST', url, editor, { texts: ['free cash'] });
      assert.equal(refused.status, 409, `${url}: ${refused.text}`);
      assert.equal(errorOf(refused.body).code, 'VERSION_ARCHIVED');
      const allowed = await call('POST', url, admin, { texts: ['free cash'] });
      assert.equal(allowed.status, 200, allowed.text);
      assert.equal(allowed.body.live, false);
    }
  });

  it('a Production change moves live traffic to the new version', async () => {
    await deployAndWait(2);
    const res = await call('POST', '/predict/mail', viewer, { text: 'free cash' });
    assert.deepEqual((res.body.predictions as Json[]).map((p) => [p.version, p.semver]), [[2, 'v2.0']]);
    // The promotion of v2 archived v1: pinned, it answers an admin only, as not live.
    assert.equal((await call('POST', '/predict/mail/versions/1', viewer, { text: 'free cash' })).status, 409);
    const pinnedOld = await call('POST', '/predict/mail/versions/1', admin, { text: 'free cash' });
    assert.equal(pinnedOld.body.live, false);
  });

  it('records every prediction with its input descriptors', async () => {
    const text = 'Visit https://a.example and www.b.example — «ça coûte»';
    const res = await call('POST', '/predict/mail', viewer, { text });
    await platform.services.predictionLog.flush();
    const id = String(res.body.requestId);
    const recent = await platform.services.serving.recentPredictions('mail', 50);
    const saved = recent.find((p) => p.id === id);
    assert.ok(saved, 'the prediction is in the log');
    const nonAscii = [...text].filter((c) => c.charCodeAt(0) > 0x7f).length;
    assert.deepEqual(
      { version: saved.version, arm: saved.arm, chars: saved.chars, urlCount: saved.urlCount, nonAsciiShare: saved.nonAsciiShare, requestId: saved.requestId },
      { version: 2, arm: 'production', chars: text.length, urlCount: 2, nonAsciiShare: nonAscii / text.length, requestId: id },
    );
    assert.ok(saved.latencyMs > 0 && saved.latencyMs < 10_000);
    assert.equal((res.body.predictions as Json[])[0]?.probability, saved.probability);
  });

  it('feedback attaches true labels: single and batch, unknown ids reported, labels checked, editor only', async () => {
    const batch = await call('POST', '/predict/mail', viewer, { texts: ['free cash', 'meeting notes'] });
    const [a, b] = (batch.body.predictions as Json[]).map((p) => String(p.id));
    const single = await call('POST', '/feedback', editor, { requestId: a, label: 0 });
    assert.equal(single.status, 200, single.text);
    assert.deepEqual(single.body, { recorded: 1, unknown: 0, items: [{ requestId: a, status: 'recorded', model: 'mail', version: 2 }] });
    const many = await call('POST', '/feedback', editor, { items: [{ requestId: b, label: 0 }, { requestId: 'no-such-id', label: 1 }] });
    assert.equal(many.status, 200, many.text);
    assert.deepEqual(many.body, { recorded: 1, unknown: 1, items: [{ requestId: b, status: 'recorded', model: 'mail', version: 2 }, { requestId: 'no-such-id', status: 'unknown' }] });
    const saved = (await platform.services.serving.recentPredictions('mail', 100)).filter((p) => p.id === a || p.id === b);
    assert.deepEqual(saved.map((p) => [p.feedbackLabel, p.feedbackActor]), [[0, 'test-editor'], [0, 'test-editor']]);

    const unknown = await call('POST', '/feedback', editor, { requestId: 'no-such-id', label: 1 });
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, 'PREDICTION_NOT_FOUND');
    const badLabel = await call('POST', '/feedback', editor, { items: [{ requestId: a, label: 1 }, { requestId: b, label: 2 }] });
    assert.equal(badLabel.status, 400, badLabel.text);
    assert.equal(errorOf(badLabel.body).field, 'items[1].label');
    assert.equal((await platform.services.serving.recentPredictions('mail', 100)).find((p) => p.id === a)?.feedbackLabel, 0, 'a refused batch writes nothing');
    for (const [payload, field] of [
      [{ requestId: a }, 'body.label'],
      [{ label: 1 }, 'body.requestId'],
      [{ requestId: a, label: '1' }, 'body.label'],
      [{ requestId: a, label: 1, items: [] }, 'body.items'],
      [{ items: [{ requestId: a, label: 1, extra: true }] }, 'body.items'],
    ] as const) {
      const res = await call('POST', '/feedback', editor, payload);
      assert.equal(res.status, 400, `${JSON.stringify(payload)} → ${res.text}`);
      assert.match(errorOf(res.body).field ?? '', new RegExp(`^${field.replace('.', '\\.')}`), JSON.stringify(payload));
    }
    assert.equal((await call('POST', '/feedback', viewer, { requestId: a, label: 1 })).status, 403);
  });

  it('GET /metrics: Prometheus text for a viewer token (401 without), per model, version and arm, with drops and process metrics', async () => {
    assert.equal((await call('GET', '/metrics', {})).status, 401);
    const res = await call('GET', '/metrics', viewer);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.text, /warden_predict_requests_total\{model="mail",version="1",arm="production"\} [1-9]/);
    assert.match(res.text, /warden_predict_requests_total\{model="mail",version="2",arm="pinned"\} [1-9]/);
    assert.match(res.text, /warden_predict_duration_seconds_bucket\{le="0.01",model="mail",version="2",arm="production"\} [1-9]/);
    assert.match(res.text, /warden_predict_errors_total\{model="mail",code="MODEL_NOT_LIVE"\} 1/);
    assert.match(res.text, /warden_predict_errors_total\{model="\(other\)",code="MODEL_NOT_FOUND"\} 1/, 'a name nothing serves adds no series of its own');
    assert.match(res.text, /warden_live_swaps_total\{model="mail",outcome="switched"\} [1-9]/);
    assert.match(res.text, /warden_prediction_log_dropped_total\{reason="buffer-full"\} 0/);
    assert.match(res.text, /process_cpu_user_seconds_total/);
    assert.match(res.text, /nodejs_eventloop_lag_seconds/);
    // This host has no nvidia-smi: no GPU series at all (zeros would read as an idle GPU).
    assert.doesNotMatch(res.text, /warden_gpu_/);
  });
});
