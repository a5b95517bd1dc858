import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobEnded, observeSubscriptions, until } from '../support/wait.js';
import { EXIT_CODES } from '../../src/cli/http-client.js';
import { WatchRenderer, formatDuration, progressBar, progressParts, ranFor, type JobView } from '../../src/cli/commands/jobs.js';
import type { JobContext } from '../../src/domain/ports/job-queue.js';
import type { JobProgress, JsonValue } from '../../src/domain/jobs.js';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

const progress = (extra: Partial<JobProgress> = {}): JobProgress => ({
  fraction: 0.42,
  phase: 'train',
  epoch: 3,
  totalEpochs: 10,
  step: 420,
  totalSteps: 1000,
  throughput: 1234.5,
  throughputUnit: 'docs/s',
  etaSeconds: 42,
  updatedAt: 1,
  ...extra,
});

describe('jobs watch rendering', () => {
  it('formats durations and the facts of a progress report', () => {
    assert.equal(formatDuration(7), '7s');
    assert.equal(formatDuration(245), '4:05');
    assert.equal(formatDuration(3723), '1:02:03');
    assert.deepEqual(progressParts(progress()), ['42%', 'train', 'epoch 3/10', 'step 420/1000', '1,235 docs/s', 'ETA 42s']);
  });

  it('says how long a finished job ran from its start, not from when it was queued', () => {
    assert.equal(ranFor({ createdAt: 0, startedAt: 72_000, finishedAt: 108_000 }), '36.0 s');
    assert.equal(ranFor({ createdAt: 1_000, startedAt: null, finishedAt: 3_500 }), '2.5 s', 'cancelled before it started');
    assert.equal(ranFor({ createdAt: 0, startedAt: 5, finishedAt: null }), '');
  });

  it('draws a bar that fits the terminal width, dropping facts from the end', () => {
    const wide = progressBar(progress(), 120);
    assert.match(wide, /^\[█+░+\] {2}42% train epoch 3\/10 step 420\/1000 1,235 docs\/s ETA 42s$/);
    const narrow = progressBar(progress(), 50);
    assert.ok(narrow.length < 50, narrow);
    assert.match(narrow, /42% train/);
    assert.doesNotMatch(narrow, /ETA/);
  });

  it('redraws one line on a terminal and keeps log lines above it', () => {
    let out = '';
    const renderer = new WatchRenderer({ tty: true, columns: 100, write: (t) => (out += t) });
    const job = { id: 'j1', kind: 'train', state: 'running', attempts: 1, maxAttempts: 3, cancelRequested: false, progress: null } as unknown as JobView;
    renderer.event('snapshot', { job, logs: [] });
    renderer.event('progress', { progress: progress({ fraction: 0.1, epoch: 1 }) });
    renderer.event('progress', { progress: progress({ fraction: 0.2, epoch: 2 }) });
    renderer.event('log', { log: { seq: 1, at: 1, line: 'epoch 2 loss 0.3' } });
    renderer.event('state', { job: { ...job, state: 'succeeded', progress: progress({ fraction: 1, epoch: 10, etaSeconds: 0 }) } });
    const redraws = out.split('\r\x1b[2K').length - 1;
    assert.ok(redraws >= 4, `redrew ${redraws} times`);
    assert.ok(out.includes('\r\x1b[2K  | epoch 2 loss 0.3\n\r\x1b[2K['), 'a log line is printed, then the bar is redrawn under it');
    assert.match(out, /succeeded \(attempt 1\/3\)\n/);
    assert.ok(out.endsWith('\n'), 'the final bar stays on screen');
    assert.equal(renderer.job?.state, 'succeeded');
  });
});

