/**
 * `warden models|versions|promote|archive|compare|status|lineage|history|alias` against a real
 * server on a loopback port, in-process through runCli.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT_CODES } from '../../src/cli/http-client.js';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('warden registry commands', () => {
  let platform: TestPlatform;
  let url: string;
  let admin: string;
  let editor: string;
  let viewer: string;

  const run = async (token: string, ...args: string[]): Promise<CliResult> => {
    return runCliCaptured(['--url', url, '--token', token, ...args]);
  };
  const json = async (token: string, ...args: string[]) => {
    const result = await run(token, '--json', ...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  before(async () => {
    platform = await openTestPlatform('sqlite');
    url = await listenOnLoopback(platform);
    [admin, editor, viewer] = await Promise.all([platform.token('admin'), platform.token('editor'), platform.token('viewer')]);
  });
  after(async () => platform.close());

  it('creates, lists and shows models', async () => {
    // A policy decides what reaches Production: an admin's to give, at creation too.
    assert.equal((await run(editor, 'models', 'create', 'phish', '--task', 'phishing', '--policy', 'eval_f1>=0.9:Production')).code, EXIT_CODES.auth);
    const created = await run(admin, 'models', 'create', 'phish', '--task', 'phishing', '--tag', 'team=mail', '--policy', 'eval_f1>=0.9:Production');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created model phish \(phishing; eval_f1 >= 0.9 → Production, else Staging\)/);
    const list = await run(viewer, 'models', 'list');
    assert.equal(list.code, 0);
    assert.match(list.stdout, /phish/);
    assert.match(list.stdout, /name/);
    const shown = await json(viewer, 'models', 'show', 'phish');
    assert.deepEqual(shown.tags, { team: 'mail' });
    const duplicate = await run(editor, 'models', 'create', 'phish', '--task', 'phishing');
    assert.equal(duplicate.code, EXIT_CODES.conflict);
    assert.match(duplicate.stderr, /^error: MODEL_ALREADY_EXISTS: .*\n$/);
    const missing = await run(viewer, 'models', 'show', 'nope');
    assert.equal(missing.code, EXIT_CODES.notFound);
    assert.equal(missing.stderr.split('\n').length, 2, 'one line');
    assert.equal((await run(editor, 'models', 'create', 'x', '--task', 'spam', '--policy', 'nonsense')).code, EXIT_CODES.usage);
  });

  it('shows a version with long metric maps, tags and lineage as key/value lines of at most 100 columns', async () => {
    assert.equal((await run(editor, 'models', 'create', 'wide', '--task', 'spam')).code, 0);
    const hex = (c: string) => c.repeat(64);
    const body = {
      metrics: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`eval_per_class/phishing_or_spam/false_positive_rate_at_threshold_${i}`, i / 41])),
      tags: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`team.mail.tag-${i}`, `owner-${i}@mail-security.example.com`])),
      datasetDigests: [hex('a'), hex('b'), hex('c')],
      resourceUsage: { cpuSeconds: 123.4, peakRssBytes: 412_000_000, wallSeconds: 61.2, gpuMemoryBytes: 0 },
      recipeFingerprint: hex('d'),
      description: 'Retrained on the third-quarter phishing corpus reviewed by the mail security team, with the new URL features and a longer vocabulary. '.repeat(3),
    };
    const file = path.join(os.tmpdir(), `warden-wide-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify(body));
    try {
      assert.equal((await run(editor, 'versions', 'register', 'wide', '--from-file', file)).code, 0);
      assert.equal((await run(editor, 'versions', 'register', 'wide', '--from-file', file, '--parent', '1')).code, 0);
    } finally {
      fs.rmSync(file, { force: true });
    }
    const shown = await run(viewer, 'versions', 'show', 'wide', '2');
    assert.equal(shown.code, 0, shown.stderr);
    for (const line of shown.stdout.split('\n')) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
    assert.match(shown.stdout, /^parent:\s+1$/m);
    assert.match(shown.stdout, /^metrics:\s+eval_per_class\/phishing_or_spam\/false_positive_rate_at_threshold_0=0$/m);
    assert.match(shown.stdout, /false_positive_rate_at_threshold_39=0\.9512/, 'every metric is shown');
    assert.match(shown.stdout, /^datasets:\s+a{64}\n\s+b{64}\n\s+c{64}$/m);
    const full = await json(viewer, 'versions', 'show', 'wide', '2');
    assert.deepEqual(full.metrics, body.metrics);
    assert.deepEqual(full.tags, body.tags);
    // Tables too: long cells wrap inside their column instead of widening the table.
    for (const args of [['versions', 'list', 'wide'], ['status'], ['history', 'wide']]) {
      const listed = await run(viewer, ...args);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /wide|v1\.1|Staging/);
      for (const line of listed.stdout.split('\n')) assert.ok(line.length <= 100, `${args.join(' ')}: ${line.length} columns: ${line}`);
    }
  });

  it('registers, lists and shows versions; promotes, archives, compares', async () => {
    const v1 = await run(editor, 'versions', 'register', 'phish', '--metric', 'eval_f1=0.95', '--metric', 'eval_loss=0.2', '--recipe', 'bow', '--tag', 'data=jan');
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /registered phish version 1 \(v1\.0\) → Staging: .*eval_f1 0\.95 >= 0\.9, but the metrics were reported by the caller/);
    const reviewed = await run(admin, 'promote', 'phish', '1', '--reason', 'reviewed');
    assert.equal(reviewed.code, 0, reviewed.stderr);
    const v2 = await json(editor, 'versions', 'register', 'phish', '--metric', 'eval_f1=0.85', '--recipe', 'bow', '--parent', '1', '--resource', 'wallSeconds=3');
    assert.equal(v2.version.stage, 'Staging');
    assert.equal(v2.version.semver, 'v1.1');
    assert.equal((await run(editor, 'versions', 'register', 'phish', '--metric', 'eval_f1=high')).code, EXIT_CODES.usage);

    const listed = await json(viewer, 'versions', 'list', 'phish', '--metric', 'eval_f1>0.9');
    assert.deepEqual(listed.versions.map((v: { number: number }) => v.number), [1]);
    const staged = await json(viewer, 'versions', 'list', 'phish', '--stage', 'Staging');
    assert.deepEqual(staged.versions.map((v: { number: number }) => v.number), [2]);
    const table = await run(viewer, 'versions', 'list', 'phish');
    assert.match(table.stdout, /v1\.1/);
    const shown = await run(viewer, 'versions', 'show', 'phish', 'v1.1');
    assert.match(shown.stdout, /retraining count/);

    const forbidden = await run(editor, 'promote', 'phish', '2');
    assert.equal(forbidden.code, EXIT_CODES.auth);
    const promoted = await run(admin, 'promote', 'phish', '2', '--reason', 'better recall');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /phish v1: Production → Archived/);
    assert.match(promoted.stdout, /phish v2: Staging → Production \(better recall\)/);
    const invalid = await run(admin, 'promote', 'phish', '2');
    assert.equal(invalid.code, EXIT_CODES.usage);
    assert.match(invalid.stderr, /STAGE_TRANSITION_INVALID/);

    const comparison = await json(viewer, 'compare', 'phish', '1', '2');
    assert.equal(comparison.relation, 'ancestor');
    const compareTable = await run(viewer, 'compare', 'phish', '1', '2');
    assert.match(compareTable.stdout, /eval_f1/);

    const status = await run(viewer, 'status');
    assert.match(status.stdout, /Production \*/);
    const statusJson = await json(viewer, 'status');
    assert.deepEqual(statusJson.models.find((m: { name: string }) => m.name === 'phish').production, { number: 2, semver: 'v1.1' });

    const lineage = await run(viewer, 'lineage', 'phish', '2');
    assert.match(lineage.stdout, /ancestors: v1/);
    const lineageJson = await json(viewer, 'lineage', 'phish', '2');
    assert.deepEqual(lineageJson.resourceUsage, { wallSeconds: 3 });

    const aliased = await run(editor, 'alias', 'set', 'phish', 'champion', '2');
    assert.match(aliased.stdout, /phish@champion → version 2/);
    assert.equal((await run(editor, 'alias', 'delete', 'phish', 'champion')).code, 0);

    const pending = await json(editor, 'versions', 'register', 'phish', '--status', 'PENDING', '--metric', 'eval_f1=0.5');
    const finished = await run(editor, 'versions', 'update', 'phish', String(pending.version.number), '--status', 'READY', '--tag', 'run=r9');
    assert.equal(finished.code, 0, finished.stderr);
    assert.match(finished.stdout, /updated phish version 3 \(READY, Staging\)\n.*eval_f1 0\.5 < 0\.9 → Staging/);
    assert.equal((await run(editor, 'versions', 'update', 'phish', '3')).code, EXIT_CODES.usage);

    const unforced = await run(admin, 'archive', 'phish', '2', '--reason', 'retired');
    assert.equal(unforced.code, EXIT_CODES.usage);
    assert.match(unforced.stderr, /leaves nothing in Production.*--force/);
    const archived = await run(admin, 'archive', 'phish', '2', '--reason', 'retired', '--force');
    assert.equal(archived.code, 0, archived.stderr);
    assert.match(archived.stdout, /Production → Archived \(retired\)/);
    const unserved = await run(viewer, 'status');
    assert.match(unserved.stdout, /no Production version \(nothing serves them\): .*phish/);
    const history = await json(viewer, 'history', 'phish');
    assert.equal(history.transitions.at(-1).reason, 'retired');

    // The figures a classifier is judged by come first, the rest by name after them.
    const judged = await json(editor, 'versions', 'register', 'phish', '--metric', 'eval_docs_per_second=400', '--metric', 'eval_fn=3', '--metric', 'eval_recall=0.8', '--metric', 'eval_f1=0.82');
    const listing = (await run(viewer, 'versions', 'list', 'phish')).stdout;
    const at = (metric: string): number => listing.indexOf(metric, listing.indexOf(judged.version.semver));
    const order = ['eval_f1=0.82', 'eval_recall=0.8', 'eval_docs_per_second', 'eval_fn=3'].map(at);
    assert.ok(order.every((position, i) => position > 0 && (i === 0 || position > order[i - 1]!)), listing);
  });
});
