/**
 * The red team over HTTP on a model trained here: POST /redteam/campaigns (editor; a named
 * dataset needs admin), the campaign and its job, the ledger with its filters and summary,
 * the campaign's mark on GET /models/status, and strict input naming the field.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('red-team routes', () => {
  let platform: TestPlatform;
  let viewer: { authorization: string };
  let editor: { authorization: string };
  let admin: { authorization: string };

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_REDTEAM_RETRAIN_THRESHOLD: '100000' });
    [viewer, editor, admin] = await Promise.all([platform.auth('viewer'), platform.auth('editor'), platform.auth('admin')]);
    await platform.services.datasets.registerRows(syntheticRows(300, 5), { name: 'api-rt-data', origin: 'upload' });
    const job = await platform.services.training.enqueueTraining({ model: 'api-rt', task: 'spam-api', family: 'lr', dataset: { datasets: ['api-rt-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
    assert.equal((await waitForJob(platform.services.jobs, job.id, 120_000)).state, 'succeeded');
  });
  after(async () => platform.close());

  const call = async (method: 'GET' | 'POST', url: string, headers: { authorization: string }, payload?: unknown) => {
    const res = await platform.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Json } : {}) });
    return { status: res.statusCode, body: res.json() as Json };
  };

  it('an editor starts a campaign (202 with its job); viewers read it, the ledger and the model status', async () => {
    assert.equal((await call('POST', '/redteam/campaigns', viewer, { model: 'api-rt', version: 1 })).status, 403);
    const started = await call('POST', '/redteam/campaigns', editor, { model: 'api-rt', version: 'v1.0', families: ['encoding', 'dilution', 'token-splitting'], maxInputs: 30 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual([started.body.model, started.body.version, started.body.task], ['api-rt', 1, 'spam-api']);
    // As stored when read back: an idle worker may have started it already.
    assert.ok(['queued', 'running'].includes(started.body.state), started.body.state);
    assert.equal(started.body.url, `/redteam/campaigns/${started.body.id}`);
    assert.equal((await waitForJob(platform.services.jobs, started.body.jobId, 60_000)).state, 'succeeded');
    const job = await call('GET', started.body.jobUrl, viewer);
    assert.equal(job.body.result.campaign, started.body.id);

    const campaign = await call('GET', started.body.url, viewer);
    assert.equal(campaign.status, 200);
    assert.equal(campaign.body.state, 'succeeded');
    assert.deepEqual(
      campaign.body.results.perFamily.map((f: Json) => f.family),
      ['token-splitting', 'encoding', 'dilution'],
    );
    const overall = campaign.body.results.overall;
    assert.equal(overall.successes + overall.failures + overall.skipped, overall.inputs);
    assert.ok(overall.successes > 0);
    assert.equal(campaign.body.verdict, 'evaded');

    const listed = await call('GET', '/redteam/campaigns?model=api-rt&state=succeeded', viewer);
    assert.deepEqual(listed.body.campaigns.map((c: Json) => c.id), [started.body.id]);

    const ledger = await call('GET', '/redteam/vulnerabilities?task=spam-api&limit=500', viewer);
    assert.equal(ledger.status, 200);
    assert.equal(ledger.body.vulnerabilities.length, campaign.body.findings.new);
    assert.deepEqual(ledger.body.summary, { task: 'spam-api', unused: campaign.body.findings.new, claimed: 0, used: 0, threshold: 100000 });
    for (const v of ledger.body.vulnerabilities) assert.deepEqual([v.state, v.model, v.version, v.evades[0].model], ['unused', 'api-rt', 1, 'api-rt']);
    const encoding = await call('GET', `/redteam/vulnerabilities?family=encoding&campaign=${started.body.id}`, viewer);
    assert.ok(encoding.body.vulnerabilities.every((v: Json) => v.family === 'encoding'));
    assert.equal(encoding.body.summary, undefined);
    const page = await call('GET', `/redteam/vulnerabilities?task=spam-api&limit=1`, viewer);
    const next = await call('GET', `/redteam/vulnerabilities?task=spam-api&limit=500&before=${page.body.vulnerabilities[0].id}`, viewer);
    assert.equal(next.body.vulnerabilities.length, ledger.body.vulnerabilities.length - 1);

    // The model's status: the campaign, and the failure flag (it evaded the version that serves).
    const status = await call('GET', '/models/status', viewer);
    const model = status.body.models.find((m: Json) => m.name === 'api-rt');
    assert.deepEqual([model.redteam.campaign, model.redteam.version, model.redteam.verdict], [started.body.id, 1, 'evaded']);
    assert.ok(model.flags.includes('redteam-failed'), JSON.stringify(model.flags));
  });

  it('a campaign on a named dataset is an admin’s', async () => {
    const refused = await call('POST', '/redteam/campaigns', editor, { model: 'api-rt', version: 1, dataset: 'api-rt-data' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'FORBIDDEN');
    const started = await call('POST', '/redteam/campaigns', admin, { model: 'api-rt', version: 1, dataset: 'api-rt-data@1', families: ['encoding'], maxInputs: 5 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual(started.body.settings.dataset.name, 'api-rt-data');
    assert.equal((await waitForJob(platform.services.jobs, started.body.jobId, 60_000)).state, 'succeeded');
  });

  it('refuses malformed requests naming the field, and unknown campaigns', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'api-rt' }, 'body.version'],
      [{ model: 'api-rt', version: 1, families: ['bogus'] }, 'body.families.0'],
      [{ model: 'api-rt', version: 1, families: [] }, 'body.families'],
      [{ model: 'api-rt', version: 1, maxInputs: 0 }, 'body.maxInputs'],
      [{ model: 'api-rt', version: 1, maxInputs: '5' }, 'body.maxInputs'],
      [{ model: 'api-rt', version: 1, extra: true }, 'body.extra'],
      [{ model: 'api-rt', version: 1, dataset: 'x@0' }, 'dataset'],
    ];
    for (const [payload, field] of cases) {
      const res = await call('POST', '/redteam/campaigns', admin, payload);
      assert.equal(res.status, 400, JSON.stringify(payload));
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    }
    assert.equal((await call('POST', '/redteam/campaigns', editor, { model: 'nope', version: 1 })).status, 404);
    const missing = await call('GET', '/redteam/campaigns/nope', viewer);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'CAMPAIGN_NOT_FOUND']);
    assert.equal((await call('GET', '/redteam/vulnerabilities?state=lost', viewer)).body.error.field, 'query.state');
    assert.equal((await call('GET', '/redteam/vulnerabilities?usedBy=api-rt', viewer)).body.error.field, 'usedBy');
    assert.equal((await call('GET', '/redteam/campaigns?limit=0', viewer)).body.error.field, 'query.limit');
  });
});