describe('warden jobs (CLI against a server)', () => {
  let platform: TestPlatform;
  let url: string;
  const release = new Map<string, () => void>();

  const run = async (...args: string[]) => {
    return runCliCaptured(['--url', url, '--token', platform.adminToken, ...args]);
  };

  before(async () => {
    platform = await openTestPlatform('sqlite');
    await platform.services.jobs.startWorkers({
      async evaluate(ctx: JobContext): Promise<JsonValue> {
        const payload = ctx.payload as { hold?: string; fail?: boolean };
        if (payload.hold) await new Promise<void>((resolve) => release.set(payload.hold!, resolve));
        for (let epoch = 1; epoch <= 2; epoch++) {
          ctx.reportProgress({ fraction: epoch / 2, phase: 'evaluate', epoch, totalEpochs: 2, throughput: 250, throughputUnit: 'docs/s' });
          ctx.log(`batch ${epoch}`);
          await sleep(10);
        }
        if (payload.fail) throw Object.assign(new Error('no test split'), { retryable: false });
        return { accuracy: 0.95 };
      },
    });
    url = await listenOnLoopback(platform);
  });
  after(async () => {
    for (const r of release.values()) r();
    await platform.close();
  });

  const finished = (id: string) => jobEnded(platform.services.jobs, id);

  it('shows a job with a realistic recipe payload as key/value lines of at most 100 columns, the nested JSON under --json', async () => {
    const recipe = {
      family: 'mlp',
      hyperparameters: { epochs: 12, learningRate: 0.05, hiddenUnits: 16, batchSize: 64, l2: 0.0001, seed: 42, earlyStoppingPatience: 3 },
      featurizer: { kind: 'hashed-ngrams', buckets: 262_144, wordNgrams: [1, 2], charNgrams: [3, 4, 5], lowercase: true },
      dataset: { builtin: ['spam-assassin'], names: ['phishing-mail-2026-q3-reviewed-by-the-mail-security-team', 'spam-mail'], includeFresh: true },
      split: { test: 0.2, validation: 0.1, seed: 42, stratify: true },
    };
    const tags = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`team.mail.security.tag-${i}`, `value-${i}-${'x'.repeat(i * 3)}`]));
    const job = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { model: 'phishing-detector-for-the-corporate-mail-gateway', recipe, tags, fail: true } });
    await finished(job.id);
    const shown = await run('jobs', 'show', job.id);
    assert.equal(shown.code, 0, shown.stderr);
    for (const line of shown.stdout.split('\n')) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
    assert.match(shown.stdout, /^payload\.recipe\.family:\s+mlp$/m);
    assert.match(shown.stdout, /^payload\.recipe\.featurizer:\s+kind=hashed-ngrams buckets=262144 /m);
    assert.match(shown.stdout, /^error:\s+.*no test split/m);
    assert.match(shown.stdout, /team\.mail\.security\.tag-11=value-11-x{33}/);
    const json = JSON.parse((await run('--json', 'jobs', 'show', job.id)).stdout);
    assert.deepEqual(json.payload.recipe, recipe);
  });

  it('lists the work people asked for with its model; --all adds the housekeeping the platform queues itself', async () => {
    const asked = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { model: 'mail-spam' } });
    await finished(asked.id);
    const tick = await platform.services.jobs.enqueue({ kind: 'check-deployments', payload: {} });
    const list = await run('jobs', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${asked.id} │ evaluate │ mail-spam +│ succeeded`));
    assert.doesNotMatch(list.stdout, new RegExp(tick.id));
    for (const line of list.stdout.split('\n')) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
    const all = await run('--json', 'jobs', 'list', '--all');
    assert.deepEqual(
      (JSON.parse(all.stdout).jobs as Array<{ id: string }>).map((j) => j.id).filter((id) => id === asked.id || id === tick.id),
      [tick.id, asked.id],
    );
    assert.match((await run('jobs', 'list', '--kind', 'check-deployments')).stdout, new RegExp(tick.id));
  });

  it('lists and shows jobs as tables and JSON', async () => {
    const job = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: {} });
    await finished(job.id);
    const list = await run('jobs', 'list', '--kind', 'evaluate');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${job.id} │ evaluate │ +│ succeeded +│ \\d\\d-\\d\\dT\\d\\d:\\d\\d │`));
    for (const line of list.stdout.split("\n")) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
    const shown = await run('--json', 'jobs', 'show', job.id);
    assert.equal(JSON.parse(shown.stdout).result.accuracy, 0.95);
    const table = await run('jobs', 'show', job.id);
    assert.match(table.stdout, /^progress:\s+100% evaluate epoch 2\/2 250 docs\/s ETA 0s$/m);
    const logs = await run('jobs', 'logs', job.id);
    assert.match(logs.stdout, /batch 1\n.*batch 2/);
    const missing = await run('jobs', 'show', 'nope');
    assert.equal(missing.code, EXIT_CODES.notFound);
    assert.match(missing.stderr, /^error: JOB_NOT_FOUND/);
  });

  it('watch prints plain lines when not on a terminal and exits 0 on success', async () => {
    const job = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { hold: 'w1' } });
    await until(() => release.has('w1'), 'the handler to hold w1');
    const subscriptions = observeSubscriptions(platform.services.jobs);
    let watching: ReturnType<typeof run>;
    try {
      watching = run('jobs', 'watch', job.id, '--plain');
      // The CLI's stream is subscribed: it sees everything the job does from now on.
      await subscriptions.subscribed(job.id);
    } finally {
      subscriptions.restore();
    }
    release.get('w1')!();
    const result = await watching;
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], `job ${job.id} (evaluate)`);
    assert.ok(lines.includes('running (attempt 1/3)'));
    assert.ok(lines.some((l) => /^50% evaluate epoch 1\/2 250 docs\/s/.test(l)), result.stdout);
    assert.ok(lines.includes('  | batch 2'));
    assert.equal(lines[lines.length - 1], 'succeeded (attempt 1/3)');
    assert.equal(result.stdout.includes('\x1b'), false, 'no terminal control codes in plain mode');
  });

  it('watch reconnects when the stream drops and prints nothing twice', async () => {
    const job = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { hold: 'w2' } });
    await until(() => release.has('w2'), 'the handler to hold w2');
    const subscriptions = observeSubscriptions(platform.services.jobs);
    let watching: ReturnType<typeof run>;
    try {
      watching = run('jobs', 'watch', job.id, '--plain');
      await subscriptions.subscribed(job.id);
      platform.app.server.closeAllConnections(); // the stream drops mid-job
      // The CLI reconnected and the server subscribed it again.
      await subscriptions.subscribed(job.id, 2);
    } finally {
      subscriptions.restore();
    }
    release.get('w2')!();
    const result = await watching;
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l === `job ${job.id} (evaluate)`).length, 1);
    assert.equal(lines.filter((l) => l === '  | batch 1').length, 1);
    assert.equal(lines[lines.length - 1], 'succeeded (attempt 1/3)');
  });

  it('watch exits non-zero for a failed or cancelled job; --json prints the final job', async () => {
    const failing = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { fail: true } });
    await finished(failing.id);
    const failed = await run('jobs', 'watch', failing.id);
    assert.equal(failed.code, EXIT_CODES.other);
    assert.match(failed.stderr, /job .* failed: no test split/);

    const held = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: {}, runAt: Date.now() + 60_000 });
    const cancel = await run('jobs', 'cancel', held.id);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancelled/);
    const cancelled = await run('--json', 'jobs', 'watch', held.id);
    assert.equal(cancelled.code, EXIT_CODES.conflict);
    assert.equal(JSON.parse(cancelled.stdout).state, 'cancelled');
    const again = await run('jobs', 'cancel', held.id);
    assert.equal(again.code, EXIT_CODES.conflict);
    assert.match(again.stderr, /JOB_NOT_CANCELLABLE/);
  });
});
