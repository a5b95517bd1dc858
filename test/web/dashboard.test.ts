/**
 * The dashboard end to end in a real browser (Debian's Chromium through playwright-core)
 * against a real Warden platform listening on a port: sample models trained on a small
 * corpus, then a person's path through the pages — sign in, the models table, a lineage
 * graph, a retrain whose progress bar reaches 100 %, promote, roll back — and a viewer who
 * sees no buttons that change anything. Every page must load without a console error and
 * without asking anything of another host. DASHBOARD_SHOTS=<folder> saves a PNG per page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { tempDir } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';
import { REPO_ROOT } from '../support/build.js';
// @ts-expect-error -- a plain .mjs script shared with bin/warden.js, without type declarations
import { webState } from '../../scripts/dist-state.mjs';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.DASHBOARD_SHOTS;

type Json = Record<string, unknown>;

describe('dashboard in a browser', () => {
  let platform: TestPlatform;
  let base: string;
  let context: BrowserContext;
  let profile: { dir: string; remove(): void };
  const problems: string[] = [];
  const foreignRequests: string[] = [];

  async function call(method: 'GET' | 'POST', url: string, payload?: Json): Promise<Json> {
    const res = await platform.app.inject({ method, url, headers: await platform.auth('admin'), ...(payload === undefined ? {} : { payload }) });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Json;
  }

  async function train(model: string, family: string): Promise<void> {
    const hyperParameters = family === 'lr' ? { epochs: 3 } : {};
    const job = await call('POST', '/jobs/train', { model, family, task: 'spam', dataset: { datasets: ['mail'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters } });
    const done = await waitForJob(platform.services.jobs, String(job.id));
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
  }

  /** A fresh tab: its own sessionStorage, so its own sign-in. Console errors and foreign requests are collected. */
  async function newPage(): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${page.url()})`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message} (${page.url()})`));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(base) && !url.startsWith('data:')) foreignRequests.push(url);
    });
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.locator('input[name=token]').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (SHOTS === undefined) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
    // The tests run the sources: bring the bundle up to date as npm ci would (seconds when stale, nothing when fresh).
    if ((webState(REPO_ROOT) as string) !== 'fresh') {
      const built = spawnSync('npm', ['run', 'build:web'], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
    }
    // Findings never start retrains here: the page flows below count versions.
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_REDTEAM_RETRAIN_THRESHOLD: '100000' });
    await platform.services.datasets.registerRows(syntheticRows(300), { name: 'mail', origin: 'upload' });
    // No auto-stage: the test decides what reaches Production, through the page.
    for (const name of ['mail-spam', 'mail-spam-nb']) await call('POST', '/models', { name, task: 'spam', policy: { enabled: false } });
    await train('mail-spam', 'lr');
    await train('mail-spam-nb', 'nb');
    await train('mail-spam-nb', 'nb');
    await call('POST', '/models/deploy', { model: 'mail-spam', version: 1, reason: 'first release' });
    await call('POST', '/models/deploy', { model: 'mail-spam-nb', version: 1, reason: 'first release' });
    // A canary in flight (long bake, no traffic): the deployments page has a split and a step to show.
    await call('POST', '/models/deploy', { model: 'mail-spam-nb', version: 2, strategy: 'canary', steps: [10, 50, 100], bakeSeconds: 3600, reason: 'try nb v1.1' });
    await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const address = platform.app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
    profile = tempDir('warden-chromium-');
    context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await context?.close();
    profile?.remove();
    await platform?.close();
  });

  it('an admin signs in, sees the models, their lineage, a retrain reach 100 %, promotes and rolls back', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await shot(page, '00-sign-in');
    await page.locator('input[name=token]').fill('wdn_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    // The browser logs the server's 401 to the wrong token itself; that one is expected.
    assert.deepEqual(problems.splice(0).map((p) => /status of 401/.test(p)), [true]);
    await signIn(page, platform.adminToken);

    const table = page.getByTestId('models-table');
    await table.waitFor();
    for (const name of ['mail-spam', 'mail-spam-nb']) await table.getByRole('link', { name, exact: true }).waitFor();
    assert.match((await table.locator('tr', { hasText: 'mail-spam-nb' }).textContent()) ?? '', /canary active/);
    await shot(page, '01-models');

    await table.getByRole('link', { name: 'mail-spam', exact: true }).click();
    await page.getByTestId('version-row-1').waitFor();
    assert.match((await page.getByTestId('version-row-1').textContent()) ?? '', /v1\.0.*Production/);

    // Retrain from the page: it opens the job, whose bar follows the event stream to 100 %.
    await page.getByTestId('retrain').click();
    await page.waitForURL(/#\/jobs\/.+/);
    const bar = page.getByTestId('job-detail').getByRole('progressbar');
    await bar.waitFor();
    await page.locator('[data-testid=job-detail] [role=progressbar][aria-valuenow="100"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=job-detail][data-state=succeeded]').waitFor();
    await page.getByTestId('job-log').filter({ hasText: /\S/ }).waitFor();
    await shot(page, '02-job');

    // The lineage graph: v1.1 is v1.0's child, both trained on the mail dataset.
    await page.goto(`${base}/#/models/mail-spam/lineage`);
    await page.getByTestId('lineage-graph').waitFor();
    await page.getByTestId('lineage-node-2').waitFor();
    const graph = (await page.getByTestId('lineage-graph').textContent()) ?? '';
    assert.match(graph, /v1\.0/);
    assert.match(graph, /v1\.1/);
    assert.match(graph, /mail v1/);
    assert.equal(await page.locator('[data-testid=lineage-graph] path.edge-parent').count(), 1, 'one parent edge, v1.0 → v1.1');
    await page.getByTestId('lineage-node-2').click();
    await page.getByTestId('lineage-detail').filter({ hasText: 'v1.1 ← ' }).or(page.getByTestId('lineage-detail').filter({ hasText: 'v1.0' })).first().waitFor();
    assert.match((await page.getByTestId('lineage-detail').textContent()) ?? '', /ancestors \(nearest first\)v1\.0/);
    await shot(page, '03-lineage');

    await page.goto(`${base}/#/models/mail-spam/performance`);
    await page.getByTestId('performance-chart').locator('canvas').waitFor();
    await shot(page, '04-performance');

    // Promote v1.1 (a direct deployment), then roll back: v1.0 serves again.
    await page.goto(`${base}/#/models/mail-spam/versions`);
    await page.getByTestId('promote-2').click();
    await page.getByLabel('reason').fill('retrained on more data');
    await shot(page, '05-promote-dialog');
    await page.getByTestId('promote-2-confirm').click();
    await page.getByTestId('version-row-2').filter({ hasText: 'Production' }).waitFor();
    assert.equal((await platform.services.registry.getVersion('mail-spam', 2)).stage, 'Production');
    await page.getByTestId('rollback').click();
    await page.getByLabel('reason').fill('customers complain');
    await page.getByTestId('rollback-confirm').click();
    await page.getByTestId('version-row-1').filter({ hasText: 'Production' }).waitFor();
    assert.equal((await platform.services.registry.getVersion('mail-spam', 1)).stage, 'Production');
    assert.notEqual((await platform.services.registry.getVersion('mail-spam', 2)).stage, 'Production');
    await shot(page, '05-versions-after-rollback');

    await page.goto(`${base}/#/models/mail-spam/history`);
    const history = page.getByTestId('history-table');
    await history.filter({ hasText: 'customers complain' }).waitFor();
    assert.match((await history.textContent()) ?? '', /version 2 takes all traffic — retrained on more data/, 'the reason typed at promotion is in the stage history');
    await shot(page, '06-transitions');

    await page.goto(`${base}/#/models/mail-spam/compare`);
    await page.getByTestId('comparison').waitFor();
    assert.match((await page.getByTestId('comparison').textContent()) ?? '', /McNemar/);
    await shot(page, '07-compare');

    // Every other page loads; the capabilities this server lacks say so.
    await page.goto(`${base}/#/runs`);
    await page.getByTestId('runs-table').getByRole('link').first().click();
    await page.getByTestId('curve-quality').or(page.getByTestId('curve-loss')).first().locator('canvas').waitFor();
    await page.getByTestId('artifacts-table').or(page.getByText('No artifacts.')).first().waitFor();
    await shot(page, '08-run');
    await page.goto(`${base}/#/runs`);
    await page.getByTestId('runs-table').waitFor();
    await shot(page, '09-runs');
    await page.goto(`${base}/#/jobs`);
    await page.getByTestId('jobs-table').waitFor();
    await shot(page, '10-jobs');
    await page.goto(`${base}/#/deployments`);
    await page.getByTestId('deployments-table').getByRole('link', { name: 'mail-spam-nb' }).first().click();
    await page.getByTestId('traffic-split').filter({ hasText: '10 %' }).waitFor();
    await shot(page, '11-deployment');
    await page.goto(`${base}/#/deployments`);
    await page.getByTestId('deployments-table').waitFor();
    await shot(page, '12-deployments');
    for (const [route, name] of [['monitoring', '13-monitoring'], ['redteam', '14-redteam'], ['alerts', '15-alerts']] as const) {
      await page.goto(`${base}/#/${route}`);
      const routes = (await call('GET', '/docs/json')).paths as Record<string, unknown>;
      const has = { monitoring: '/monitoring/{model}', redteam: '/redteam/campaigns', alerts: '/alerts' }[route] in routes;
      if (!has) await page.getByTestId('unavailable').waitFor();
      else await page.locator('.card').first().waitFor();
      await shot(page, name);
    }
    await page.close();
  });

  it('a viewer sees the same pages without a button that changes anything', async () => {
    const page = await newPage();
    await signIn(page, await platform.token('viewer'));
    assert.match((await page.getByTestId('who').textContent()) ?? '', /viewer/);
    await page.getByTestId('models-table').waitFor();
    await page.goto(`${base}/#/models/mail-spam/versions`);
    await page.getByTestId('version-row-2').waitFor();
    await shot(page, '16-viewer-versions');
    assert.equal(await page.getByRole('button', { name: /Promote|Roll back|Retrain|To Staging/ }).count(), 0);
    const deployment = (await call('GET', '/deployments?model=mail-spam-nb&inFlight=true')).deployments as Array<{ id: string }>;
    await page.goto(`${base}/#/deployments/${deployment[0]!.id}`);
    await page.getByTestId('traffic-split').waitFor();
    assert.equal(await page.getByRole('button', { name: /Pause|Abort|Roll back|Conclude/ }).count(), 0);
    const jobs = (await call('GET', '/jobs?limit=1')).jobs as Array<{ id: string }>;
    await page.goto(`${base}/#/jobs/${jobs[0]!.id}`);
    await page.getByTestId('job-detail').waitFor();
    assert.equal(await page.getByRole('button', { name: /Cancel job/ }).count(), 0);
    // The server enforces it too: the viewer's own token cannot promote.
    const refused = await page.evaluate(async () => {
      // Runs in the page; this file is type-checked for Node, so the page's sessionStorage is named by hand.
      const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
      const res = await fetch('/models/deploy', { method: 'POST', headers: { authorization: `Bearer ${storage.getItem('warden.token') ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mail-spam', version: 2 }) });
      return res.status;
    });
    assert.equal(refused, 403);
    const logged = problems.splice(0);
    assert.deepEqual(logged.map((p) => /status of 403/.test(p)), [true], `the browser logs the refusal itself: ${JSON.stringify(logged)}`);
    await page.close();
  });

  it('shows a red-team campaign, its success rate per family and the ledger, when the server has the red team', async (t) => {
    const routes = (await call('GET', '/docs/json')).paths as Record<string, unknown>;
    if (!('/redteam/campaigns' in routes)) return t.skip('this server has no red team');
    const started = await call('POST', '/redteam/campaigns', { model: 'mail-spam', version: 1, maxInputs: 10, queryBudget: 20, seed: 1 });
    const done = await waitForJob(platform.services.jobs, String(started.jobId));
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    const page = await newPage();
    await signIn(page, await platform.token('viewer'));
    await page.goto(`${base}/#/redteam`);
    await page.getByTestId('campaigns-table').filter({ hasText: 'mail-spam v1.0' }).waitFor();
    await page.getByTestId('family-rates').waitFor();
    await page.getByTestId('vulnerability-ledger').or(page.getByText('The ledger is empty')).first().waitFor();
    await shot(page, '17-redteam-campaign');
    // The models table shows the campaign's verdict as the model's red-team health.
    await page.goto(`${base}/#/models`);
    await page.getByTestId('models-table').locator('tr').filter({ has: page.getByRole('link', { name: 'mail-spam', exact: true }) }).filter({ hasText: /red team: (evaded|held)/ }).waitFor();
    await shot(page, '18-models-with-health');
    // With alerting, the evasion is an alert episode on the Alerts page.
    if ('/alerts' in routes) {
      await page.goto(`${base}/#/alerts`);
      await page.getByTestId('alerts-table').filter({ hasText: 'mail-spam' }).waitFor();
      await shot(page, '19-alerts-after-redteam');
      assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0, 'a viewer cannot acknowledge');
      // An editor acknowledges it; the page shows who did.
      const editor = await newPage();
      await signIn(editor, await platform.token('editor'));
      await editor.goto(`${base}/#/alerts`);
      await editor.getByRole('button', { name: 'Acknowledge' }).first().click();
      await editor.getByRole('button', { name: 'Confirm' }).click();
      await editor.getByTestId('alerts-table').filter({ hasText: 'test-editor' }).waitFor();
      await editor.close();
    }
    await page.close();
  });

  it('loaded every page without a console error and without a request to another host', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(foreignRequests, []);
  });
});
