/**
 * `warden experiments list` and `warden runs list|show|metrics|delete` against a real
 * server on a loopback port, in-process through runCli.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  describe(`warden runs on ${kind}`, () => {
    let platform: TestPlatform;
    let url: string;
    let runId: string;

    const cli = async (role: 'viewer' | 'editor' | 'admin', ...args: string[]): Promise<CliResult> => {
      const token = await platform.token(role);
      return runCliCaptured(['--url', url, '--token', token, ...args]);
    };

    before(async () => {
      platform = await openTestPlatform(kind);
      url = await listenOnLoopback(platform);
      const tracking = platform.services.tracking;
      for (let i = 0; i < 3; i += 1) {
        const run = await tracking.createRun({ experimentName: 'cli-spam', name: `cli-run-${i}` });
        await tracking.logBatch(run.id, { params: [{ key: 'lr', value: String(0.1 * (i + 1)) }], metrics: [{ key: 'eval_f1', value: 0.8 + i / 100 }] });
        if (i === 0) runId = run.id;
      }
      for (let b = 0; b < 10; b += 1) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (b * 1000 + i + 1), step: b * 1000 + i }));
        await tracking.logBatch(runId, { metrics });
      }
      await tracking.endRun(runId, 'FINISHED');
    });
    after(() => platform.close());

    it('runs list filters and orders, as a table and as JSON', async () => {
      const json = await cli('viewer', '--json', 'runs', 'list', '--experiment', 'cli-spam', '--filter', 'metrics.eval_f1 > 0.805', '--order-by', 'metrics.eval_f1 ASC');
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(
        (JSON.parse(json.stdout) as { runs: Array<{ name: string }> }).runs.map((r) => r.name),
        ['cli-run-1', 'cli-run-2'],
      );
      const human = await cli('viewer', 'runs', 'list', '--experiment', 'cli-spam', '--limit', '2');
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /cli-run-2/);
      assert.match(human.stdout, /eval_f1/);
      assert.match(human.stdout, /more: --page-token \S+/);
      const bad = await cli('viewer', 'runs', 'list', '--filter', 'metrics.eval_f1 > high');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /filter.*at character 19/);
      const experiments = await cli('viewer', 'experiments', 'list');
      assert.match(experiments.stdout, /cli-spam/);
    });

    it('runs show prints params, latest metrics and status', async () => {
      const shown = await cli('viewer', 'runs', 'show', runId);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /FINISHED/);
      assert.match(shown.stdout, /lr.*0\.1/);
      assert.match(shown.stdout, /loss.*0\.0001.*9999/);
      const missing = await cli('viewer', 'runs', 'show', 'nope');
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no run has id "nope"/);
    });

    it('runs metrics returns all 10,000 points of a key in step order', async () => {
      const json = await cli('viewer', '--json', 'runs', 'metrics', runId, 'loss');
      assert.equal(json.code, 0, json.stderr);
      const points = (JSON.parse(json.stdout) as { points: Array<{ step: number; value: number }> }).points;
      assert.equal(points.length, 10_000);
      assert.ok(points.every((p, i) => p.step === i && p.value === 1 / (i + 1)));
      const head = await cli('viewer', 'runs', 'metrics', runId, 'loss', '--limit', '3');
      assert.equal(head.code, 0, head.stderr);
      assert.match(head.stdout, /step.*value.*time/);
      // One table row per point, each with its ISO time.
      assert.equal(head.stdout.split('\n').filter((line) => /\d{4}-\d{2}-\d{2}T/.test(line)).length, 3);
    });

    it('runs delete needs an admin', async () => {
      const run = await platform.services.tracking.createRun({ experimentName: 'cli-spam', name: 'doomed' });
      const refused = await cli('editor', 'runs', 'delete', run.id);
      assert.notEqual(refused.code, 0);
      const deleted = await cli('admin', 'runs', 'delete', run.id);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /deleted run/);
      assert.notEqual((await cli('viewer', 'runs', 'show', run.id)).code, 0);
    });
  });
}
