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
import { until } from '../support/wait.js';
import { isTerminal, type JobState } from '../../src/domain/jobs.js';
import { REPO_ROOT } from '../support/build.js';
// @ts-expect-error -- a plain .mjs script shared with bin/warden.js, without type declarations
import { webState } from '../../scripts/dist-state.mjs';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.DASHBOARD_SHOTS;
/** Red-team findings that retrain every model of the task: many more than the ledger's default page of 50, all of which the lineage must count. */
const RETRAIN_THRESHOLD = 300;

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
    // Findings start no retrain before the last flow (the flows before it count versions); its
    // second campaign takes the ledger over the threshold (the first finds 228, the second 184).
    platform = await openTestPlatform('sqlite', {
      WARDEN_WORKER_CONCURRENCY: '1',
      WARDEN_REDTEAM_RETRAIN_THRESHOLD: String(RETRAIN_THRESHOLD),
      // The scheduler runs monitor-models often, so replayed traffic reaches the monitoring page in seconds.
      WARDEN_ROLES: 'api,worker,scheduler',
      WARDEN_MONITOR_INTERVAL_MS: '1500',
      WARDEN_MONITOR_DESCRIBE_RATE: '1',
      WARDEN_MONITOR_SAMPLE_RATE: '1',
      // The accuracy drop the monitoring test provokes must stay an alert, not start a retrain here.
      WARDEN_RETRAINING_POLICY: JSON.stringify({ retrainOnDrift: false, metrics: Object.fromEntries(['accuracy', 'f1', 'precision', 'recall'].map((m) => [m, { enabled: false }])) }),
    });
    // 450 rows: the held-out share in each version's reference profile must pass drift's 100-row floor.
    await platform.services.datasets.registerRows(syntheticRows(450), { name: 'mail', origin: 'upload' });
    // No auto-stage: the test decides what reaches Production, through the page.
    for (const name of ['mail-spam', 'mail-spam-nb']) await call('POST', '/models', { name, task: 'spam', policy: { enabled: false } });
    await train('mail-spam', 'lr');
    await train('mail-spam-nb', 'nb');
    await train('mail-spam-nb', 'nb');
    await call('POST', '/models/deploy', { model: 'mail-spam', version: 1, reason: 'first release' });
    await call('POST', '/models/deploy', { model: 'mail-spam-nb', version: 1, reason: 'first release' });
    // A canary in flight that no traffic reaches: its bake is over at once, so the first check
    // leaves it at its first step, waiting for traffic; the deployments pages say so.
    await call('POST', '/models/deploy', { model: 'mail-spam-nb', version: 2, strategy: 'canary', steps: [10, 50, 100], bakeSeconds: 0, reason: 'try nb v1.1' });
    await platform.services.deployments.checkAll();
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
    const overflowing = await page.locator('[data-testid=lineage-graph] g.node').evaluateAll((nodes) =>
      nodes.flatMap((node) => {
        const box = node.querySelector('rect')!.getBBox();
        return [...node.querySelectorAll('text')].filter((t) => t.getBBox().x + t.getBBox().width > box.width).map((t) => t.textContent);
      }),
    );
    assert.deepEqual(overflowing, [], 'every node label fits its box');
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
    // The server filters the scheduler's ticks out (they would crowd the newest 200); one click shows them.
    const kindCells = page.getByTestId('jobs-table').locator('tbody tr td:nth-child(2)');
    const requested = ['train', 'retrain', 'evaluate', 'redteam', 'backfill'];
    assert.deepEqual((await kindCells.allTextContents()).filter((kind) => !requested.includes(kind)), []);
    await page.getByLabel('show scheduled housekeeping').check();
    await kindCells.filter({ hasText: /^(monitor-models|check-deployments|sweep-artifacts|scan-fresh-data|cleanup-events|cleanup-predictions|retraining-schedules)$/ }).first().waitFor();
    await page.goto(`${base}/#/deployments`);
    await page.getByTestId('deployments-table').getByRole('link', { name: 'mail-spam-nb' }).first().click();
    await page.getByTestId('traffic-split').filter({ hasText: '10 %' }).waitFor();
    await page.getByText('waiting for traffic').first().waitFor();
    await shot(page, '11-deployment');
    await page.goto(`${base}/#/deployments`);
    await page.getByTestId('deployments-table').waitFor();
    assert.match((await page.getByTestId('deployments-table').locator('tr', { hasText: 'mail-spam-nb' }).first().textContent()) ?? '', /active waiting for traffic/);
    await shot(page, '12-deployments');
    for (const [route, name] of [['monitoring', '13-monitoring'], ['redteam', '14-redteam'], ['alerts', '15-alerts']] as const) {
      await page.goto(`${base}/#/${route}`);
      await page.locator('.card').first().waitFor();
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
    const jobs = (await call('GET', '/jobs?kind=train&limit=1')).jobs as Array<{ id: string }>;
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

  it('shows a red-team campaign, its success rate per family and the ledger', async () => {
    const started = await call('POST', '/redteam/campaigns', { model: 'mail-spam', version: 1, maxInputs: 10, queryBudget: 20, seed: 1 });
    const done = await waitForJob(platform.services.jobs, String(started.jobId));
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    const page = await newPage();
    await signIn(page, await platform.token('viewer'));
    await page.goto(`${base}/#/redteam`);
    await page.getByTestId('campaigns-table').filter({ hasText: 'mail-spam v1.0' }).waitFor();
    await page.getByTestId('family-rates').waitFor();
    // Its evasions are in the ledger (the alert below is theirs).
    await page.getByTestId('vulnerability-ledger').waitFor();
    await shot(page, '17-redteam-campaign');
    // The models table shows the campaign's verdict as the model's red-team health.
    await page.goto(`${base}/#/models`);
    await page.getByTestId('models-table').locator('tr').filter({ has: page.getByRole('link', { name: 'mail-spam', exact: true }) }).filter({ hasText: /red team: (evaded|held)/ }).waitFor();
    await shot(page, '18-models-with-health');
    // The evasion is an alert episode on the Alerts page.
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
    await page.close();
  });

  it('monitors replayed A/B traffic: metrics against the baseline band, drift with its inputs, an alert acknowledged from the page, both arms tested', async () => {
    // An A/B test of mail-spam v2 against v1, whose guardrails a loaded machine's latency cannot trip.
    const ab = await call('POST', '/models/deploy', { model: 'mail-spam', version: 2, strategy: 'ab', reason: 'v1.1 against v1.0', guardrails: { minLabelled: 20, maxP99Ms: 600000, maxP99Ratio: 1000 } });
    const abId = String((ab.deployment as Json).id);
    // Traffic through the real API: most inputs carry a link and markup the training mail never had (drift), each from its own subject.
    const rows = syntheticRows(360, 7);
    const answers: Array<Json & { row: number }> = [];
    const viewer = await platform.auth('viewer');
    for (let i = 0; i < rows.length; i++) {
      const text = i % 4 === 0 ? rows[i]!.text : `${rows[i]!.text} see <b>http://promo.example/${i}</b> now`;
      const res = await platform.app.inject({ method: 'POST', url: '/predict/mail-spam', headers: viewer, payload: { text, subject: `reader-${i}` } });
      assert.equal(res.statusCode, 200, res.body);
      for (const p of (res.json() as { predictions: Json[] }).predictions) answers.push({ ...p, row: i });
    }
    await platform.services.predictionLog.flush();
    // True labels for the candidate; the baseline's labels say it is wrong on a third of its answers (an accuracy drop).
    const items = answers.map((a, i) => ({ requestId: String(a.id), label: a.arm === 'baseline' && i % 3 === 0 ? 1 - Number(a.label) : rows[a.row]!.label }));
    const editorAuth = await platform.auth('editor');
    const fed = await platform.app.inject({ method: 'POST', url: '/feedback', headers: editorAuth, payload: { items } });
    assert.equal((fed.json() as Json).recorded, answers.length, fed.body);

    const page = await newPage();
    await signIn(page, await platform.token('editor'));
    await page.goto(`${base}/#/monitoring/mail-spam`);
    const monitored = page.getByTestId('model-monitoring');
    // The tick after the feedback: both arms with labelled windows.
    await monitored.getByTestId('arm-baseline-1').getByTestId('performance-table').filter({ hasText: /last \d+ labelled\s*[12]\d\d/ }).waitFor({ timeout: 30_000 });
    await monitored.getByTestId('arm-candidate-2').waitFor();
    const baselineArm = monitored.getByTestId('arm-baseline-1');
    for (const metric of ['accuracy', 'precision', 'recall', 'f1']) await baselineArm.getByTestId(`metric-plot-${metric}`).locator('line.baseline-line').waitFor({ state: 'attached' });
    assert.equal(await baselineArm.locator('line.drop-line').count(), 4, 'each metric has its alert line');
    assert.match((await baselineArm.getByTestId('performance-table').textContent()) ?? '', /baseline \(evaluation\)0\.\d{3}/);
    assert.match((await baselineArm.getByTestId('performance-table').textContent()) ?? '', /estimate/);
    // Drift: the link count moved, with the sampled inputs shown as text (the markup is not rendered).
    const urls = baselineArm.getByTestId('drift-urls');
    await urls.filter({ hasText: 'drift' }).waitFor();
    const examples = baselineArm.getByTestId('drift-examples-urls').locator('code.example');
    assert.ok((await examples.count()) > 0, 'the drifted descriptor shows sampled inputs');
    assert.match((await examples.first().textContent()) ?? '', /<b>http:\/\/promo\.example\/\d+<\/b>/);
    assert.equal(await page.locator('[data-testid=drift-table] b').count(), 0, 'no input is rendered as markup');
    // The normalisation gap beside the descriptors: every input was described here (WARDEN_MONITOR_DESCRIBE_RATE=1).
    const gap = baselineArm.getByTestId('normalization-gap');
    await gap.filter({ hasText: /last hour/ }).waitFor();
    const described = /(\d+) \/ (\d+)/.exec((await gap.locator('tbody td.num').first().textContent()) ?? '');
    assert.ok(described !== null && Number(described[2]) > 0 && Number(described[1]) <= Number(described[2]), `flipped / described: ${described?.[0]}`);
    assert.match((await gap.textContent()) ?? '', /(stable|warning|drift|insufficient-data|no-reference)/);
    await baselineArm.getByTestId('anomaly-table').or(baselineArm.getByText(/No detector to show yet/)).first().waitFor();
    await page.getByTestId('processes-table').waitFor();
    // The summary of every model fits its card on a 1280-pixel laptop screen: no column hidden behind a scroll.
    await page.setViewportSize({ width: 1280, height: 800 });
    const summaryOverflow = await page.getByTestId('monitoring-summary').evaluate((table) => {
      const card = table.closest('.card');
      return card === null ? -1 : card.scrollWidth - card.clientWidth;
    });
    assert.ok(summaryOverflow === 0, `the monitoring summary overflows its card by ${summaryOverflow} px`);
    await page.setViewportSize({ width: 1360, height: 860 });
    await shot(page, '20-monitoring-model');
    // The Models table's health column says the same at a glance, linking to this page.
    await page.goto(`${base}/#/models`);
    const driftHealth = page.getByTestId('drift-health-mail-spam');
    await driftHealth.filter({ hasText: /drifted: / }).waitFor({ timeout: 30_000 });
    assert.match((await driftHealth.getAttribute('title')) ?? '', /urls/);
    await shot(page, '20b-models-health-drift');
    await driftHealth.click();
    await page.getByTestId('model-monitoring').waitFor();

    // The baseline's accuracy drop fires an alert; the editor acknowledges it on this page.
    const alertRow = page.getByTestId('alerts-table').locator('tr', { hasText: 'accuracy of mail-spam v1 is' });
    await alertRow.getByRole('button', { name: 'Acknowledge' }).click({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await alertRow.filter({ hasText: 'test-editor' }).waitFor();
    await shot(page, '21-monitoring-alert-acknowledged');
    const acked = (await call('GET', '/alerts?model=mail-spam&state=open')).alerts as Json[];
    assert.ok(acked.some((a) => a.rule === 'accuracy-drop' && a.ackedBy === 'test-editor'), JSON.stringify(acked.map((a) => [a.rule, a.ackedBy])));
    await page.close();

    // The admin's A/B view: both arms, the test on the decision metric, conclude and roll back.
    const admin = await newPage();
    await signIn(admin, platform.adminToken);
    await admin.goto(`${base}/#/deployments/${abId}`);
    await admin.getByTestId('ab-arm-baseline').waitFor();
    await admin.getByTestId('ab-arm-candidate').waitFor();
    assert.match((await admin.getByTestId('ab-test').textContent()) ?? '', /candidate − baseline = [+-]\d.*always-valid p [=<] [\d.]+ \(mixture SPRT/);
    assert.match((await admin.getByTestId('ab-arm-baseline').textContent()) ?? '', /baseline #1/);
    assert.match((await admin.getByTestId('ab-arm-candidate').textContent()) ?? '', /candidate #2/);
    await admin.getByTestId('conclude-candidate').waitFor();
    await admin.getByTestId('deployment-rollback').waitFor();
    await shot(admin, '22-ab-deployment');
    await admin.close();

    // A viewer sees the same pages without acknowledge, conclude or rollback.
    const reader = await newPage();
    await signIn(reader, await platform.token('viewer'));
    await reader.goto(`${base}/#/monitoring/mail-spam`);
    await reader.getByTestId('alerts-table').waitFor();
    await reader.getByTestId('arm-candidate-2').waitFor();
    assert.equal(await reader.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    await reader.goto(`${base}/#/deployments/${abId}`);
    await reader.getByTestId('ab-arm-candidate').waitFor();
    assert.equal(await reader.getByRole('button', { name: /Conclude|Roll back|Abort|Pause/ }).count(), 0);
    await shot(reader, '23-viewer-ab-deployment');
    await reader.close();
    await call('POST', `/deployments/${abId}/abort`, { reason: 'test over' });
  });

  it('a retrain from red-team findings shows every one of them in its lineage graph', async () => {
    const started = await call('POST', '/redteam/campaigns', { model: 'mail-spam-nb', version: 1, maxInputs: 40, queryBudget: 20, seed: 2 });
    assert.equal((await waitForJob(platform.services.jobs, String(started.jobId))).state, 'succeeded');
    // The threshold's event queues one retrain per model of the task; both trained on every claimed finding.
    const retrains = await until(
      async () => {
        const jobs = ((await call('GET', '/jobs?kind=retrain&limit=50')).jobs as Array<{ state: JobState; payload: Json }>).filter((job) => job.payload.trigger === 'vulnerabilities');
        return jobs.length >= 2 && jobs.every((job) => isTerminal(job.state)) ? jobs : undefined;
      },
      'a retrain of each model from the findings, ended',
      { timeoutMs: 60_000, everyMs: 200 },
    );
    assert.deepEqual(retrains.map((job) => job.state), ['succeeded', 'succeeded']);
    const used = ((await call('GET', '/redteam/vulnerabilities?task=spam')).summary as { used: number }).used;
    assert.ok(used >= RETRAIN_THRESHOLD, `used ${used}`);
    const page = await newPage();
    await signIn(page, await platform.token('viewer'));
    await page.goto(`${base}/#/models/mail-spam/lineage`);
    await page.getByTestId('lineage-graph').filter({ hasText: `${used} vulnerabilities` }).waitFor();
    await shot(page, '24-lineage-with-findings');
    await page.close();
  });

  it('loaded every page without a console error and without a request to another host', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(foreignRequests, []);
  });
});
